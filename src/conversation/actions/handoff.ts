import { z } from "zod";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

/** Longest message relayed to the secretariat at once. */
const RELAYED_MAX = 2000;

export const handoffActions = (s: Services) => [
  /** Whether any secretariat takes conversations now (`any`): when none does, the citizen is told before being asked anything. */
  defineAction({
    name: "handoff_available",
    args: z.object({}),
    run: async () => ({ any: await s.handoffs.anyReachable() }),
  }),
  /**
   * Opens the citizen's conversation with the secretariat of a municipality (its group gets a card),
   * or finds the one already open. `ok: false` when the municipality has no group the bot can reach.
   */
  defineAction({
    name: "request_handoff",
    args: z.object({ municipality: z.string().max(10) }),
    run: async ({ municipality }, { citizen, lang, emit }) => {
      const result = await s.handoffs.request(citizen.id, municipality, lang);
      if (!result.ok) return { ok: false, resumed: false };
      if (!result.resumed) emit({ type: "handoff_requested", handoff: result.handoff.id, municipality, citizen: citizen.id });
      return { ok: true, resumed: result.resumed };
    },
  }),
  /** One message of the citizen to the group; `open: false` when a member closed the conversation. */
  defineAction({
    name: "relay_to_secretariat",
    args: z.object({ text: z.string().max(RELAYED_MAX * 2) }),
    run: async ({ text }, { citizen }) => ({ open: await s.handoffs.say(citizen.id, text.slice(0, RELAYED_MAX)) }),
  }),
  /** The citizen leaves: the open conversation is closed and the group told. */
  defineAction({
    name: "leave_handoff",
    args: z.object({}),
    run: async (_a, { citizen, emit }) => {
      const closed = await s.handoffs.leave(citizen.id);
      if (closed) emit({ type: "handoff_closed", handoff: closed.id, municipality: closed.municipality, by: "citizen" });
      return { closed: closed !== null };
    },
  }),
];

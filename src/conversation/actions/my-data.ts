/**
 * "mis datos": what the flow my_data calls — everything held about the citizen, the link to take it as
 * a file, the corrections (municipality; the language goes through its own flow), and deleting it all.
 * Each request is recorded with its legal deadline (domain/data-rights.ts), naming nobody.
 */
import { z } from "zod";
import { EXPORT_LINK_MINUTES, MY_DATA_MIME } from "../../domain/data-export.js";
import { DATA_RIGHTS } from "../../domain/data-rights.js";
import type { Json } from "../../util/json.js";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

export const myDataActions = (s: Services) => [
  /**
   * What is held: counts for the summary, the reports one by one, and a report not sent kept in the
   * conversation (`draft`, set aside while "mis datos" runs). A visitor never stored holds nothing.
   */
  defineAction({
    name: "my_data_summary",
    args: z.object({ draft: z.unknown().optional() }),
    run: async ({ draft }, { citizen }): Promise<Json> => {
      const held = await s.dataRights.held(citizen.id);
      const unsent = typeof draft === "object" && draft !== null && !Array.isArray(draft) && (draft as { forgotten?: unknown }).forgotten !== true;
      if (!held.citizen && !held.reports.length && !held.follows.length && !unsent) return { known: false, conversation_days: s.conversationDays };
      await s.dataRights.record("access", citizen);
      const municipality = held.citizen?.municipality ? (s.municipalities.get(held.citizen.municipality)?.name ?? "") : "";
      return {
        known: true,
        channel: held.citizen?.channel ?? citizen.channel,
        language: (held.citizen?.language ?? citizen.language).split("-")[0],
        municipality,
        municipality_known: municipality !== "",
        consent_version: held.citizen?.consent?.version ?? "",
        consent_at: held.citizen?.consent?.at ?? "",
        notices_stopped: held.citizen?.noticesStoppedAt !== null && held.citizen?.noticesStoppedAt !== undefined,
        reports: held.reports.map((r) => ({ folio: r.folio, category: r.category, status: r.status, description: r.description, created: r.created })),
        report_count: held.reports.length,
        follows: held.follows.length,
        commitments: held.commitments.length,
        subscriptions: held.subscriptions.length,
        handoffs: held.handoffs.length,
        events: held.events.length,
        draft: unsent,
        draft_days: s.draftDays,
        conversation_days: s.conversationDays,
      };
    },
  }),
  /**
   * The file of everything held: `ref` for the channels that send it in the chat (Telegram, WhatsApp,
   * the web chat's download), `url` for the text of those that cannot. Made when it is sent, never saved.
   */
  defineAction({
    name: "my_data_file",
    args: z.object({}),
    run: async (_a, { citizen }): Promise<Json> => {
      await s.dataRights.record("portability", citizen);
      const ref = s.exportLinks.path(citizen.id);
      return { ref, mime: MY_DATA_MIME, url: `${s.publicUrl}${ref}`, minutes: EXPORT_LINK_MINUTES, date: s.today() };
    },
  }),
  /**
   * A request answered by another flow (the language, "baja"), recorded first; or one only a person can
   * answer (`state: pending`), which waits for the secretariat to mark it done.
   */
  defineAction({
    name: "record_data_request",
    args: z.object({ right: z.enum(DATA_RIGHTS), state: z.enum(["done", "pending"]).default("done") }),
    run: async ({ right, state }, { citizen }): Promise<Json> => {
      if (!citizen.consent) return { recorded: false };
      const request = await s.dataRights.record(right, citizen, state);
      return { recorded: true, code: request.code, deadline: request.deadline };
    },
  }),
  /** The citizen's municipality, corrected. */
  defineAction({
    name: "set_my_municipality",
    args: z.object({ cvegeo: z.string().max(10) }),
    run: async ({ cvegeo }, { citizen, emit }): Promise<Json> => {
      const m = s.municipalities.get(cvegeo);
      if (!m) return { ok: false };
      emit({ type: "municipality_corrected", citizen: citizen.id, municipality: m.cvegeo });
      await s.dataRights.record("rectification", { ...citizen, municipality: m.cvegeo });
      return { ok: true, name: m.name };
    },
  }),
  /** Deletes the citizen's data; their reports stay, de-identified. */
  defineAction({
    name: "erase_my_data",
    args: z.object({}),
    run: async (_a, { citizen, emit }): Promise<Json> => {
      await s.dataRights.record("cancellation", citizen);
      const erased = await s.dataRights.erase(citizen.id);
      emit({ type: "data_erased" });
      return erased;
    },
  }),
];

/**
 * Reading a saved conversation state back. The store keeps it as plain data; what comes back is
 * checked, so a record written by an older version (or edited by hand) never reaches the engine
 * half-formed: it is treated as a conversation that has ended, and the citizen gets the menu.
 */
import { z } from "zod";
import type { ConversationState } from "../engine/types.js";
import { LANGUAGES } from "../locale/languages.js";

const json: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));

const stateSchema = z.object({
  flow: z.string(),
  flowVersion: z.string(),
  step: z.string(),
  waiting: z.enum(["answer", "action", "nothing"]),
  vars: z.record(z.string(), json),
  attempts: z.number().int().min(0),
  lang: z.enum(LANGUAGES),
  aside: z
    .union([
      z.object({ kind: z.literal("guess"), value: z.string(), label: z.string(), heard: z.record(z.string(), json).optional() }),
      z.object({ kind: z.literal("leave"), flow: z.string().optional(), cancelled: z.boolean().optional(), heard: z.record(z.string(), json).optional() }),
    ])
    .optional(),
});

/** States the engine made in this process (so states), or already checked: not checked again on every message. */
const known = new WeakSet<object>();

/** A state the engine just made: when the store hands this same object back, it is used as it is. */
export function madeByEngine(state: ConversationState): ConversationState {
  known.add(state);
  return state;
}

/** The state as the engine can use it, or null when what was saved is not a state. */
export function readState(saved: unknown): ConversationState | null {
  if (typeof saved === "object" && saved !== null && known.has(saved)) return saved as ConversationState;
  const parsed = stateSchema.safeParse(saved);
  return parsed.success ? (parsed.data as ConversationState) : null;
}

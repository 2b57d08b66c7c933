/**
 * Drafts: what a flow that declares `draft` has collected so far (a report being written). A draft is
 * never lost by a mistake: leaving it asks first (asides.ts), and an expired conversation keeps it in
 * the variable `draft` — its flow, step and answers — for the flows to offer (`resume_draft`).
 */
import type { Json } from "../util/json.js";
import type { FlowSet } from "./flow.js";
import type { ConversationState, Vars } from "./types.js";
import { getVar } from "./vars.js";

/** What is kept of an unfinished draft. `offer`: not yet offered since it was kept. */
export interface ParkedDraft {
  flow: string;
  flowVersion: string;
  step: string;
  vars: Vars;
  offer: boolean;
}

/**
 * What `draft` holds once a draft kept too long (DRAFT_DAYS of silence) was forgotten: the flows tell
 * the citizen when they come back (`draft.forgotten`), then let it go.
 */
export interface ForgottenDraft {
  forgotten: true;
  days: number;
  /** When it was forgotten (ISO): the conversation is kept CONVERSATION_DAYS from then, for the citizen to be told. */
  at?: string;
}

/** Whether the conversation holds a report not sent: being written, or kept in `draft` (even one its flow no longer fits). */
export function keepsDraft(flows: FlowSet, state: ConversationState): boolean {
  const kept = state.vars.draft;
  const aside = typeof kept === "object" && kept !== null && !Array.isArray(kept) && kept.forgotten !== true;
  return aside || holdsDraft(flows, state) || holdsOpening(flows, state);
}

/** A first message kept to be offered as the description (`opening`), before the draft itself begins (no municipality yet). */
function holdsOpening(flows: FlowSet, state: ConversationState): boolean {
  const opening = state.vars.opening;
  return state.waiting !== "nothing" && flows.get(state.flow)?.draft !== undefined && typeof opening === "string" && opening !== "";
}

/**
 * The state without the report it holds (see keepsDraft), `draft` saying it was forgotten. One being
 * written ends the conversation, which keeps only who the citizen is; one kept aside goes alone.
 */
export function forgetDraft(flows: FlowSet, state: ConversationState, days: number, at: Date): ConversationState {
  const marker: ForgottenDraft = { forgotten: true, days, at: at.toISOString() };
  if (!holdsDraft(flows, state) && !holdsOpening(flows, state)) return { ...state, vars: { ...state.vars, draft: marker as unknown as Json } };
  const { aside: _aside, ...rest } = state;
  const vars: Vars = { draft: marker as unknown as Json };
  if (state.vars.citizen !== undefined) vars.citizen = state.vars.citizen;
  return { ...rest, vars, waiting: "nothing" };
}

/** When the report the conversation held was forgotten, while the citizen has not been told yet (see ForgottenDraft). */
export function draftForgottenAt(state: ConversationState): Date | undefined {
  const kept = state.vars.draft;
  if (typeof kept !== "object" || kept === null || Array.isArray(kept) || kept.forgotten !== true || typeof kept.at !== "string") return undefined;
  const at = new Date(kept.at);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** Whether the conversation holds a draft the citizen would lose by leaving. */
export function holdsDraft(flows: FlowSet, state: ConversationState): boolean {
  const when = flows.get(state.flow)?.draft?.when;
  if (!when || state.waiting !== "answer") return false;
  const value = getVar(state.vars, when);
  return value !== undefined && value !== null;
}

/**
 * The state's vars with its draft kept in `draft`, when it holds one (otherwise unchanged). `offer`: the
 * menu offers it back at once (an expired conversation); otherwise it waits until the citizen starts
 * that flow again (a link opened elsewhere).
 */
export function park(flows: FlowSet, state: ConversationState, offer = true): Vars {
  if (!holdsDraft(flows, state)) return state.vars;
  const { draft: _previous, heard: _heard, ...vars } = state.vars;
  const draft: ParkedDraft = { flow: state.flow, flowVersion: state.flowVersion, step: state.step, vars, offer };
  return { ...state.vars, draft: draft as unknown as Json };
}

/** A kept draft read back, or undefined when `value` is not one or no longer fits its flow. */
export function readDraft(flows: FlowSet, value: Json | undefined): ParkedDraft | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const d = value as Record<string, Json>;
  if (typeof d.flow !== "string" || typeof d.step !== "string" || !d.vars || typeof d.vars !== "object" || Array.isArray(d.vars)) return undefined;
  const flow = flows.get(d.flow);
  const step = flow?.byId.get(d.step);
  if (!flow || flow.version !== d.flowVersion || step?.type !== "ask") return undefined;
  return { flow: d.flow, flowVersion: String(d.flowVersion), step: d.step, vars: d.vars as Vars, offer: d.offer === true };
}

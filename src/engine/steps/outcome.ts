/** What running one step yields: keep going (maybe elsewhere), or stop and wait. */

import type { Json } from "../../util/json.js";
import type { Step } from "../flow.js";
import type { Target } from "../flow-schema.js";
import type { ActionCall, ConversationState, EngineContext, Reply, Vars } from "../types.js";

export type Outcome =
  | { kind: "continue"; vars?: Vars; replies?: Reply[]; goto?: Target; lang?: ConversationState["lang"] }
  | { kind: "wait_answer"; replies: Reply[] }
  | { kind: "wait_action"; action: ActionCall }
  | { kind: "end"; replies: Reply[] }
  /** Continue the parked draft (see resume-draft.ts); the engine checks it still fits its flow. */
  | { kind: "resume"; draft: Json };

export type StepRunner<S extends Step = Step> = (step: S, state: ConversationState, ctx: EngineContext) => Outcome;

/** Parameters for a text: every variable, plus the step's own named references. */
export function textParams(state: ConversationState, extra: Vars): Vars {
  return { ...state.vars, ...extra };
}

/**
 * `resume_draft`: continues the draft the citizen left unfinished — its flow, step and answers, kept in
 * `draft` when the conversation expired or was left for another flow (see drafts.ts). A draft whose
 * flow changed since is not resumed: the citizen is told, and the flow goes on to the next step.
 *   - id: resume
 *     type: resume_draft
 */
import type { Step } from "../flow.js";
import { getVar } from "../vars.js";
import type { StepRunner } from "./outcome.js";

export const resumeDraft: StepRunner<Extract<Step, { type: "resume_draft" }>> = (_step, state) => ({
  kind: "resume",
  draft: getVar(state.vars, "draft") ?? null,
});

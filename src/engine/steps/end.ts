/**
 * `end`: finishes the conversation, optionally with a last text. The next message starts at the menu.
 *   - type: end
 *     text: common.goodbye
 */
import type { Step } from "../flow.js";
import { resolveRefs } from "../vars.js";
import { type StepRunner, textParams } from "./outcome.js";

export const end: StepRunner<Extract<Step, { type: "end" }>> = (step, state) => ({
  kind: "end",
  replies: step.text ? [{ key: step.text, params: textParams(state, resolveRefs(state.vars, undefined)) }] : [],
});

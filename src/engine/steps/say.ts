/**
 * `say`: sends a text. With `each`, the text is repeated for every item of a list variable
 * and sent as one message. With `separate: true`, the text is its own message (a topic to read),
 * not joined to the question that follows.
 *   - type: say
 *     text: status.history_item
 *     each: report.history
 */
import type { Step } from "../flow.js";
import type { Vars } from "../types.js";
import { getVar, resolveRefs } from "../vars.js";
import { type StepRunner, textParams } from "./outcome.js";

export const say: StepRunner<Extract<Step, { type: "say" }>> = (step, state) => {
  const params = textParams(state, resolveRefs(state.vars, step.params));
  const separate = step.separate ? { separate: true } : {};
  if (!step.each) return { kind: "continue", replies: [{ key: step.text, params, ...separate }], goto: step.next };
  const list = getVar(state.vars, step.each);
  const items = Array.isArray(list) ? list.filter((i): i is Vars => !!i && typeof i === "object" && !Array.isArray(i)) : [];
  if (items.length === 0) return { kind: "continue", goto: step.next };
  return { kind: "continue", replies: [{ key: step.text, params, each: items, ...separate }], goto: step.next };
};

/**
 * `say`: sends a text. With `each`, the text is repeated for every item of a list variable
 * and sent as one message. With `separate: true`, the text is its own message (a topic to read),
 * not joined to the question that follows. With `file`, the text is the caption of a file an action made
 * (its own message too); the variable `from` holds `{ ref, mime }` — without them the fallback text goes alone.
 *   - type: say
 *     text: status.history_item
 *     each: report.history
 *   - type: say
 *     text: mydata.file_caption
 *     file: { from: file, name: mydata.file_name, fallback: mydata.file_link }
 */
import type { Step } from "../flow.js";
import type { Reply, ReplyFile, Vars } from "../types.js";
import { getVar, resolveRefs } from "../vars.js";
import { type StepRunner, textParams } from "./outcome.js";

export const say: StepRunner<Extract<Step, { type: "say" }>> = (step, state) => {
  const params = textParams(state, resolveRefs(state.vars, step.params));
  const separate = step.separate ? { separate: true } : {};
  if (step.file) return { kind: "continue", replies: [fileReply(step.text, step.file, params, getVar(state.vars, step.file.from))], goto: step.next };
  if (!step.each) return { kind: "continue", replies: [{ key: step.text, params, ...separate }], goto: step.next };
  const list = getVar(state.vars, step.each);
  const items = Array.isArray(list) ? list.filter((i): i is Vars => !!i && typeof i === "object" && !Array.isArray(i)) : [];
  if (items.length === 0) return { kind: "continue", goto: step.next };
  return { kind: "continue", replies: [{ key: step.text, params, each: items, ...separate }], goto: step.next };
};

function fileReply(text: string, spec: NonNullable<Extract<Step, { type: "say" }>["file"]>, params: Vars, made: unknown): Reply {
  const { ref, mime } = (made && typeof made === "object" ? made : {}) as { ref?: unknown; mime?: unknown };
  if (typeof ref !== "string" || typeof mime !== "string") return { key: spec.fallback, params, separate: true };
  const file: ReplyFile = { ref, mime, name: spec.name, fallback: spec.fallback };
  return { key: text, params, separate: true, file };
}

/**
 * `ask`: asks a question and waits for a typed answer, saved in `save`.
 *   - id: description
 *     type: ask
 *     text: report.ask_description
 *     answer: { type: text, min: 10, max: 1000 }
 *     save: report.description
 * Entering the step only prompts; the answer is parsed by the engine when it arrives.
 */
import { promptChoices } from "../answers.js";
import type { Step } from "../flow.js";
import type { Reply } from "../types.js";
import { resolveRefs } from "../vars.js";
import { type StepRunner, textParams } from "./outcome.js";

type AskStep = Extract<Step, { type: "ask" }>;

export function prompt(step: AskStep, state: Parameters<StepRunner>[1]): Reply {
  const a = step.answer;
  const request = a.type === "location" ? "location" : a.type === "photo" ? "photo" : undefined;
  return {
    key: step.text,
    params: textParams(state, resolveRefs(state.vars, step.params)),
    choices: promptChoices(a, state.vars),
    ...(request ? { request } : {}),
  };
}

export const ask: StepRunner<AskStep> = (step, state) => ({ kind: "wait_answer", replies: [prompt(step, state)] });

/**
 * `ask`: asks a question and waits for a typed answer, saved in `save`.
 *   - id: description
 *     type: ask
 *     text: report.ask_description
 *     answer: { type: text, min: 10, max: 1000 }
 *     save: report.description
 * Entering the step only prompts; the answer is parsed by the engine when it arrives.
 */
import { type ChoiceOption, promptChoices } from "../answers.js";
import type { Step } from "../flow.js";
import type { Reply, Vars } from "../types.js";
import { resolveRefs } from "../vars.js";
import { holds } from "./branch.js";
import { type StepRunner, textParams } from "./outcome.js";

type AskStep = Extract<Step, { type: "ask" }>;

export function prompt(step: AskStep, state: Parameters<StepRunner>[1]): Reply {
  const a = step.answer;
  const request = a.type === "location" ? "location" : a.type === "photo" ? "photo" : undefined;
  const keep = keepOffered(step, state.vars);
  const choices = promptChoices(a, state.vars);
  return {
    key: step.text,
    params: textParams(state, resolveRefs(state.vars, step.params)),
    choices: keep ? [...(choices ?? []), { value: keep.value, key: keep.key }] : choices,
    ...(request ? { request } : {}),
  };
}

/** The value of the choice that leaves what is being changed as it was (an ask step's `keep`). */
export const KEEP = "_keep";

/** The choice «Dejarla como está» when the step offers it now (its `keep.when` holds), with the words that also say it. */
export function keepOffered(step: AskStep, vars: Vars): ChoiceOption | undefined {
  return step.keep && holds(step.keep.when, vars) ? { value: KEEP, key: step.keep.label, words: step.keep.words } : undefined;
}

export const ask: StepRunner<AskStep> = (step, state) => ({ kind: "wait_answer", replies: [prompt(step, state)] });

/** The step types a flow may use, by the name that appears in `type:`. */
import type { Step } from "../flow.js";
import { action } from "./action.js";
import { ask } from "./ask.js";
import { branch } from "./branch.js";
import { end } from "./end.js";
import { goto } from "./goto.js";
import type { StepRunner } from "./outcome.js";
import { resumeDraft } from "./resume-draft.js";
import { say } from "./say.js";
import { set } from "./set.js";
import { setLanguage } from "./set-language.js";

const runners: { [T in Step["type"]]: StepRunner<Extract<Step, { type: T }>> } = {
  say,
  ask,
  set,
  branch,
  action,
  set_language: setLanguage,
  goto,
  end,
  resume_draft: resumeDraft,
};

export function runStep(step: Step, ...rest: Parameters<StepRunner> extends [unknown, ...infer R] ? R : never) {
  return (runners[step.type] as StepRunner)(step, ...rest);
}

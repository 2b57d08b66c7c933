/**
 * `set_language`: switches the conversation's language to the value of a variable.
 *   - type: set_language
 *     from: chosen_language
 */

import { LANGUAGES, type Language } from "../../locale/languages.js";
import type { Step } from "../flow.js";
import { getVar } from "../vars.js";
import type { StepRunner } from "./outcome.js";

export const setLanguage: StepRunner<Extract<Step, { type: "set_language" }>> = (step, state) => {
  const value = getVar(state.vars, step.from);
  const lang = LANGUAGES.includes(value as Language) ? (value as Language) : state.lang;
  return { kind: "continue", lang, goto: step.next };
};

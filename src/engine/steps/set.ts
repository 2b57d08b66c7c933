/**
 * `set`: stores literal values in variables.
 *   - type: set
 *     values: { editing: true, location: { from: where } }
 */
import type { Step } from "../flow.js";
import { getVar, setVar } from "../vars.js";
import type { StepRunner } from "./outcome.js";

export const set: StepRunner<Extract<Step, { type: "set" }>> = (step, state) => {
  let vars = state.vars;
  for (const [path, value] of Object.entries(step.values)) {
    vars = setVar(vars, path, value !== null && typeof value === "object" ? (getVar(state.vars, value.from) ?? null) : value);
  }
  return { kind: "continue", vars, goto: step.next };
};

/**
 * `set`: stores literal values in variables.
 *   - type: set
 *     values: { editing: true, location: { from: where } }
 */
import type { Step } from "../flow.js";
import { getVar, setVars } from "../vars.js";
import type { StepRunner } from "./outcome.js";

export const set: StepRunner<Extract<Step, { type: "set" }>> = (step, state) => {
  const vars = setVars(
    state.vars,
    Object.entries(step.values).map(
      ([path, value]) => [path, value !== null && typeof value === "object" ? (getVar(state.vars, value.from) ?? null) : value] as const,
    ),
  );
  return { kind: "continue", vars, goto: step.next };
};

/**
 * `branch`: goes to the first case whose condition holds, else to `else` (or the next step).
 *   - type: branch
 *     cases:
 *       - when: { var: consent.ok, equals: true }
 *         goto: municipality
 */

import type { Step } from "../flow.js";
import type { Condition } from "../flow-schema.js";
import type { Vars } from "../types.js";
import { getVar } from "../vars.js";
import type { StepRunner } from "./outcome.js";

export function holds(cond: Condition, vars: Vars): boolean {
  const value = getVar(vars, cond.var);
  if (cond.exists !== undefined && (value !== undefined && value !== null) !== cond.exists) return false;
  if (cond.equals !== undefined && value !== cond.equals) return false;
  if (cond.greater_than !== undefined && !(typeof value === "number" && value > cond.greater_than)) return false;
  if (cond.same_as !== undefined && value !== getVar(vars, cond.same_as)) return false;
  return true;
}

export const branch: StepRunner<Extract<Step, { type: "branch" }>> = (step, state) => {
  const hit = step.cases.find((c) => holds(c.when, state.vars));
  return { kind: "continue", goto: hit ? hit.goto : step.else };
};

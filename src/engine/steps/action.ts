/**
 * `action`: asks the runtime to run a named domain action and waits for its result,
 * which is saved in `save`. The engine itself never performs side effects.
 *   - id: create
 *     type: action
 *     name: create_report
 *     args: { municipality: report.municipality, description: report.description }
 *     save: created
 */
import type { Step } from "../flow.js";
import { resolveRefs } from "../vars.js";
import type { StepRunner } from "./outcome.js";

export const action: StepRunner<Extract<Step, { type: "action" }>> = (step, state) => ({
  kind: "wait_action",
  action: { name: step.name, args: resolveRefs(state.vars, step.args) },
});

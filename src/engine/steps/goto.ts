/**
 * `goto`: continues at another step, in this flow or another.
 *   - type: goto
 *     target: { flow: menu }
 */
import type { Step } from "../flow.js";
import type { StepRunner } from "./outcome.js";

export const goto: StepRunner<Extract<Step, { type: "goto" }>> = (step) => ({ kind: "continue", goto: step.target });

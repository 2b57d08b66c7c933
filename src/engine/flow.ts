/** A loaded flow: validated steps addressable by id, each knowing its default next step. */
import type { StepSpec, Target } from "./flow-schema.js";

export type Step = StepSpec & { id: string; index: number };

export interface Flow {
  name: string;
  /** Hash of the file's content: a state saved under another version is checked on resume. */
  version: string;
  file: string;
  steps: Step[];
  byId: Map<string, Step>;
}

export type FlowSet = ReadonlyMap<string, Flow>;

/** Where a flow position points: a flow and one of its steps. */
export interface Position {
  flow: string;
  step: string;
}

export function resolveTarget(flows: FlowSet, from: string, target: Target): Position {
  if (typeof target === "string") return { flow: from, step: target };
  const flow = flows.get(target.flow);
  if (!flow) throw new Error(`unknown flow ${target.flow}`);
  return { flow: target.flow, step: target.step ?? flow.steps[0].id };
}

/** The step after `step` in file order, or undefined at the end of the flow. */
export function nextInOrder(flow: Flow, step: Step): Step | undefined {
  return flow.steps[step.index + 1];
}

/** A plan file in either format: read and checked by its extension, and a stored plan written back as one. */
import { extname } from "node:path";
import type { Commitment, Plan } from "../model/plan.js";
import { readCsv, writeCsv } from "./csv-format.js";
import { checkPlanFile, type Locator, type PlanFile, PlanFileError } from "./file-schema.js";
import { readYaml, writeYaml } from "./yaml-format.js";

export type PlanFormat = "yaml" | "csv";

export function formatOf(file: string): PlanFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".csv") return "csv";
  return undefined;
}

/** Reads and checks a plan file's text; every problem names `name`, the line and the field (`where` finds them later too). */
export function readPlanFile(name: string, text: string): { plan: PlanFile; where: Locator } {
  const format = formatOf(name);
  if (!format) throw new PlanFileError([`${name}: a plan file ends in .yaml, .yml or .csv`]);
  const { raw, where, problems = [] } = format === "yaml" ? readYaml(name, text) : readCsv(name, text);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new PlanFileError([`${name}:1: the file does not hold a plan (municipality, title, period, state, commitments)`]);
  let plan: PlanFile;
  try {
    plan = checkPlanFile(raw, where);
  } catch (err) {
    throw err instanceof PlanFileError ? new PlanFileError([...problems, ...err.problems]) : err;
  }
  if (problems.length) throw new PlanFileError(problems);
  return { plan, where };
}

/** A stored plan in the file's shape and field order (what import reads back unchanged). */
export function planAsFile(plan: Plan, commitments: readonly Commitment[]) {
  return {
    ...(plan.example ? { example: true } : {}),
    municipality: plan.municipality,
    title: plan.title,
    period: { start: plan.period.start, end: plan.period.end },
    state: plan.state,
    commitments: commitments.map((c) => ({
      number: c.number,
      title: c.title,
      problem: c.problem,
      baseline: c.baseline,
      objective: c.objective,
      actions: c.actions,
      responsible: c.responsible,
      co_responsible: c.coResponsible,
      principles: c.principles,
      start: c.start,
      end: c.end,
      state: c.state,
      milestones: c.milestones.map((m) => ({
        number: m.number,
        title: m.title,
        due: m.due,
        done: m.done,
        evidence: m.evidence,
        weight: m.weight,
        ...(m.reason ? { reason: m.reason } : {}),
      })),
      indicators: c.indicators.map((i) => ({
        number: i.number,
        name: i.name,
        unit: i.unit,
        baseline: i.baseline,
        target: i.target,
        current: i.current,
        date: i.date,
      })),
    })),
  };
}

const YAML_HEADER =
  "# Plan de Acción Municipal: written by `npm run admin -- plan export`; `plan import` reads it back.\n" +
  "# The format is documented in examples/plan-de-accion.example.yaml.\n";

export function writePlanFile(format: PlanFormat, plan: Plan, commitments: readonly Commitment[]): string {
  const file = planAsFile(plan, commitments);
  return format === "csv" ? writeCsv(file) : writeYaml(file, YAML_HEADER);
}

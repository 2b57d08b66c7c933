/**
 * The plan file (YAML or CSV, see examples/plan-de-accion.example.yaml): its shape, checked with
 * zod, and the rules across fields (unique numbers, dates in order, known municipality). Pure:
 * text in, a plan or every problem out, each naming its place through the format's `Locator`.
 */
import { z } from "zod";
import { COMMITMENT_STATES, PLAN_STATES, PRINCIPLES } from "../model/plan.js";

/** Where a value sits in a file, for a person: `plan.yaml:14: commitments[1].title` or `plan.csv:7: column title`. */
export type Locator = (path: readonly PropertyKey[]) => string;

/** A plan file with problems: each line names the file, the line and the field. */
export class PlanFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "PlanFileError";
  }
}

export const TITLE_MAX = 300;
export const TEXT_MAX = 4000;

const text = (max: number) => z.string().trim().min(1, "is empty").max(max, `is longer than ${max} characters`);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `is longer than ${max} characters`)
    .nullish()
    .transform((v) => (v ? v : null));

/** Whether `YYYY-MM-DD` names a day that exists (not 2026-02-30). */
function isRealDay(v: string): boolean {
  const at = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(v);
}

/** `2026-03-31`, a day that exists. */
export const calendarDate = z
  .string({ error: "must be a date written YYYY-MM-DD" })
  .trim()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && isRealDay(v), {
    error: (issue) => `${JSON.stringify(issue.input)} is not a date: write YYYY-MM-DD (2026-03-31)`,
  });

/** A number, also as text (CSV cells are text): "1,250.5" is refused, "1250.5" taken. */
const number = (what: string) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v.trim())) ? Number(v.trim()) : v),
    z.number({ error: (issue) => `${JSON.stringify(issue.input ?? "")} is not ${what}` }).finite(),
  );
const positiveInt = z.preprocess(
  (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z
    .number({ error: (issue) => `${JSON.stringify(issue.input ?? "")} is not a whole number from 1` })
    .int("must be a whole number")
    .min(1, "must be 1 or more")
    .max(999, "must be 999 or less"),
);

const link = z
  .string()
  .trim()
  .max(1000, "is longer than 1000 characters")
  .refine((v) => v === "" || /^https?:\/\/[^\s<>"]+$/.test(v), { error: (issue) => `${JSON.stringify(issue.input)} is not a web link (https://…)` })
  .nullish()
  .transform((v) => (v ? v : null));

/** Principles as a list, or as text separated by `;` or `,` (a CSV cell). */
const principles = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(/[;,]/)
          .map((p) => p.trim())
          .filter(Boolean)
      : v,
  z
    .array(z.enum(PRINCIPLES, { error: (issue) => `${JSON.stringify(issue.input)} is not a principle (${PRINCIPLES.join(", ")})` }))
    .min(1, "names no principle"),
);

const milestoneSchema = z.strictObject({
  number: positiveInt,
  title: text(TITLE_MAX),
  due: calendarDate,
  done: calendarDate.nullish().or(z.literal("").transform(() => null)),
  evidence: link,
  weight: number("a number").pipe(z.number().positive("must be more than 0").max(1000, "must be 1000 or less")).optional(),
  /** Why the date last moved: required when an import moves it. */
  reason: optionalText(TEXT_MAX),
});

const indicatorSchema = z.strictObject({
  number: positiveInt,
  name: text(TITLE_MAX),
  unit: text(60),
  baseline: number("a number"),
  target: number("a number"),
  current: number("a number"),
  date: calendarDate.nullish().or(z.literal("").transform(() => null)),
});

const commitmentSchema = z.strictObject({
  number: positiveInt,
  title: text(TITLE_MAX),
  problem: text(TEXT_MAX),
  baseline: text(TEXT_MAX),
  objective: text(TEXT_MAX),
  actions: text(TEXT_MAX),
  responsible: text(TITLE_MAX),
  co_responsible: text(TITLE_MAX),
  principles,
  start: calendarDate,
  end: calendarDate,
  state: z.enum(COMMITMENT_STATES, { error: (i) => `${JSON.stringify(i.input)} is not a state (${COMMITMENT_STATES.join(", ")})` }).default("vigente"),
  milestones: z.array(milestoneSchema).default([]),
  indicators: z.array(indicatorSchema).default([]),
});

export const planFileSchema = z.strictObject({
  /** Only the shipped example says so; such a file is loaded with `plan import --demo` alone. */
  example: z.boolean().default(false),
  /** INEGI key (15054) or name (Metepec). */
  municipality: z.preprocess((v) => (typeof v === "number" ? String(v) : v), text(100)),
  title: text(TITLE_MAX),
  period: z.strictObject({ start: calendarDate, end: calendarDate }),
  state: z.enum(PLAN_STATES, { error: (i) => `${JSON.stringify(i.input)} is not a plan state (${PLAN_STATES.join(", ")})` }),
  commitments: z.array(commitmentSchema).min(1, "lists no commitment"),
});

export type PlanFile = z.output<typeof planFileSchema>;
export type CommitmentFile = PlanFile["commitments"][number];

/** What is wrong, as a person reads it; `raw` is the file's content (a field absent from it is missing). */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  if (issue.code === "invalid_type" && valueAt(raw, issue.path) === undefined) return "is missing";
  return issue.message;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const part of path) value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

/** The file's content checked: the plan, or every problem with its place. */
export function checkPlanFile(raw: unknown, where: Locator): PlanFile {
  const parsed = planFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems: string[] = [];
    for (const issue of parsed.error.issues) {
      const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
      problems.push(`${where(path)}: ${describeIssue(issue, raw)}`);
    }
    throw new PlanFileError([...new Set(problems)]);
  }
  const plan = parsed.data;
  const problems: string[] = [];
  const order = (path: PropertyKey[], start: string, end: string, what: string) => {
    if (start > end) problems.push(`${where(path)}: ${what} ends (${end}) before it starts (${start})`);
  };
  order(["period", "end"], plan.period.start, plan.period.end, "the period");
  unique(
    plan.commitments.map((c) => c.number),
    (i) => problems.push(`${where(["commitments", i, "number"])}: commitment ${plan.commitments[i].number} is listed twice`),
  );
  plan.commitments.forEach((c, i) => {
    order(["commitments", i, "end"], c.start, c.end, "the commitment");
    unique(
      c.milestones.map((m) => m.number),
      (j) => problems.push(`${where(["commitments", i, "milestones", j, "number"])}: milestone ${c.milestones[j].number} is listed twice`),
    );
    unique(
      c.indicators.map((m) => m.number),
      (j) => problems.push(`${where(["commitments", i, "indicators", j, "number"])}: indicator ${c.indicators[j].number} is listed twice`),
    );
  });
  if (problems.length) throw new PlanFileError(problems);
  return plan;
}

/** Calls `repeated` with the index of each value seen before. */
function unique(values: readonly unknown[], repeated: (index: number) => void): void {
  const seen = new Set<unknown>();
  values.forEach((v, i) => {
    if (seen.has(v)) repeated(i);
    seen.add(v);
  });
}

/** `commitments[1].milestones[0].due`: a path as written in the YAML file's terms. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out || "(file)";
}

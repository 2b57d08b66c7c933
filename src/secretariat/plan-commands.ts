/**
 * `npm run admin -- plan …`: the Planes de Acción from the command line.
 *   plan import FILE                 create or update a plan from a YAML or CSV file (idempotent)
 *   plan import --demo               load the shipped example plan (examples/plan-de-accion.example.yaml), marked as an example
 *   plan export --municipality K     the plan in the same format (--format yaml|csv, --out FILE)
 *   plan link FOLIO COMMITMENT       link a report to a commitment (3, or 15054-3)
 * They work on the plans and municipalities they are given: a composition opened for the command
 * (admin/plan-commands.ts), or — on the embedded store, while the bot runs and holds the data folder —
 * the running bot's own, through its console socket (`planCommandInBot`).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Municipalities } from "../domain/municipalities.js";
import { PlanFileError } from "../domain/plan/file-schema.js";
import { formatOf, type PlanFormat, readPlanFile, writePlanFile } from "../domain/plan/plan-file.js";
import { PlanError, type Plans } from "../domain/plan/plans.js";

/** The shipped example, relative to the project. */
export const EXAMPLE_PLAN = join("examples", "plan-de-accion.example.yaml");

export const PLAN_USAGE = `  plan import FILE               creates or updates the plan a YAML or CSV file holds (running it again changes nothing);
                                 every problem is listed with the file, its line and the field
  plan import --demo             loads the shipped example (${EXAMPLE_PLAN}), shown to citizens marked as an example
  plan export --municipality K   writes the plan of municipality K (INEGI key or name) in the same format:
                                 --format yaml|csv (yaml by default, or from --out's extension), --out FILE (stdout otherwise)
  plan link FOLIO COMMITMENT     links a report to a commitment of its municipality (3, or 15054-3): its citizens hear of the commitment's changes`;

export type Out = { stdout: (text: string) => void; stderr: (text: string) => void };

/** What the plan's commands work with. */
export interface PlanDeps {
  plans: Plans;
  municipalities: Municipalities;
}

/** Runs a piece of a command on the plans: of a composition opened for it, or of the running bot. */
export type OnPlans = (run: (deps: PlanDeps) => Promise<number>) => Promise<number>;

/** Runs a plan command in the running bot (through its console socket): what it printed and its status. */
export async function planCommandInBot(argv: string[], deps: PlanDeps): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out: Out = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const code = await runPlanCommand(argv, (run) => run(deps).catch((err) => refusePlan(err, out)), out);
  return { code, stdout, stderr };
}

/** The paths a plan command names, made absolute: the bot that runs it may have another working folder. */
export function absolutePlanPaths(argv: string[]): string[] {
  return argv.map((a, i) => (argv[i - 1] === "--out" || (argv[0] === "import" && i > 0 && !a.startsWith("--")) ? resolve(a) : a));
}

/** Runs a plan command; resolves with the exit status. */
export async function runPlanCommand(argv: string[], onApp: OnPlans, out: Out): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { demo: { type: "boolean" }, municipality: { type: "string" }, format: { type: "string" }, out: { type: "string" } },
  });
  const [sub, ...rest] = positionals;
  const usage = () => {
    out.stderr(`usage: npm run admin -- plan import FILE | plan import --demo | plan export --municipality K | plan link FOLIO COMMITMENT\n${PLAN_USAGE}\n`);
    return 2;
  };
  if (sub === "import" && (values.demo ? rest.length === 0 : rest.length === 1)) {
    const file = values.demo ? EXAMPLE_PLAN : rest[0];
    const text = await readText(file, out);
    if (text === undefined) return 1;
    let parsed: ReturnType<typeof readPlanFile>;
    try {
      parsed = readPlanFile(file, text);
    } catch (err) {
      return refusePlan(err, out);
    }
    return onApp(async (app) => {
      const r = await app.plans.import(parsed.plan, parsed.where, { demo: values.demo });
      const name = app.municipalities.get(r.plan.municipality)?.name ?? r.plan.municipality;
      out.stdout(
        `${file}: plan of ${name} (${r.plan.municipality})${r.plan.example ? ", an example" : ""}: ${r.created} commitments created, ${r.updated} updated, ${r.unchanged} unchanged; ${r.notices} changes to tell followers\n`,
      );
      return 0;
    });
  }
  if (sub === "export" && rest.length === 0 && values.municipality) {
    const format: PlanFormat | undefined = values.format
      ? ["yaml", "csv"].includes(values.format)
        ? (values.format as PlanFormat)
        : undefined
      : values.out
        ? formatOf(values.out)
        : "yaml";
    if (!format) {
      out.stderr(`municipio-abierto admin: plan export writes yaml or csv (--format, or an --out file ending in .yaml or .csv)\n`);
      return 2;
    }
    return onApp(async (app) => {
      const key = values.municipality as string;
      const m = app.municipalities.get(key) ?? (app.municipalities.search(key).length === 1 ? app.municipalities.search(key)[0] : undefined);
      if (!m) throw new PlanError(`no single municipality is ${JSON.stringify(key)}: write its INEGI key (15054) or its name`);
      const found = await app.plans.get(m.cvegeo);
      if (!found) throw new PlanError(`${m.name} (${m.cvegeo}) has no plan`);
      const text = writePlanFile(format, found.plan, found.commitments);
      if (values.out) {
        await writeFile(values.out, text);
        out.stderr(`${values.out}: plan of ${m.name} (${m.cvegeo}), ${found.commitments.length} commitments\n`);
      } else out.stdout(text);
      return 0;
    });
  }
  if (sub === "link" && rest.length === 2) {
    return onApp(async (app) => {
      const r = await app.plans.link(rest[0], rest[1]);
      out.stdout(
        `${r.folio} ${r.already ? "was already" : "is now"} linked to commitment ${r.commitment.number} of ${r.commitment.municipality} (${r.commitment.reports.length} reports)\n`,
      );
      return 0;
    });
  }
  return usage();
}

async function readText(file: string, out: Out): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    out.stderr(`municipio-abierto admin: ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder" : "cannot be read"}\n`);
    return undefined;
  }
}

/** A refusal of ours: its lines, status 1. Anything else goes on up. */
export function refusePlan(err: unknown, out: Out): number {
  if (err instanceof PlanFileError) {
    out.stderr(`municipio-abierto admin: the plan was not imported, nothing was changed:\n${err.problems.map((p) => `  ${p}\n`).join("")}`);
    return 1;
  }
  if (err instanceof PlanError) {
    out.stderr(`municipio-abierto admin: ${err.message}\n`);
    return 1;
  }
  throw err;
}

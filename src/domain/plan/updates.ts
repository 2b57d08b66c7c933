/**
 * What the Secretariado Técnico does with its plan's commitments: mark a milestone done (with a
 * link to its evidence), move a milestone's date (with the public reason), update an indicator's
 * current value. The Telegram group and the panel are faces of these same operations.
 *
 * As with reports (domain/triage.ts): only members of the commitment's municipality (and admins)
 * may act; each operation works on the version the member saw, so two members at once never
 * overwrite each other; and each change is written together with the mark that its notices are to
 * go out (`dispatchPending`), recorded in the audit trail, and followed by a wake-up of the
 * dispatcher — so every follower hears of it once, also across a crash.
 */
import type { CommitmentRepository, EventRepository } from "../../store/ports.js";
import type { Clock } from "../../util/clock.js";
import { stripControl } from "../../util/text.js";
import { recordEvent } from "../model/events.js";
import { actsOn, type Member } from "../model/member.js";
import type { CalendarDate, Commitment, CommitmentChange, Milestone } from "../model/plan.js";
import type { Report } from "../model/report.js";
import { calendarDate as dateSchema, TEXT_MAX } from "./file-schema.js";
import { type LinkResult, linkReport } from "./links.js";
import { changeEvent } from "./plans.js";

export type UpdateProblem =
  | "not_found"
  | "not_allowed"
  | "outdated"
  | "unknown_milestone"
  | "unknown_indicator"
  | "already_done"
  | "not_done_yet"
  | "bad_date"
  | "same_date"
  | "reason_required"
  | "bad_link"
  | "bad_value"
  | "same_value";

export type UpdateResult = { ok: true; commitment: Commitment } | { ok: false; problem: UpdateProblem; commitment?: Commitment };

type Unstamped = CommitmentChange extends infer C ? (C extends CommitmentChange ? Omit<C, "version" | "at" | "by"> : never) : never;

const LINK = /^https?:\/\/[^\s<>"]{1,1000}$/;

export class CommitmentUpdates {
  constructor(
    private readonly commitments: CommitmentRepository,
    private readonly events: EventRepository,
    private readonly clock: Clock,
    /** Today in the deployment's time zone (a done date cannot be later). */
    private readonly today: () => CalendarDate,
    /** Told after every change is written (its notices go out right away). */
    private readonly changed: (commitment: Commitment) => void = () => {},
  ) {}

  /** The milestone is done, today or on `done`; `evidence`, a public link, shows it (required). */
  async markMilestoneDone(id: string, seenVersion: number, by: Member, milestone: number, evidence: string, done?: CalendarDate): Promise<UpdateResult> {
    const found = await this.openMilestone(id, seenVersion, by, milestone);
    if (!found.ok) return found;
    const { c } = found;
    const link = evidence.trim();
    if (!LINK.test(link)) return { ok: false, problem: "bad_link", commitment: c };
    const day = done ?? this.today();
    if (!dateSchema.safeParse(day).success || day > this.today()) return { ok: false, problem: "bad_date", commitment: c };
    return this.write(c, by, { kind: "milestone_done", milestone, done: day, evidence: link }, (next) => ({
      ...next,
      milestones: c.milestones.map((x) => (x.number === milestone ? { ...x, done: day, evidence: link } : x)),
    }));
  }

  /** A milestone not done yet gets a new due date; the reason is public (followers read it). */
  async moveMilestone(id: string, seenVersion: number, by: Member, milestone: number, to: CalendarDate, reasonText: string): Promise<UpdateResult> {
    const found = await this.openMilestone(id, seenVersion, by, milestone);
    if (!found.ok) return found;
    const { c, m } = found;
    const day = to.trim();
    if (!dateSchema.safeParse(day).success) return { ok: false, problem: "bad_date", commitment: c };
    if (day === m.due) return { ok: false, problem: "same_date", commitment: c };
    const reason = clean(reasonText);
    if (!reason) return { ok: false, problem: "reason_required", commitment: c };
    return this.write(c, by, { kind: "milestone_moved", milestone, from: m.due, to: day, reason }, (next) => ({
      ...next,
      milestones: c.milestones.map((x) => (x.number === milestone ? { ...x, due: day, reason } : x)),
    }));
  }

  /** An indicator's current value, measured today or on `date`. */
  async updateIndicator(id: string, seenVersion: number, by: Member, indicator: number, value: number, date?: CalendarDate): Promise<UpdateResult> {
    const c = await this.commitments.get(id);
    const refused = this.refuse(c, seenVersion, by);
    if (refused || !c) return refused ?? { ok: false, problem: "not_found" };
    const i = c.indicators.find((x) => x.number === indicator);
    if (!i) return { ok: false, problem: "unknown_indicator", commitment: c };
    if (!Number.isFinite(value)) return { ok: false, problem: "bad_value", commitment: c };
    if (value === i.current) return { ok: false, problem: "same_value", commitment: c };
    const day = date ?? this.today();
    if (!dateSchema.safeParse(day).success || day > this.today()) return { ok: false, problem: "bad_date", commitment: c };
    return this.write(c, by, { kind: "indicator_updated", indicator, from: i.current, to: value, date: day }, (next) => ({
      ...next,
      indicators: c.indicators.map((x) => (x.number === indicator ? { ...x, current: value, date: day } : x)),
    }));
  }

  /** Links a report to a commitment of its municipality's plan (from its card); the member must act on that municipality. */
  async linkReport(id: string, by: Member, report: Pick<Report, "id" | "municipality">): Promise<LinkResult | { ok: false; problem: "not_allowed" }> {
    if (!actsOn(by, report.municipality)) return { ok: false, problem: "not_allowed" };
    return linkReport({ commitments: this.commitments, events: this.events, clock: this.clock }, id, report, by.id);
  }

  /** The commitment and its milestone, not done yet, if the member may act on the version they saw. */
  private async openMilestone(
    id: string,
    seenVersion: number,
    by: Member,
    milestone: number,
  ): Promise<{ ok: true; c: Commitment; m: Milestone } | Extract<UpdateResult, { ok: false }>> {
    const c = await this.commitments.get(id);
    const refused = this.refuse(c, seenVersion, by);
    if (refused || !c) return (refused as Extract<UpdateResult, { ok: false }>) ?? { ok: false, problem: "not_found" };
    const m = c.milestones.find((x) => x.number === milestone);
    if (!m) return { ok: false, problem: "unknown_milestone", commitment: c };
    if (m.done) return { ok: false, problem: "already_done", commitment: c };
    return { ok: true, c, m };
  }

  private refuse(c: Commitment | null, seenVersion: number, by: Member): UpdateResult | undefined {
    if (!c) return { ok: false, problem: "not_found" };
    if (!actsOn(by, c.municipality)) return { ok: false, problem: "not_allowed", commitment: c };
    if (c.version !== seenVersion) return { ok: false, problem: "outdated", commitment: c };
    return undefined;
  }

  /** Writes the next version with its change if nobody wrote one meanwhile, and records the event. */
  private async write(c: Commitment, by: Member, change: Unstamped, apply: (next: Commitment) => Commitment): Promise<UpdateResult> {
    const at = this.clock.now();
    const version = c.version + 1;
    const stamped = { ...change, version, at, by: by.id } as CommitmentChange;
    const next = apply({ ...c, version, changes: [...c.changes, stamped], dispatchPending: true, updatedAt: at });
    if (!(await this.commitments.update(next, c.version))) {
      return { ok: false, problem: "outdated", commitment: (await this.commitments.get(c.id)) ?? c };
    }
    await this.events.append([recordEvent(changeEvent(next, stamped), `${c.id}:v${version}`, at, by.id)]);
    this.changed(next);
    return { ok: true, commitment: next };
  }
}

function clean(text: string): string | null {
  return stripControl(text).trim().slice(0, TEXT_MAX) || null;
}

/**
 * What the Secretariado Técnico does with a report: move it along its lifecycle (config/statuses.yaml),
 * channel it to an office, mark it a duplicate, answer the citizen in public, keep an internal note;
 * and what the citizen does after: confirm it was solved, or reopen it. The Telegram group and the
 * web panel are two faces of these same operations and permissions.
 *
 * Every operation works on the version of the report the member saw: if someone changed it since,
 * nothing is written and the caller is told it is outdated. Each change bumps the version, marks
 * what it sets off (notices, the group's card) for dispatch in the same write, and is recorded in the
 * audit trail.
 */
import type { EventRepository, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { stripControl } from "../util/text.js";
import type { Areas } from "./areas.js";
import { parseFolio } from "./folio.js";
import { type DomainEvent, recordEvent } from "./model/events.js";
import { actsOn, type Member } from "./model/member.js";
import type { Report, StatusChange } from "./model/report.js";
import { holdsContactData } from "./sensitive.js";
import type { Lifecycle, TransitionProblem } from "./statuses.js";

/** Longest public answer or internal note. */
export const STAFF_TEXT_MAX = 2000;

/** Writes of a citizen's reply tried when members' changes keep landing first. */
const WRITE_ATTEMPTS = 5;

/** Who a step or a note is by when the citizen did it (a reopening, a reply to the secretariat). */
export const CITIZEN = "citizen";

/**
 * Replies a citizen may send on a report until the secretariat acts on it again (a public answer, a change
 * of status): enough to say what was asked and add to it, never a flood in the municipality's group.
 */
export const REPLIES_UNTIL_ANSWERED = 3;

/** The citizen's replies on `report` since a member last answered it or moved it (since it was filed, if never). */
export function repliesWaiting(report: Report): number {
  const acted = report.history.filter((h) => h.by !== CITIZEN && h.by !== "system").at(-1);
  const since = new Date(acted?.at ?? report.createdAt).getTime();
  return report.notes.filter((n) => n.by === CITIZEN && new Date(n.at).getTime() > since).length;
}

export type TriageProblem =
  | TransitionProblem
  | "not_found"
  | "not_allowed"
  | "outdated"
  | "unknown_area"
  | "area_required"
  | "duplicate_required"
  | "unknown_duplicate"
  | "empty_text"
  | "not_resolved"
  | "sensitive_text"
  | "unknown_photo"
  /** A citizen's replies wait for the secretariat (REPLIES_UNTIL_ANSWERED). */
  | "replies_waiting";

export type TriageResult = { ok: true; report: Report } | { ok: false; problem: TriageProblem; report?: Report };

export interface StatusRequest {
  to: string;
  /** The public note: the reason (required by some statuses), shown to the citizen. */
  note?: string | null;
  /** For "canalizado": the office (config/areas.yaml). */
  area?: string;
  /** For "duplicado": the folio of the report it repeats. */
  duplicateOf?: string;
}

export class Triage {
  constructor(
    private readonly reports: ReportRepository,
    private readonly events: EventRepository,
    private readonly lifecycle: Lifecycle,
    private readonly areas: Areas,
    private readonly clock: Clock,
    private readonly folioDigits: number,
    /** Told after every change is written (what it sets off is dispatched right away). */
    private readonly changed: (report: Report) => void = () => {},
  ) {}

  /** The statuses a member may move the report to from where it is. */
  nextStatuses(report: Report): readonly string[] {
    return this.lifecycle.get(report.status)?.next ?? [];
  }

  async changeStatus(reportId: string, seenVersion: number, by: Member, request: StatusRequest): Promise<TriageResult> {
    const report = await this.reports.byId(reportId);
    // Any step since conflicts; a change of no step (a note, the citizen's reply, one more follower) does not.
    const refused = this.refuse(report, seenVersion, by, () => true);
    if (refused || !report) return refused ?? { ok: false, problem: "not_found" };
    const note = cleanText(request.note);
    const problem = this.lifecycle.problem(report.status, request.to, note);
    if (problem) return { ok: false, problem, report };
    // A public note anyone with the folio reads, as a published description: no phone, e-mail or CURP.
    if (note && holdsContactData(note)) return { ok: false, problem: "sensitive_text", report };
    let area = report.area;
    if (request.to === "canalizado") {
      if (!request.area) return { ok: false, problem: "area_required", report };
      if (!this.areas.get(report.municipality, request.area)) return { ok: false, problem: "unknown_area", report };
      area = request.area;
    }
    let duplicateOf: string | null = null;
    if (request.to === "duplicado") {
      const folio = request.duplicateOf ? parseFolio(request.duplicateOf, this.folioDigits) : undefined;
      if (!folio) return { ok: false, problem: "duplicate_required", report };
      const original = await this.reports.byFolio(folio);
      // The original is one of the same municipality's reports: another's is not there to be pointed at.
      if (!original || original.id === report.id || original.municipality !== report.municipality) return { ok: false, problem: "unknown_duplicate", report };
      duplicateOf = original.folio;
    }
    const event: DomainEvent = {
      type: "status_changed",
      report: report.id,
      municipality: report.municipality,
      from: report.status,
      to: request.to,
      area: request.to === "canalizado" ? area : null,
      duplicateOf,
      reason: note !== null,
    };
    return this.write(report, by.id, event, (next, at) => ({
      ...next,
      status: request.to,
      area,
      duplicateOf: duplicateOf ?? report.duplicateOf,
      history: [...report.history, step(request.to, at, by.id, note, "status", request.to === "canalizado" ? area : null, next.version)],
    }));
  }

  /** A public answer to the citizen; the status stays. */
  async answer(reportId: string, seenVersion: number, by: Member, text: string): Promise<TriageResult> {
    const report = await this.reports.byId(reportId);
    // Written on what the member saw, or on what changed since unless it was another answer (two members answering at
    // once): a status moved meanwhile does not throw away what they typed.
    const refused = this.refuse(report, seenVersion, by, (h) => h.kind === "answer");
    if (refused || !report) return refused ?? { ok: false, problem: "not_found" };
    const note = cleanText(text);
    if (!note) return { ok: false, problem: "empty_text", report };
    if (holdsContactData(note)) return { ok: false, problem: "sensitive_text", report };
    const event: DomainEvent = { type: "answer_published", report: report.id, municipality: report.municipality, status: report.status };
    return this.write(report, by.id, event, (next, at) => ({
      ...next,
      history: [...report.history, step(report.status, at, by.id, note, "answer", null, next.version)],
    }));
  }

  /** A note for the secretariat only: never shown to the citizen, in open data or in the trail's text. */
  async addNote(reportId: string, seenVersion: number, by: Member, text: string): Promise<TriageResult> {
    const report = await this.reports.byId(reportId);
    // A note adds to what is there, whatever changed since it was asked for.
    const refused = this.refuse(report, seenVersion, by, () => false);
    if (refused || !report) return refused ?? { ok: false, problem: "not_found" };
    const note = cleanText(text);
    if (!note) return { ok: false, problem: "empty_text", report };
    const event: DomainEvent = { type: "note_added", report: report.id, municipality: report.municipality };
    return this.write(report, by.id, event, (next, at) => ({ ...next, notes: [...report.notes, { at, by: by.id, text: note }] }));
  }

  /**
   * The citizen who filed the report answers the secretariat (domain/report-replies.ts checks they may): kept among
   * the report's notes, by "citizen" — for the secretariat only, never shown in open data, and gone with the
   * citizen's data (`deidentified`). Not a change the citizen hears of.
   */
  async citizenReply(reportId: string, text: string): Promise<TriageResult & { repeated?: true }> {
    const reply = cleanText(text);
    // Written on the version read, read again when a member's change landed first: a reply is never lost to one.
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const report = await this.reports.byId(reportId);
      if (!report) return { ok: false, problem: "not_found" };
      if (!reply) return { ok: false, problem: "empty_text", report };
      // The same message handled again (a crash before its conversation was saved): kept once.
      if (report.notes.some((n) => n.by === CITIZEN && n.text === reply)) return { ok: true, report, repeated: true };
      if (repliesWaiting(report) >= REPLIES_UNTIL_ANSWERED) return { ok: false, problem: "replies_waiting", report };
      const event: DomainEvent = { type: "citizen_replied", report: report.id, municipality: report.municipality };
      const written = await this.write(report, CITIZEN, event, (next, at) => ({ ...next, notes: [...report.notes, { at, by: CITIZEN, text: reply }] }));
      if (written.ok || written.problem !== "outdated") return written;
    }
    return { ok: false, problem: "outdated" };
  }

  /**
   * Moderation for open data: the description anyone may read (the member's own wording, never the
   * citizen's text as it came) and the photos that may be shown. A text that still holds a phone
   * number, an e-mail or a CURP is refused; `description: null` and no photos take the report out of
   * open data's view again.
   */
  async publish(reportId: string, seenVersion: number, by: Member, request: { description: string | null; photos: string[] }): Promise<TriageResult> {
    const report = await this.reports.byId(reportId);
    const refused = this.refuse(report, seenVersion, by, () => true);
    if (refused || !report) return refused ?? { ok: false, problem: "not_found" };
    const description = cleanText(request.description);
    if (description && holdsContactData(description)) return { ok: false, problem: "sensitive_text", report };
    if (request.photos.some((id) => !report.photos.includes(id))) return { ok: false, problem: "unknown_photo", report };
    const event: DomainEvent = {
      type: "report_published",
      report: report.id,
      municipality: report.municipality,
      description: description !== null,
      photos: request.photos.length,
    };
    return this.write(report, by.id, event, (next, at) => ({ ...next, publication: { description, photos: [...request.photos], by: by.id, at } }));
  }

  /**
   * The citizen says a resolved report is not solved: it goes back to be dealt with (the first open
   * status `resuelto` may move to), and returns to the group as a new card with its history.
   */
  async reopen(reportId: string): Promise<TriageResult> {
    const report = await this.reports.byId(reportId);
    if (!report) return { ok: false, problem: "not_found" };
    if (this.lifecycle.isOpen(report.status)) return { ok: false, problem: "not_resolved", report };
    const to = this.lifecycle.get(report.status)?.next.find((s) => this.lifecycle.isOpen(s));
    if (!to) return { ok: false, problem: "not_allowed", report };
    const event: DomainEvent = { type: "report_reopened", report: report.id, municipality: report.municipality, from: report.status, to };
    return this.write(report, CITIZEN, event, (next, at) => ({
      ...next,
      status: to,
      history: [...report.history, step(to, at, CITIZEN, null, "reopened", null, next.version)],
    }));
  }

  /**
   * Someone holding an anonymous report's folio, and not linked to it, says it is not solved: the
   * report stays as it is, and a step says so to the secretariat, who decide whether to reopen it.
   * Once until the report changes again: another such answer meanwhile changes nothing.
   */
  async dispute(reportId: string): Promise<TriageResult> {
    const report = await this.reports.byId(reportId);
    if (!report) return { ok: false, problem: "not_found" };
    if (this.lifecycle.isOpen(report.status)) return { ok: false, problem: "not_resolved", report };
    if (report.history.at(-1)?.kind === "disputed") return { ok: true, report };
    const event: DomainEvent = { type: "resolution_disputed", report: report.id, municipality: report.municipality };
    return this.write(report, CITIZEN, event, (next, at) => ({
      ...next,
      history: [...report.history, step(report.status, at, CITIZEN, null, "disputed", null, next.version)],
    }));
  }

  /** The citizen confirms a resolved report is solved: recorded, nothing else changes. */
  async confirmResolved(reportId: string): Promise<TriageResult> {
    const report = await this.reports.byId(reportId);
    if (!report) return { ok: false, problem: "not_found" };
    if (this.lifecycle.isOpen(report.status)) return { ok: false, problem: "not_resolved", report };
    const at = this.clock.now();
    await this.events.append([
      recordEvent(
        { type: "resolution_confirmed", report: report.id, municipality: report.municipality },
        `${report.id}:confirmed:v${report.version}`,
        at,
        CITIZEN,
      ),
    ]);
    return { ok: true, report };
  }

  /**
   * Why a member's action on the version they saw is not done: no report, not theirs, or changed since. With
   * `conflicts`, a report changed since only by steps that do not conflict with the action is acted on as it is now.
   */
  private refuse(report: Report | null, seenVersion: number, by: Member, conflicts?: (change: StatusChange) => boolean): TriageResult | undefined {
    if (!report) return { ok: false, problem: "not_found" };
    if (!actsOn(by, report.municipality)) return { ok: false, problem: "not_allowed", report };
    if (report.version === seenVersion) return undefined;
    const since = report.history.filter((h) => h.version > seenVersion);
    if (conflicts && report.version > seenVersion && !since.some(conflicts)) return undefined;
    return { ok: false, problem: "outdated", report };
  }

  /** Writes the next version if nobody wrote one meanwhile, and records the event. */
  private async write(report: Report, actor: string, event: DomainEvent, change: (next: Report, at: Date) => Report): Promise<TriageResult> {
    const at = this.clock.now();
    const next = change({ ...report, version: report.version + 1, dispatchPending: true, updatedAt: at }, at);
    if (!(await this.reports.update(next, report.version))) {
      return { ok: false, problem: "outdated", report: (await this.reports.byId(report.id)) ?? report };
    }
    await this.events.append([recordEvent(event, `${report.id}:v${next.version}`, at, actor)]);
    this.changed(next);
    return { ok: true, report: next };
  }
}

function step(status: string, at: Date, by: string, note: string | null, kind: StatusChange["kind"], area: string | null, version: number): StatusChange {
  return { status, at, by, note, kind, area, version };
}

function cleanText(text: string | null | undefined): string | null {
  const cleaned = stripControl(text ?? "")
    .trim()
    .slice(0, STAFF_TEXT_MAX);
  return cleaned || null;
}

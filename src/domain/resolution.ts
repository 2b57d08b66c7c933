/**
 * After a report moves into a status that asks the citizen (`confirm: true` in config/statuses.yaml,
 * "resuelto"), the citizens it concerns are asked whether it really is: "sí" confirms it, "no"
 * reopens it (it returns to the secretariat as a new card with its history).
 *
 * Who may answer: the report's author, the citizens who follow it, and, for an anonymous report
 * (followed with its folio alone), whoever holds its folio — nobody can tell its author apart. A
 * folio is no proof, though (folios are sequential, and open data lists the closed ones): the "no"
 * of someone not linked to the report does not reopen it, it tells the secretariat (`disputed`),
 * who decide; a script holding every folio cannot reopen every anonymous report.
 */
import type { EventRepository, FollowRepository, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { FollowKind } from "./model/follow.js";
import { lastChange, type Report } from "./model/report.js";
import type { Lifecycle } from "./statuses.js";
import type { Triage } from "./triage.js";

/** How a citizen is linked to a report: its author, a follower (of which kind), or not at all. */
export type Link = "author" | FollowKind | "none";

/**
 * What an answer to «¿Se resolvió?» came to: taken (`ok`), or not; `changed` is the report's status when
 * it no longer asks (another citizen reopened it, the secretariat moved it since the question was asked).
 */
export interface Answer {
  ok: boolean;
  changed: string | null;
  /** A "no" taken as word to the secretariat, the report not reopened (see above). */
  disputed?: true;
}

/** An answer not taken, the report unchanged (or not found). */
export const NOT_TAKEN: Answer = { ok: false, changed: null };

export class Resolution {
  constructor(
    private readonly reports: ReportRepository,
    private readonly triage: Triage,
    private readonly follows: FollowRepository,
    private readonly events: EventRepository,
    private readonly lifecycle: Lifecycle,
    private readonly clock: Clock,
  ) {}

  async linkOf(report: Report, citizen: string): Promise<Link> {
    if (report.citizenId === citizen) return "author";
    return (await this.follows.forReport(report.id)).find((f) => f.citizen === citizen)?.kind ?? "none";
  }

  /** Whether the report's status still asks citizens whether it is so (another citizen, or the secretariat, may have moved it since). */
  private stillAsks(report: Report): boolean {
    return this.lifecycle.get(report.status)?.asksCitizen ?? false;
  }

  /** Whether this citizen may say whether the report is really as its status says (a question they were asked stays answerable). */
  async asks(report: Report, citizen: string): Promise<boolean> {
    if (!this.stillAsks(report)) return false;
    return report.anonymous || (await this.linkOf(report, citizen)) !== "none";
  }

  /** Whether looking the report up asks the question: it may be answered and nobody confirmed it since its last change. */
  async offers(report: Report, citizen: string): Promise<boolean> {
    if (!(await this.asks(report, citizen))) return false;
    const [confirmed] = await this.events.list({ report: report.id, type: "resolution_confirmed" }, 1);
    const changed = lastChange(report.history)?.at;
    return !confirmed || (changed !== undefined && confirmed.at.getTime() < changed.getTime());
  }

  /** "Sí, se resolvió": recorded in the audit trail (never who said it). */
  async confirm(reportId: string, citizen: string): Promise<Answer> {
    const report = await this.answerable(reportId, citizen);
    if (!report || "changed" in report) return report ?? NOT_TAKEN;
    return { ok: (await this.triage.confirmResolved(report.id)).ok, changed: null };
  }

  /**
   * "No, sigue igual": the report is reopened. `rejoin`: the link the citizen had when they were
   * asked — an anonymous author who asked to hear back keeps hearing (their link was dropped when
   * the report closed, and is kept again, apart from the report, while it is open). Someone linked
   * in no way (holding an anonymous report's folio) disputes it instead: the secretariat decides.
   */
  async reopen(reportId: string, citizen: string, rejoin: Link): Promise<Answer> {
    const report = await this.answerable(reportId, citizen);
    if (!report || "changed" in report) return report ?? NOT_TAKEN;
    if (rejoin === "none") return (await this.triage.dispute(report.id)).ok ? { ok: true, changed: null, disputed: true } : NOT_TAKEN;
    const reopened = await this.triage.reopen(report.id);
    if (!reopened.ok) return NOT_TAKEN;
    if (rejoin === "anonymous_author" && reopened.report.anonymous) {
      await this.follows.add({ report: report.id, citizen, kind: "anonymous_author", since: this.clock.now() });
    }
    return { ok: true, changed: null };
  }

  /** The report, when this citizen may answer about it now; the answer already, when it moved since; undefined otherwise. */
  private async answerable(reportId: string, citizen: string): Promise<Report | Answer | undefined> {
    const report = await this.reports.byId(reportId);
    if (!report) return undefined;
    if (!this.stillAsks(report)) return { ok: false, changed: report.status };
    return (await this.asks(report, citizen)) ? report : undefined;
  }
}

/**
 * Citizens following reports they did not file under their name: "a mí también me afecta" (an open
 * report of the same problem, offered before a new one is filed), and an anonymous author who asked
 * to hear back. Both are rows of their own (store.follows), apart from the report: an anonymous
 * report still names nobody.
 */
import type { EventRepository, FollowRepository, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { recordEvent } from "./model/events.js";
import type { Report } from "./model/report.js";
import type { Link } from "./resolution.js";
import type { Lifecycle } from "./statuses.js";

/** What saying "me too" came to: now following, already was, it is the citizen's own report, or it can no longer be followed. */
export type FollowOutcome = "followed" | "already" | "own" | "closed" | "not_found";

/** Attempts at writing the count when other changes keep landing first. */
const WRITE_ATTEMPTS = 5;

export class Following {
  constructor(
    private readonly reports: ReportRepository,
    private readonly follows: FollowRepository,
    private readonly events: EventRepository,
    private readonly lifecycle: Lifecycle,
    private readonly clock: Clock,
    /** Told after the report changed (its card shows how many it affects). */
    private readonly changed: (report: Report) => void = () => {},
  ) {}

  /**
   * "A mí también me afecta": the citizen follows an open report instead of filing the same problem
   * again. The report's `followers` is the number of such follows, written as a change of the report
   * (a new version, its card refreshed) and recorded in the audit trail. Done again (a retry, a
   * crash in between), it completes what is missing and changes nothing else.
   */
  async affected(reportId: string, citizen: string): Promise<{ outcome: FollowOutcome; report?: Report }> {
    const report = await this.reports.byId(reportId);
    if (!report) return { outcome: "not_found" };
    if (report.citizenId === citizen) return { outcome: "own", report };
    if (!this.lifecycle.isOpen(report.status)) return { outcome: "closed", report };
    const added = await this.follows.add({ report: report.id, citizen, kind: "affected", since: this.clock.now() });
    const follows = await this.follows.forReport(report.id);
    // Already following as its anonymous author: nothing to add, and nothing that names them.
    if (!added && follows.find((f) => f.citizen === citizen)?.kind !== "affected") return { outcome: "already", report };
    const updated = await this.countFollowers(report.id, follows.filter((f) => f.kind === "affected").length);
    await this.events.append([
      recordEvent(
        { type: "report_followed", report: report.id, municipality: report.municipality, citizen },
        `${report.id}:followed:${citizen}`,
        this.clock.now(),
        "citizen",
      ),
    ]);
    return { outcome: added ? "followed" : "already", report: updated ?? report };
  }

  /**
   * An anonymous author who asked to hear back: the link between their chat and the report lives in
   * this row alone (never in the report, its card or the audit trail), and is dropped when the report
   * closes (notify/dispatch.ts).
   */
  async anonymousAuthor(report: Report, citizen: string): Promise<void> {
    if (!report.anonymous || !this.lifecycle.isOpen(report.status)) return;
    await this.follows.add({ report: report.id, citizen, kind: "anonymous_author", since: this.clock.now() });
  }

  /**
   * A report marked a duplicate of `original`: whoever still heard of it (its author who can be contacted, its
   * followers, its anonymous author who asked to hear back) now follows the original, told of its changes as if they
   * had said "a mí también me afecta" there, and counted among those it affects. An anonymous author's follow is
   * recorded nowhere else (as `anonymousAuthor`'s): no event names them. Done again, nothing changes.
   */
  async merged(original: Report, citizens: readonly { citizen: string; link: Link }[]): Promise<void> {
    const now = this.clock.now();
    for (const { citizen, link } of citizens) {
      if (citizen === original.citizenId) continue;
      await this.follows.add({ report: original.id, citizen, kind: "affected", since: now });
      if (link === "anonymous_author") continue;
      await this.events.append([
        recordEvent(
          { type: "report_followed", report: original.id, municipality: original.municipality, citizen },
          `${original.id}:followed:${citizen}`,
          now,
          "system",
        ),
      ]);
    }
    const follows = await this.follows.forReport(original.id);
    await this.countFollowers(original.id, follows.filter((f) => f.kind === "affected").length);
  }

  /** The reports a citizen said affect them too, newest first (never those they follow as an anonymous author: those are followed with their folio). */
  async affecting(citizen: string, limit: number): Promise<Report[]> {
    const follows = (await this.follows.forCitizen(citizen)).filter((f) => f.kind === "affected").slice(-limit);
    const reports = await Promise.all(follows.map((f) => this.reports.byId(f.report)));
    return reports.filter((r): r is Report => r !== null).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  /** Writes how many citizens the report affects, as a new version (its card shows it), unless it already says so. */
  private async countFollowers(reportId: string, followers: number): Promise<Report | null> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const report = await this.reports.byId(reportId);
      if (!report) return null;
      if (report.followers === followers) return report;
      const at = this.clock.now();
      const next: Report = { ...report, followers, version: report.version + 1, dispatchPending: true, updatedAt: at };
      if (await this.reports.update(next, report.version)) {
        this.changed(next);
        return next;
      }
    }
    throw new Error("the report kept changing: its followers were not counted");
  }
}

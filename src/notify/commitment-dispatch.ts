/**
 * What a commitment's change sets off, done once however often it is tried: a notice to everyone
 * following the commitment and to the citizens of the reports linked to it (their authors who can
 * be contacted, and whoever follows those reports), in their language, through the outbox — one
 * message per change and citizen, whatever their reasons to hear of it. As with reports
 * (dispatch.ts), the change is written with `dispatchPending`, so a crash between the change and
 * its notices neither loses nor repeats them: the sweep finds it, and outbox ids make a second
 * enqueue a no-op. A citizen who said "baja" hears nothing of what they followed before.
 */
import { randomUUID } from "node:crypto";
import { addressOf, notified } from "../domain/model/citizen.js";
import type { OutboundMessage } from "../domain/model/message.js";
import type { Commitment, CommitmentChange } from "../domain/model/plan.js";
import type { Municipalities } from "../domain/municipalities.js";
import { progress, progressBar } from "../domain/plan/progress.js";
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import type { CitizenRepository, CommitmentFollowRepository, CommitmentRepository, FollowRepository, NewOutboxItem, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { Delivery } from "./delivery.js";
import { SweepingDispatcher } from "./sweeper.js";

export interface CommitmentDispatcherDeps {
  commitments: CommitmentRepository;
  follows: CommitmentFollowRepository;
  reports: ReportRepository;
  reportFollows: FollowRepository;
  citizens: CitizenRepository;
  delivery: Delivery;
  texts: Texts;
  municipalities: Municipalities;
  clock: Clock;
  logger: Logger;
  batch?: number;
  pollMs?: number;
}

export class CommitmentDispatcher extends SweepingDispatcher<Commitment> {
  constructor(private readonly deps: CommitmentDispatcherDeps) {
    super(deps, "commitment");
  }

  protected pending(limit: number): Promise<Commitment[]> {
    return this.deps.commitments.undispatched(limit);
  }

  /** Queues a notice per change not dispatched yet and per citizen who hears of it, then marks it done. */
  async dispatch(commitment: Commitment): Promise<void> {
    const { deps } = this;
    const versions = [...new Set(commitment.changes.filter((c) => c.version > commitment.dispatched).map((c) => c.version))];
    if (versions.length) {
      const items: NewOutboxItem[] = [];
      const now = deps.clock.now();
      for (const [citizen, since] of await this.recipients(commitment)) {
        const address = addressOf(citizen);
        if (!address) continue;
        const record = await deps.citizens.get(citizen);
        if (!notified(record, since)) continue;
        const lang = record.language;
        for (const version of versions) {
          items.push({
            id: `commitment:${commitment.id}:${version}:${citizen}`,
            ...address,
            kind: "notice",
            ref: commitment.id,
            payload: this.notice(
              commitment,
              commitment.changes.filter((c) => c.version === version),
              lang,
            ),
            createdAt: now,
            seq: version,
          });
        }
      }
      await deps.delivery.enqueue(items);
    }
    await deps.commitments.markDispatched(commitment.id, commitment.version);
  }

  /** Followers of the commitment, and the citizens of its linked reports, each with when they began to follow. */
  private async recipients(commitment: Commitment): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    const add = (citizen: string, since: Date) => {
      const known = out.get(citizen);
      // The newest reason counts: one begun after a "baja" (following it again) is told.
      if (!known || known < since) out.set(citizen, since);
    };
    for (const f of await this.deps.follows.forCommitment(commitment.id)) add(f.citizen, f.since);
    for (const id of commitment.reports) {
      const report = await this.deps.reports.byId(id);
      if (!report) continue;
      if (report.citizenId && report.contactable) add(report.citizenId, report.createdAt);
      for (const f of await this.deps.reportFollows.forReport(report.id)) add(f.citizen, f.since);
    }
    return out;
  }

  private notice(c: Commitment, changes: CommitmentChange[], lang: Language): OutboundMessage {
    const t = (key: string, params?: Record<string, unknown>) => this.deps.texts.t(lang, key, params);
    const municipality = this.deps.municipalities.get(c.municipality)?.name ?? c.municipality;
    const lines = [t("commitments.notice.header", { number: c.number, title: c.title, municipality })];
    for (const change of changes) {
      if (change.kind === "indicator_updated") {
        const indicator = c.indicators.find((i) => i.number === change.indicator);
        lines.push(
          t("commitments.notice.indicator_updated", {
            name: indicator?.name ?? "",
            from: change.from,
            to: change.to,
            unit: indicator?.unit ?? "",
            target: indicator?.target ?? "",
          }),
        );
        continue;
      }
      const title = c.milestones.find((m) => m.number === change.milestone)?.title ?? "";
      if (change.kind === "milestone_done") {
        lines.push(t("commitments.notice.milestone_done", { title, done: change.done }));
        if (change.evidence) lines.push(t("commitments.notice.evidence", { evidence: change.evidence }));
      } else {
        lines.push(t("commitments.notice.milestone_moved", { title, from: change.from, to: change.to, reason: change.reason }));
      }
    }
    const percent = progress(c.milestones);
    lines.push(t("commitments.notice.progress", { bar: progressBar(percent), percent }));
    lines.push(t("commitments.notice.footer", { link: `c-${c.id}` }));
    const notice = { kind: "commitment_update" as const, params: { number: String(c.number), title: c.title, municipality, percent: String(percent) } };
    return { id: randomUUID(), lang, text: lines.join("\n"), notice };
  }
}

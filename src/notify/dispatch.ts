/**
 * What a change to a report sets off, done once however often it is tried: each public change
 * (a new status the lifecycle tells citizens about, a public answer) becomes a notice to everyone
 * following the report — its author when they can be contacted, an anonymous author who asked to
 * hear back, citizens it also affects — in their language, through the outbox; and the report's
 * card where the secretariat works is refreshed. A report marks in the same write as its change
 * that this is pending (`dispatchPending`), so a crash between the change and its notices neither
 * loses nor repeats them: the sweep finds it, and outbox ids make a second enqueue a no-op.
 */
import { randomUUID } from "node:crypto";
import type { Areas } from "../domain/areas.js";
import type { Categories } from "../domain/categories.js";
import { addressOf, notified } from "../domain/model/citizen.js";
import type { NoticeMeaning, OutboundMessage } from "../domain/model/message.js";
import type { Report, StatusChange } from "../domain/model/report.js";
import { answersBack } from "../domain/report-replies.js";
import type { Link } from "../domain/resolution.js";
import type { Lifecycle } from "../domain/statuses.js";
import { LANGUAGES, type Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import type { CitizenRepository, FollowRepository, NewOutboxItem, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { Delivery } from "./delivery.js";
import { SweepingDispatcher } from "./sweeper.js";

/** Where the secretariat sees a report: its card is posted, or edited in place, for the report's current version. */
export interface CardPublisher {
  /** Idempotent for one version; rejects when it could not (the dispatch is tried again later). */
  publish(report: Report): Promise<void>;
}

export interface DispatcherDeps {
  reports: ReportRepository;
  follows: FollowRepository;
  citizens: CitizenRepository;
  delivery: Delivery;
  texts: Texts;
  lifecycle: Lifecycle;
  areas: Areas;
  categories: Categories;
  clock: Clock;
  logger: Logger;
  /**
   * Asks the citizen a notice's question in their conversation when nothing is in progress there
   * (opens `link`; its question goes out right after `notice`): whether a resolved report is really
   * solved, whether its author wants to answer a public answer back. Resolves false when it did not (the
   * notice is then sent alone, saying how to answer a resolution).
   */
  ask?: (link: string, notice: NewOutboxItem) => Promise<boolean>;
  /** Those who heard of a report marked a duplicate follow its original from then on (domain/following.ts `merged`). */
  merge?: (original: Report, citizens: readonly { citizen: string; link: Link }[]) => Promise<void>;
  /** Reports looked at per sweep. */
  batch?: number;
  /** Pause between sweeps when nothing is pending (another process may change reports). */
  pollMs?: number;
}

export class Dispatcher extends SweepingDispatcher<Report> {
  private cards?: CardPublisher;

  constructor(private readonly deps: DispatcherDeps) {
    super(deps, "report");
  }

  /** The secretariat's face (the Telegram group) says how it shows cards. */
  setCardPublisher(cards: CardPublisher): void {
    this.cards = cards;
  }

  protected pending(limit: number): Promise<Report[]> {
    return this.deps.reports.undispatched(limit);
  }

  /** Queues the notices of the report's changes not dispatched yet, refreshes its card, and marks it done. */
  async dispatch(report: Report): Promise<void> {
    const { deps } = this;
    const changes = report.history.filter((h) => h.version > report.dispatched && h.version > 1 && this.toldToCitizens(h));
    // Who hears of it, read once for the notices and for a duplicate's hand-over below.
    let read: Awaited<ReturnType<Dispatcher["recipients"]>> | undefined;
    const recipientsOnce = async () => {
      read ??= await this.recipients(report);
      return read;
    };
    if (changes.length) {
      const recipients = await recipientsOnce();
      const items: NewOutboxItem[] = [];
      const questions: { alone: NewOutboxItem; asked: NewOutboxItem; link: string }[] = [];
      const now = deps.clock.now();
      // The last change asks the citizen something while the report is still there: was it solved? (all who hear of
      // it); do you want to answer? (a public answer: its author, who may answer back).
      const last = changes.at(-1);
      const asking = last && deps.ask && last === report.history.at(-1) ? this.question(report, last) : undefined;
      for (const [citizen, { since, link }] of recipients) {
        const address = addressOf(citizen);
        if (!address) continue;
        const record = await deps.citizens.get(citizen);
        // "baja" after they began to follow it, or their data erased: nothing more of this report.
        if (!notified(record, since)) continue;
        const lang = record.language;
        for (const change of changes) {
          // `replyLater`: sent alone to an author asked nothing (busy elsewhere), it says how to answer later.
          const item = (asked: boolean, replyLater = false): NewOutboxItem => ({
            id: `notice:${report.id}:${change.version}:${citizen}`,
            ...address,
            kind: "notice",
            ref: report.id,
            payload: this.notice(report, change, lang, asked, replyLater),
            createdAt: now,
            seq: change.version,
          });
          if (change === last && asking && (asking.to === "all" || answersBack(report, link)))
            questions.push({ alone: item(false, asking.to === "author"), asked: item(true), link: asking.link });
          else items.push(item(false));
        }
      }
      await deps.delivery.enqueue(items);
      for (const { alone, asked, link } of questions) {
        // Asked already (a dispatch tried again after a crash): never twice.
        if (await deps.delivery.has(alone.id)) continue;
        if (!(await deps.ask?.(link, asked))) await deps.delivery.enqueue([alone]);
      }
    }
    // Marked a duplicate: whoever heard of it hears of the original from now on (before its anonymous author's link goes).
    const duplicated = report.history.some((h) => h.version > report.dispatched && h.kind === "status" && h.status === "duplicado");
    if (duplicated && report.duplicateOf && deps.merge) {
      const original = await deps.reports.byFolio(report.duplicateOf);
      // Only who still hears of it: a «baja» since, or data erased, is not undone by a new follow.
      const hearing: { citizen: string; link: Link }[] = [];
      for (const [citizen, { since, link }] of await recipientsOnce()) {
        if (notified(await deps.citizens.get(citizen), since)) hearing.push({ citizen, link });
      }
      if (original && hearing.length) await deps.merge(original, hearing);
    }
    // A closed report keeps no link to an anonymous author.
    if (!deps.lifecycle.isOpen(report.status)) await deps.follows.drop(report.id, "anonymous_author");
    await this.cards?.publish(report);
    await deps.reports.markDispatched(report.id, report.version);
  }

  /**
   * The question a change asks in the conversations of those who hear of it (`link`: the flow's link that asks it):
   * a status whose citizens are asked whether it is really so (config/statuses.yaml `confirm`), all of them; a public
   * answer, whether to answer back, its author alone (`answersBack`).
   */
  private question(report: Report, change: StatusChange): { link: string; to: "all" | "author" } | undefined {
    if (change.kind === "status" && (this.deps.lifecycle.get(change.status)?.asksCitizen ?? false)) return { link: `solved-${report.folio}`, to: "all" };
    if (change.kind === "answer") return { link: `reply-${report.folio}`, to: "author" };
    return undefined;
  }

  /** A public answer always; a status change when config/statuses.yaml says citizens hear of it; a citizen's own reopening or dispute never. */
  private toldToCitizens(change: StatusChange): boolean {
    if (change.kind === "answer") return true;
    if (change.kind === "reopened" || change.kind === "disputed") return false;
    return this.deps.lifecycle.get(change.status)?.toldToCitizen ?? false;
  }

  /** Who hears of the report, each with when they began to follow it and how they are linked to it. */
  private async recipients(report: Report): Promise<Map<string, { since: Date; link: Link }>> {
    const out = new Map<string, { since: Date; link: Link }>();
    if (report.citizenId && report.contactable) out.set(report.citizenId, { since: report.createdAt, link: "author" });
    // The newest reason counts: one begun after a "baja" is told.
    for (const follow of await this.deps.follows.forReport(report.id)) {
      const known = out.get(follow.citizen);
      if (!known || known.since < follow.since) out.set(follow.citizen, { since: follow.since, link: known?.link === "author" ? "author" : follow.kind });
    }
    return out;
  }

  /** `asked`: its question follows in the conversation, so the notice does not say how to answer it. */
  private notice(report: Report, change: StatusChange, lang: Language, asked: boolean, replyLater = false): OutboundMessage {
    const { texts, areas, lifecycle } = this.deps;
    const t = (key: string, params?: Record<string, unknown>) => texts.t(lang, key, params);
    const category = t(`category.${report.category}`);
    const lines =
      change.kind === "answer"
        ? [t("notices.answer", { folio: report.folio, category }), t("notices.note", { note: change.note ?? "" })]
        : [t("notices.status", { folio: report.folio, category, status: t(`status.names.${change.status}`) })];
    if (change.kind === "status") {
      if (change.note) lines.push(t("notices.note", { note: change.note }));
      const area = change.area ? areas.get(report.municipality, change.area) : undefined;
      if (area) lines.push(t("notices.area", { area: areas.name(area, lang) }));
      if (change.status === "duplicado" && report.duplicateOf) lines.push(t("notices.duplicate_of", { folio: report.duplicateOf }));
      if (!asked) lines.push(t(lifecycle.get(change.status)?.asksCitizen ? "notices.resolved_ask" : "notices.how_to_follow"));
    }
    if (replyLater) lines.push(t("notices.reply_later", { folio: report.folio }));
    const status = change.kind === "status" ? t(`status.names.${change.status}`) : "";
    const notice: NoticeMeaning =
      change.kind === "answer"
        ? { kind: "report_answer", params: { folio: report.folio, category, answer: change.note ?? "" } }
        : { kind: "report_status", params: { folio: report.folio, category, status } };
    return { id: randomUUID(), lang: LANGUAGES.includes(lang) ? lang : report.language, text: lines.join("\n"), notice };
  }
}

/**
 * Report cards in the secretariat groups (the Dispatcher's CardPublisher): each new report is posted
 * once in its municipality's group (a photo with its caption when it has one), and edited in place
 * for each later version; a reopened report gets a new card, and its old one loses its buttons. So
 * does one a folio's holder says is not solved (disputed), up to DISPUTE_CARDS_PER_HOUR a group an
 * hour; beyond, its card is edited in place (a script holding every folio cannot fill the group).
 * Publishing one version again changes nothing, so the Dispatcher may retry until it resolves; where
 * each card is lives in the store (`cards`), so a restart edits the same message.
 *
 * A municipality without a group, or whose group the bot cannot use (removed, or given a public link:
 * group-privacy.ts), gets no card: its reports wait in the store (`npm run admin -- reports list`).
 */

import { type Api, GrammyError, InputFile } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { ReportCard } from "../domain/model/card.js";
import type { LinkedChat } from "../domain/model/linked-chat.js";
import type { Report } from "../domain/model/report.js";
import type { ReplyRelay } from "../domain/report-replies.js";
import { CITIZEN } from "../domain/triage.js";
import type { CardPublisher } from "../notify/dispatch.js";
import { errorInfo } from "../util/errors.js";
import { CAPTION_LIMIT, type CardButtons, type CardContext, cardView, TEXT_LIMIT } from "./card-view.js";
import type { SecretariatDeps } from "./deps.js";
import type { GroupPrivacy } from "./group-privacy.js";

/** Telegram says an edit changed nothing: the card already shows this. */
export function notModified(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description);
}

/** The message is gone (deleted by someone in the group). */
function messageGone(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /message to edit not found|message_id_invalid|message can't be edited/i.test(err.description);
}

/** The bot cannot write in the group any more (removed, or the group deleted). */
export function groupLost(err: unknown): boolean {
  return err instanceof GrammyError && (err.error_code === 403 || (err.error_code === 400 && /chat not found/i.test(err.description)));
}

/** Cards a group just linked gets of the open reports that waited without one (`catchUp`); the rest are in the panel. */
const CATCH_UP = 20;
/** Open reports read to find those waiting (`catchUp`). */
const CATCH_UP_READ = 1000;

/** New cards a group gets in an hour for disputed reports; beyond, their cards are edited in place. */
const DISPUTE_CARDS_PER_HOUR = 10;
const HOUR_MS = 3600_000;

export class TelegramCards implements CardPublisher, ReplyRelay {
  /** One publication per report at a time: the Dispatcher's and a refresh after a press never cross. */
  private readonly busy = new Map<string, Promise<unknown>>();
  /** Per group, when disputed reports came back as new cards in the last hour. */
  private readonly disputeCards = new Map<string, number[]>();

  constructor(
    private readonly deps: SecretariatDeps,
    private readonly api: () => Api,
    /** Whether a group is still private, asked before anything is posted there. */
    private readonly privacy: GroupPrivacy,
  ) {}

  publish(report: Report): Promise<void> {
    return this.serial(report.id, () => this.show(report, false));
  }

  /** Shows the report's current version on its card whatever the card says it shows (a member pressed an outdated card). */
  refresh(report: Report, buttons?: CardButtons): Promise<void> {
    return this.serial(report.id, () => this.show(report, true, buttons));
  }

  /**
   * The domain's ReplyRelay: the citizen's reply to the secretariat's public answer, under the report's card, where a
   * member's reply to it is a new public answer (kept as the prompt of a «Responder»). Rejects without a group to tell.
   */
  async replied(report: Report, text: string): Promise<void> {
    const { cards, prompts, texts, lang, clock } = this.deps;
    const group = await this.usableGroup(report.municipality);
    if (!group) throw new Error("no secretariat group to relay a citizen's reply to");
    const card = await cards.get(report.id);
    const under = card && card.chatId === group.chatId ? card.messageId : undefined;
    const sent = await this.api()
      .sendMessage(group.chatId, texts.t(lang, "secretariat.card.citizen_replied", { folio: report.folio, text }).slice(0, TEXT_LIMIT), {
        reply_parameters: under ? { message_id: under, allow_sending_without_reply: true } : undefined,
        link_preview_options: { is_disabled: true },
      })
      .catch((err: unknown) => {
        // Never the text: the reply stays among the card's notes.
        this.deps.logger.warn({ report: report.id, err: errorInfo(err) }, "citizen's reply not relayed to the group");
        throw err;
      });
    await prompts.save({
      chatId: group.chatId,
      messageId: sent.message_id,
      kind: "citizen_reply",
      report: report.id,
      version: report.version,
      status: null,
      handoff: null,
      createdAt: clock.now(),
    });
  }

  /** What the card looks like now, for its kind of message. */
  /** `superseded`: an old card, retired because the report came back as a new one (reopened, or disputed). */
  async view(report: Report, photo: boolean, buttons?: CardButtons, superseded?: "reopened" | "disputed") {
    return cardView(report, await this.context(report), { limit: photo ? CAPTION_LIMIT : TEXT_LIMIT, buttons, superseded });
  }

  private serial(key: string, run: () => Promise<void>): Promise<void> {
    const previous = this.busy.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(run);
    this.busy.set(key, next);
    void next
      .finally(() => {
        if (this.busy.get(key) === next) this.busy.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  private async show(report: Report, force: boolean, buttons?: CardButtons): Promise<void> {
    const { cards } = this.deps;
    const group = await this.usableGroup(report.municipality);
    if (!group) return;
    const card = await cards.get(report.id);
    // Reopened, or said not solved by a folio's holder: back as a new card, where the group sees it.
    const renewed = card && report.history.filter((h) => (h.kind === "reopened" || h.kind === "disputed") && h.version > card.version).at(-1)?.kind;
    const reopened = renewed === "reopened" || (renewed === "disputed" && this.disputeCardAllowed(group.chatId)) ? renewed : undefined;
    if (card && card.chatId === group.chatId && !reopened) {
      if (card.version >= report.version && !force) return;
      if (await this.edit(card, report, buttons)) return;
    } else if (card && card.chatId === group.chatId && reopened) {
      // The old card stays as a record, without buttons; the report comes back as a new card.
      const old = await this.view(report, card.photo, { kind: "none" }, reopened);
      await this.editMessage(card, old.text, undefined).catch((err) => {
        if (!notModified(err) && !messageGone(err)) this.deps.logger.warn({ report: report.id, err: errorInfo(err) }, "old card not retired");
      });
    }
    if (force && !card) return;
    await this.post(group.chatId, report);
  }

  /** The municipality's secretariat group, when the bot can post there: linked, without a problem, still private. */
  private async usableGroup(municipality: string): Promise<LinkedChat | undefined> {
    const group = await this.deps.chats.secretariatOf(municipality);
    return group && !group.problem && (await this.privacy.stillPrivate(group.chatId)) ? group : undefined;
  }

  /**
   * A group just linked (or the bot added back to it): the municipality's open reports that have no card there
   * (they waited while it had none, was public or had lost the bot, or their cards are in the group it replaced),
   * the newest CATCH_UP, oldest of them first; then one line for the group saying how many, and where the rest are.
   * Resolves with how many waited.
   */
  async catchUp(municipality: string, chatId: string): Promise<number> {
    const { reports, cards, lifecycle, texts, lang, logger } = this.deps;
    const open = await reports.list({ municipality, statuses: lifecycle.open }, CATCH_UP_READ);
    const waiting: Report[] = [];
    for (const report of open) if ((await cards.get(report.id))?.chatId !== chatId) waiting.push(report);
    if (!waiting.length) return 0;
    const posted = waiting.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, CATCH_UP);
    for (const report of posted.reverse())
      await this.serial(report.id, () => this.show(report, false)).catch((err) =>
        logger.warn({ report: report.id, err: errorInfo(err) }, "waiting report's card not posted"),
      );
    const line = waiting.length > posted.length ? "secretariat.link.waiting_more" : "secretariat.link.waiting";
    await this.api()
      .sendMessage(chatId, texts.t(lang, line, { count: waiting.length, shown: posted.length }), { link_preview_options: { is_disabled: true } })
      .catch(() => undefined);
    return waiting.length;
  }

  /** Whether a disputed report may come back as a new card in this group now (DISPUTE_CARDS_PER_HOUR); counted when it may. */
  private disputeCardAllowed(chatId: string): boolean {
    const now = this.deps.clock.now().getTime();
    const recent = (this.disputeCards.get(chatId) ?? []).filter((t) => now - t < HOUR_MS);
    const allowed = recent.length < DISPUTE_CARDS_PER_HOUR;
    if (allowed) recent.push(now);
    this.disputeCards.set(chatId, recent);
    return allowed;
  }

  /** Edits the card in place; false when its message is gone (a new one is posted instead). */
  private async edit(card: ReportCard, report: Report, buttons?: CardButtons): Promise<boolean> {
    const view = await this.view(report, card.photo, buttons);
    try {
      await this.editMessage(card, view.text, view.keyboard);
    } catch (err) {
      if (messageGone(err)) return false;
      if (groupLost(err)) return this.lost(card.chatId, report);
      if (!notModified(err)) throw err;
    }
    await this.deps.cards.save({ ...card, version: Math.max(card.version, report.version), updatedAt: this.deps.clock.now() });
    return true;
  }

  private editMessage(card: ReportCard, text: string, keyboard: InlineKeyboardMarkup | undefined): Promise<unknown> {
    const api = this.api();
    const reply_markup = keyboard ?? { inline_keyboard: [] };
    return card.photo
      ? api.editMessageCaption(card.chatId, card.messageId, { caption: text, reply_markup })
      : api.editMessageText(card.chatId, card.messageId, text, { reply_markup, link_preview_options: { is_disabled: true } });
  }

  private async post(chatId: string, report: Report): Promise<void> {
    const { photos, cards, clock } = this.deps;
    const api = this.api();
    let stored = report.photos[0] ? await photos.get(report.photos[0]) : null;
    let messageId: number | undefined;
    try {
      if (stored) {
        const view = await this.view(report, true);
        try {
          messageId = (await api.sendPhoto(chatId, new InputFile(stored.data, "foto"), { caption: view.text, reply_markup: view.keyboard })).message_id;
        } catch (err) {
          // A group that takes no photos (its permissions) still gets the card, as text.
          if (groupLost(err) || !(err instanceof GrammyError) || err.error_code !== 400) throw err;
          this.deps.logger.warn({ report: report.id, err: errorInfo(err) }, "card photo refused: posted as text");
          stored = null;
        }
      }
      if (messageId === undefined) {
        const view = await this.view(report, false);
        messageId = (await api.sendMessage(chatId, view.text, { reply_markup: view.keyboard, link_preview_options: { is_disabled: true } })).message_id;
      }
    } catch (err) {
      if (groupLost(err)) {
        await this.lost(chatId, report);
        return;
      }
      throw err;
    }
    const now = clock.now();
    await cards.save({ report: report.id, chatId, messageId, version: report.version, photo: stored !== null, postedAt: now, updatedAt: now });
  }

  /** The bot was removed from the group: noted on the link (a new one is needed), and the report keeps waiting in the store. */
  private async lost(chatId: string, report: Report): Promise<true> {
    await this.deps.chats.setProblem(chatId, "removed");
    this.deps.logger.warn(
      { chat: this.deps.pseudonym(`telegram:${chatId}`), municipality: report.municipality },
      "secretariat group unreachable: cards wait until it is linked again",
    );
    return true;
  }

  private async context(report: Report): Promise<CardContext> {
    const { texts, lang, lifecycle, municipalities, areas, members, clock } = this.deps;
    const names = new Map<string, string>();
    for (const by of new Set([...report.history.map((h) => h.by), ...report.notes.map((n) => n.by)])) {
      if (by === "system") names.set(by, texts.t(lang, "secretariat.card.system"));
      else if (by === CITIZEN) names.set(by, texts.t(lang, "secretariat.card.citizen"));
      else names.set(by, (await members.get(by))?.name ?? texts.t(lang, "secretariat.card.former_member"));
    }
    const plan = await this.deps.plansView.plan(report.municipality);
    const commitments = (plan?.commitments ?? []).map((s) => s.commitment);
    return {
      commitments: commitments.map((c) => ({ number: c.number, title: c.title })),
      linked: commitments.filter((c) => c.reports.includes(report.id)).map((c) => ({ number: c.number, title: c.title })),
      texts,
      lang,
      lifecycle,
      now: clock.now(),
      municipalityName: (cvegeo) => municipalities.get(cvegeo)?.name ?? cvegeo,
      areaName: (municipality, id) => {
        const area = areas.get(municipality, id);
        return area ? areas.name(area, lang) : null;
      },
      who: (by) => names.get(by) ?? by,
    };
  }
}

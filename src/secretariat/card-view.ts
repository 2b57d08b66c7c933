/**
 * A report's card as the secretariat group sees it: what, where, since when, from which channel,
 * the description, a map link, the typed address, how many people it affects, who sent it (never
 * for an anonymous report), the status, who acted last and when, the history and the internal
 * notes; and its buttons: the moves config/statuses.yaml allows from the current status, Responder
 * Nota interna and Publicar texto (the text open data shows). Pure: the texts and names come in, the text and keyboard go out.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { Area } from "../domain/areas.js";
import type { Report, StatusChange } from "../domain/model/report.js";
import type { Lifecycle } from "../domain/statuses.js";
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import { pressData, token } from "./presses.js";

/** Telegram's longest message text, and longest photo caption. */
export const TEXT_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;
/** History entries a card shows (the newest). */
const HISTORY_SHOWN = 8;
const NOTES_SHOWN = 3;
const MINUTE = 60_000;

export interface CardContext {
  texts: Texts;
  /** The group's language (the deployment's default). */
  lang: Language;
  lifecycle: Lifecycle;
  municipalityName(cvegeo: string): string;
  areaName(municipality: string, area: string): string | null;
  /** Who a history entry's or note's `by` is, as the group reads it. */
  who(by: string): string;
  now: Date;
  /** The commitments of the municipality's plan (a card links its report to one), and those it is linked to. */
  commitments?: readonly CommitmentRef[];
  linked?: readonly CommitmentRef[];
}

export interface CommitmentRef {
  number: number;
  title: string;
}

/** A commitment's title on a button. */
const BUTTON_TITLE = 40;

/** Which buttons the card shows: its moves, the offices to channel it to, or none (a card a newer one replaced). */
export type CardButtons = { kind: "actions" } | { kind: "offices"; offices: readonly Area[] } | { kind: "commitments" } | { kind: "none" };

export interface CardView {
  text: string;
  keyboard?: InlineKeyboardMarkup;
}

/** An OpenStreetMap link centred on the point. */
export function mapLink(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(5);
  const lon = longitude.toFixed(5);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`;
}

/** "hace 5 min", "hace 3 h", "hace 2 d". */
function age(texts: Texts, lang: Language, from: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - from.getTime()) / MINUTE));
  if (minutes < 60) return texts.t(lang, "secretariat.card.age_minutes", { count: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return texts.t(lang, "secretariat.card.age_hours", { count: hours });
  return texts.t(lang, "secretariat.card.age_days", { count: Math.floor(hours / 24) });
}

/** Who sent it, only when they chose to be known. */
function identity(report: Report, t: (key: string, params?: Record<string, unknown>) => string): string {
  const id = report.anonymous ? null : report.citizenId;
  const at = id?.indexOf(":") ?? -1;
  if (!id || at < 0) return t("secretariat.card.anonymous");
  const chat = id.slice(at + 1);
  if (report.channel === "telegram") return t("secretariat.card.identity_telegram", { id: chat });
  if (report.channel === "whatsapp") return t("secretariat.card.identity_whatsapp", { number: chat.split("@")[0] });
  return t("secretariat.card.identity_chat", { channel: t(`secretariat.channels.${report.channel}`) });
}

function historyLine(h: StatusChange, t: (key: string, params?: Record<string, unknown>) => string): string {
  const at = h.at.toISOString();
  const note = h.note ? t("secretariat.card.history_note", { note: h.note }) : "";
  if (h.kind === "answer") return t("secretariat.card.history_answer", { at, note });
  if (h.kind === "reopened") return t("secretariat.card.history_reopened", { at });
  if (h.kind === "disputed") return t("secretariat.card.history_disputed", { at });
  return t("secretariat.card.history_status", { at, status: h.status, note });
}

/** The label of a move: the action's own ("🏢 Canalizar") when the locales have one, else the status's name. */
function actionLabel(texts: Texts, lang: Language, status: string): string {
  const key = `secretariat.actions.${status}`;
  return texts.t(lang, texts.missingKey(key).length ? `status.names.${status}` : key);
}

function keyboardOf(report: Report, ctx: CardContext, buttons: CardButtons): InlineKeyboardMarkup | undefined {
  const { texts, lang } = ctx;
  const at = { folio: report.folio, version: report.version };
  if (buttons.kind === "none") return undefined;
  if (buttons.kind === "offices") {
    const rows: InlineKeyboardButton[][] = buttons.offices.map((a) => [
      { text: ctx.areaName(report.municipality, a.id) ?? a.name, callback_data: pressData({ kind: "office", ...at, token: token(a.id) }) },
    ]);
    rows.push([{ text: texts.t(lang, "secretariat.buttons.back"), callback_data: pressData({ kind: "back", ...at }) }]);
    return { inline_keyboard: rows };
  }
  if (buttons.kind === "commitments") {
    const linked = new Set((ctx.linked ?? []).map((c) => c.number));
    const rows: InlineKeyboardButton[][] = (ctx.commitments ?? [])
      .filter((c) => !linked.has(c.number))
      .map((c) => {
        const title = c.title.length > BUTTON_TITLE ? `${c.title.slice(0, BUTTON_TITLE - 1)}…` : c.title;
        return [{ text: `${c.number}. ${title}`, callback_data: pressData({ kind: "link_to", ...at, token: String(c.number) }) }];
      });
    rows.push([{ text: texts.t(lang, "secretariat.buttons.back"), callback_data: pressData({ kind: "back", ...at }) }]);
    return { inline_keyboard: rows };
  }
  const moves: InlineKeyboardButton[] = (ctx.lifecycle.get(report.status)?.next ?? []).map((to) => ({
    text: actionLabel(texts, lang, to),
    callback_data: pressData({ kind: "status", ...at, token: token(to) }),
  }));
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < moves.length; i += 2) rows.push(moves.slice(i, i + 2));
  rows.push([
    { text: texts.t(lang, "secretariat.buttons.answer"), callback_data: pressData({ kind: "answer", ...at }) },
    { text: texts.t(lang, "secretariat.buttons.note"), callback_data: pressData({ kind: "note", ...at }) },
  ]);
  rows.push([{ text: texts.t(lang, "secretariat.buttons.publish"), callback_data: pressData({ kind: "publish", ...at }) }]);
  // A plan with commitments the report is not linked to yet: the report can be linked to one.
  if ((ctx.commitments?.length ?? 0) > (ctx.linked?.length ?? 0)) {
    rows.push([{ text: texts.t(lang, "secretariat.buttons.link"), callback_data: pressData({ kind: "link", ...at }) }]);
  }
  return { inline_keyboard: rows };
}

/** The card within `limit` characters: a long description is shortened first, then the oldest history. */
export function cardView(report: Report, ctx: CardContext, options: { limit: number; buttons?: CardButtons; superseded?: "reopened" | "disputed" }): CardView {
  const { texts, lang } = ctx;
  const t = (key: string, params?: Record<string, unknown>) => texts.t(lang, key, params);
  const head = [
    t("secretariat.card.title", { folio: report.folio, category: report.category }),
    t("secretariat.card.place", {
      municipality: ctx.municipalityName(report.municipality),
      age: age(texts, lang, report.createdAt, ctx.now),
      channel: t(`secretariat.channels.${report.channel}`),
    }),
    t("secretariat.card.received", { at: report.createdAt.toISOString() }),
  ];
  const where: string[] = [];
  if (report.location) where.push(t("secretariat.card.map", { url: mapLink(report.location.latitude, report.location.longitude) }));
  if (report.address) where.push(t("secretariat.card.address", { address: report.address }));
  where.push(t("secretariat.card.affects", { count: 1 + report.followers }));
  where.push(identity(report, t));
  const state = [t("secretariat.card.status", { status: report.status })];
  if (report.area) {
    const area = ctx.areaName(report.municipality, report.area);
    if (area) state.push(t("secretariat.card.area", { area }));
  }
  if (report.duplicateOf) state.push(t("secretariat.card.duplicate_of", { folio: report.duplicateOf }));
  for (const c of ctx.linked ?? []) state.push(t("secretariat.card.commitment", { number: c.number, title: c.title }));
  if (report.publication?.description) state.push(t("secretariat.card.published", { text: report.publication.description }));
  const last = [...report.history.map((h) => ({ at: h.at, by: h.by })), ...report.notes.map((n) => ({ at: n.at, by: n.by }))]
    .filter((e) => e.by !== "system")
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .at(-1);
  if (last) state.push(t("secretariat.card.last", { who: ctx.who(last.by), at: last.at.toISOString() }));
  if (report.history.at(-1)?.kind === "reopened") state.push(t("secretariat.card.reopened"));
  if (report.history.at(-1)?.kind === "disputed") state.push(t("secretariat.card.disputed"));
  if (options.superseded) state.push(t(options.superseded === "disputed" ? "secretariat.card.superseded_disputed" : "secretariat.card.superseded"));
  let history = report.history.length > 1 ? report.history.slice(-HISTORY_SHOWN).map((h) => historyLine(h, t)) : [];
  const notes = report.notes.slice(-NOTES_SHOWN).map((n) => t("secretariat.card.note_item", { who: ctx.who(n.by), at: n.at.toISOString(), text: n.text }));

  const compose = (description: string) =>
    [
      ...head,
      t("secretariat.card.description", { description }),
      ...where,
      ...state,
      ...(history.length ? [t("secretariat.card.history"), ...history] : []),
      ...(notes.length ? [t("secretariat.card.notes"), ...notes] : []),
    ].join("\n");
  let text = compose(report.description);
  if (text.length > options.limit) {
    const room = options.limit - (text.length - report.description.length) - 1;
    text = compose(room > 40 ? `${report.description.slice(0, room).trimEnd()}…` : `${report.description.slice(0, 40)}…`);
  }
  while (text.length > options.limit && history.length > 0) {
    history = history.slice(1);
    text = compose(`${report.description.slice(0, 40)}…`);
  }
  if (text.length > options.limit) text = `${text.slice(0, options.limit - 1)}…`;
  return { text, keyboard: keyboardOf(report, ctx, options.buttons ?? { kind: "actions" }) };
}

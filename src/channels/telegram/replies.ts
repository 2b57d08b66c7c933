/**
 * Turns a neutral reply into Telegram messages: choices as an inline keyboard, a location request
 * as a reply keyboard with a `request_location` button, a photo request as a hint, long texts
 * split at Telegram's 4,096 characters.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup } from "grammy/types";
import type { OutboundMessage } from "../../conversation/messages.js";
import type { Texts } from "../../locale/texts.js";
import { splitAt } from "../../util/text.js";

export const MAX_TEXT = 4096;
/** Telegram's limit on callback_data, in bytes. */
const MAX_CALLBACK_DATA = 64;
/** Buttons share a row only when their labels are this short together. */
const ROW_CHARS = 24;

export interface TelegramReply {
  /** The text in pieces Telegram accepts; the keyboard goes with the last one. */
  chunks: string[];
  keyboard?: { kind: "inline"; markup: InlineKeyboardMarkup } | { kind: "reply"; markup: ReplyKeyboardMarkup };
}

export function toTelegram(message: OutboundMessage, texts: Texts): TelegramReply {
  const hint = message.request === "photo" ? `\n\n${texts.t(message.lang, "telegram.photo_hint")}` : "";
  const chunks = splitText(`${message.text}${hint}`);
  const choices = message.choices ?? [];
  if (message.request === "location") {
    const keyboard = [[{ text: texts.t(message.lang, "telegram.share_location"), request_location: true }], ...choices.map((c) => [{ text: c.label }])];
    return { chunks, keyboard: { kind: "reply", markup: { keyboard, resize_keyboard: true, one_time_keyboard: true } } };
  }
  if (choices.length === 0) return { chunks };
  const buttons: InlineKeyboardButton[] = choices.map((c, i) => ({
    text: c.label,
    // A value too long for Telegram is sent back as its number, which every choice also accepts.
    callback_data: Buffer.byteLength(c.value) <= MAX_CALLBACK_DATA && !c.value.startsWith("#") ? c.value : `#${i + 1}`,
  }));
  return { chunks, keyboard: { kind: "inline", markup: { inline_keyboard: rows(buttons) } } };
}

/** Short labels side by side (Sí | No), long ones one per row so they are never cut. */
function rows(buttons: InlineKeyboardButton[]): InlineKeyboardButton[][] {
  const out: InlineKeyboardButton[][] = [];
  let row: InlineKeyboardButton[] = [];
  let width = 0;
  for (const b of buttons) {
    if (row.length && (row.length === 3 || width + b.text.length > ROW_CHARS)) {
      out.push(row);
      row = [];
      width = 0;
    }
    row.push(b);
    width += b.text.length;
  }
  if (row.length) out.push(row);
  return out;
}

/** Splits at line breaks (or spaces) so that no piece is longer than Telegram allows. */
export function splitText(text: string, max = MAX_TEXT): string[] {
  return splitAt(text, max);
}

/** The neutral message model every channel adapter translates to and from. */
export type { OutboundMessage } from "../domain/model/message.js";

import type { ChannelName } from "../domain/model/channel.js";
import type { OutboundMessage } from "../domain/model/message.js";
import { MAX_LINK } from "../engine/flow.js";
import type { GlobalWord, UnsupportedKind } from "../engine/types.js";
import type { JournaledMessage } from "../store/ports.js";

/**
 * A photo still on the platform's servers: read only once the message is known to be new,
 * and never more than `maxBytes` (a larger one rejects with PhotoTooLargeError).
 */
export interface RemotePhoto {
  /** The size the platform announced, when it did. */
  size?: number;
  read(maxBytes: number): Promise<Buffer>;
}

export class PhotoTooLargeError extends Error {
  constructor() {
    super("photo larger than the limit");
  }
}

/** Longest text accepted from a citizen; longer messages are cut before anything else sees them. */
export const MAX_INBOUND_TEXT = 4096;
/** Longest button value accepted back from a channel. */
export const MAX_CHOICE_VALUE = 100;

export type InboundContent =
  | { type: "text"; text: string }
  /** A pressed button: the choice's value. */
  | { type: "choice"; value: string }
  | { type: "location"; latitude: number; longitude: number }
  /** `caption`: the text sent with it (Telegram's and WhatsApp's caption), read as if typed (`withCaption`). */
  | { type: "photo"; data: Buffer | RemotePhoto; caption?: string }
  /** The citizen came in through a link or command (Telegram's `/start folio-…`); no link opens the menu. */
  | { type: "open"; link?: string }
  /** A global word sent as a command (Telegram's `/ayuda`). */
  | { type: "word"; word: GlobalWord }
  /** Something the flows cannot use (sticker, voice note, document, an edit…). */
  | { type: "unsupported"; kind: UnsupportedKind; caption?: string };

export interface InboundMessage {
  channel: ChannelName;
  /** The chat as the channel names it; with the channel, it identifies the citizen. */
  chatId: string;
  /** The channel's id for this message: a repeated id is processed once. */
  messageId: string;
  content: InboundContent;
  /** The language the platform reports for the user (e.g. Telegram's language_code). */
  languageHint?: string;
}

/** How a channel delivers a reply to one chat. Resolves once the platform has accepted it (with its id for the message, when the channel has one). */
export type Sender = (chatId: string, message: OutboundMessage) => Promise<unknown>;

/**
 * The message as kept with its claim until processed. A photo still on the platform cannot be kept:
 * replayed, it asks the citizen to send it again.
 */
export function toJournal(message: InboundMessage): JournaledMessage {
  const c = message.content;
  // Only plain values of the expected types: what a careless channel passes on never reaches the store as an object.
  const content: Record<string, unknown> = { type: String(c.type) };
  if (c.type === "text") content.text = String(c.text).slice(0, MAX_INBOUND_TEXT);
  if (c.type === "choice") content.value = String(c.value).slice(0, MAX_CHOICE_VALUE);
  if (c.type === "location") Object.assign(content, { latitude: Number(c.latitude), longitude: Number(c.longitude) });
  if (c.type === "open" && c.link !== undefined) content.link = String(c.link).slice(0, MAX_LINK);
  if (c.type === "word") content.word = String(c.word);
  if (c.type === "unsupported") content.kind = String(c.kind);
  const caption = captionOf(c);
  if (caption) content.caption = caption;
  const out: JournaledMessage = { channel: message.channel, chatId: String(message.chatId), messageId: String(message.messageId), content };
  if (typeof message.languageHint === "string") out.languageHint = message.languageHint.slice(0, 20);
  return out;
}

export function fromJournal(journaled: JournaledMessage): InboundMessage {
  const c = journaled.content as InboundContent | { type: "photo"; caption?: string };
  const content: InboundContent =
    c.type === "photo" && !("data" in c)
      ? { type: "unsupported", kind: "lost_photo", ...(typeof c.caption === "string" ? { caption: c.caption } : {}) }
      : (c as InboundContent);
  return { channel: journaled.channel, chatId: journaled.chatId, messageId: journaled.messageId, content, languageHint: journaled.languageHint };
}

/** A photo's caption worth reading (not blank), cut as any typed text is. */
export function captionOf(content: InboundContent): string | undefined {
  if (content.type !== "photo" && content.type !== "unsupported") return undefined;
  const caption = typeof content.caption === "string" ? content.caption.slice(0, MAX_INBOUND_TEXT) : "";
  return caption.trim() ? caption : undefined;
}

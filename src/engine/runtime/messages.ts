/** The neutral message model every channel adapter translates to and from. */
import type { ChannelName, PendingReply } from "../../store/ports.js";

export type InboundContent =
  | { type: "text"; text: string }
  /** A pressed button: the choice's value. */
  | { type: "choice"; value: string }
  | { type: "location"; latitude: number; longitude: number }
  | { type: "photo"; data: Buffer }
  /** Something the flows cannot use (sticker, voice note, document…). */
  | { type: "unsupported"; kind: string };

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

/** A reply ready for a channel: text, optional choices (buttons or a numbered list), optional request. */
export type OutboundMessage = PendingReply;

/** How a channel delivers a reply to one chat. Resolves once the platform has accepted it. */
export type Sender = (chatId: string, message: OutboundMessage) => Promise<void>;

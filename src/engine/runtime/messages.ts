/** The neutral message model every channel adapter translates to and from. */
import type { ChannelName, PendingReply } from "../../store/ports.js";
import type { GlobalWord, UnsupportedKind } from "../types.js";

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

export type InboundContent =
  | { type: "text"; text: string }
  /** A pressed button: the choice's value. */
  | { type: "choice"; value: string }
  | { type: "location"; latitude: number; longitude: number }
  | { type: "photo"; data: Buffer | RemotePhoto }
  /** The citizen came in through a link or command (Telegram's `/start folio-…`); no link opens the menu. */
  | { type: "open"; link?: string }
  /** A global word sent as a command (Telegram's `/ayuda`). */
  | { type: "word"; word: GlobalWord }
  /** Something the flows cannot use (sticker, voice note, document, an edit…). */
  | { type: "unsupported"; kind: UnsupportedKind };

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

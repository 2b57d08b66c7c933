/** A message to a citizen, rendered in their language and neutral to the channel that will carry it. */
import type { Language } from "../../locale/languages.js";

/**
 * The kinds of notice the bot sends on its own, each with the values it carries. A channel that
 * may only open a conversation with an approved template (WhatsApp's Cloud API outside its 24-hour
 * window) fills the template with these values.
 */
export const NOTICE_FIELDS = {
  report_status: ["folio", "category", "status"],
  report_answer: ["folio", "category", "answer"],
  commitment_update: ["number", "title", "municipality", "percent"],
  announcement: ["text"],
} as const satisfies Record<string, readonly string[]>;
export type NoticeKind = keyof typeof NOTICE_FIELDS;
export const NOTICE_KINDS = Object.keys(NOTICE_FIELDS) as NoticeKind[];

/** What a notice is about, besides its rendered text. */
export interface NoticeMeaning {
  kind: NoticeKind;
  /** The values of NOTICE_FIELDS[kind], as shown to the citizen (in their language). */
  params: Record<string, string>;
}

/** Text, optional choices (buttons or a numbered list), optional request for a location or photo. */
export interface OutboundMessage {
  id: string;
  /** The language the text is in, for the channel's own labels (buttons, hints). */
  lang: Language;
  text: string;
  choices?: { value: string; label: string }[];
  request?: "location" | "photo";
  /**
   * A photo sent now is taken though the question does not ask for one (kept for the report's photo question
   * further on, or opening a report at the menu): a channel that offers a photo only when asked (the web chat's
   * button) offers it here too.
   */
  takesPhoto?: true;
  /** Set on a notice: its kind and values (for a channel that must send it as a template). */
  notice?: NoticeMeaning;
  /** A photo from the store's media (its id), sent with `text` as its caption where the channel can. */
  photo?: string;
  /**
   * A file with `text` as its caption, where the channel can send one; elsewhere `fallback` (a text with
   * the file's link) goes instead. `ref` names the file for the channel's `files` reader (never the bytes).
   */
  file?: { ref: string; name: string; mime: string; fallback: string };
  /** Telegram: the topic of a forum group the message goes to (message_thread_id). */
  threadId?: number;
}

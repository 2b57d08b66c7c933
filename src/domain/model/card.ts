/**
 * What the bot keeps of its own messages in a secretariat group: each report's card (to edit it in
 * place after every change), and the questions it asked members there (a ForceReply for a public
 * answer, a reason, a folio; a handoff's messages) so that a reply finds what it answers.
 */

/** Where a report's card is, and which version of the report it shows. */
export interface ReportCard {
  report: string;
  /** The group (Telegram chat id, as text). */
  chatId: string;
  messageId: number;
  /** The report's version the card shows: a later version edits it, the same one changes nothing. */
  version: number;
  /** A photo with a caption (edited as a caption), or a text message. */
  photo: boolean;
  postedAt: Date;
  updatedAt: Date;
}

/**
 * What a reply to one of the bot's messages in a group does: `answer` publishes it to the citizen (so does
 * `citizen_reply`, to the message that told the group what the citizen answered, which stays as it is),
 * `note` keeps it as an internal note, `reason` moves the report to `status` with it as the public
 * reason, `duplicate` reads the folio the report repeats, `handoff` delivers it to the citizen of a
 * conversation with a person; on a commitment of the plan, `milestone_done` takes the evidence link,
 * `milestone_move` the new date and its reason, `indicator` the indicator's new value;
 * `announcement_text` and `announcement_when` read an announcement's text (or photo) and its time,
 * for the draft `draft`.
 */
export const PROMPT_KINDS = [
  "answer",
  "citizen_reply",
  "note",
  "reason",
  "duplicate",
  "publish",
  "handoff",
  "milestone_done",
  "milestone_move",
  "indicator",
  "announcement_text",
  "announcement_when",
] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];

export interface GroupPrompt {
  chatId: string;
  messageId: number;
  kind: PromptKind;
  /** The report and the version the member saw (report prompts). */
  report: string | null;
  version: number | null;
  /** The status a `reason` or `duplicate` prompt moves the report to. */
  status: string | null;
  /** The conversation a `handoff` prompt belongs to. */
  handoff: string | null;
  /** Commitment prompts: the commitment (`15054-3`), the milestone's or indicator's number, and the message showing it. */
  commitment?: string | null;
  item?: number | null;
  view?: number | null;
  /** The announcement being composed (announcement prompts). */
  draft?: string;
  createdAt: Date;
}

/** A question in a group is answered within days; after 30 of them a reply to it is not taken. */
export const PROMPT_TTL_S = 30 * 24 * 3600;

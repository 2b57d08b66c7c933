/**
 * The citizen who filed a report answers the secretariat back. A public answer («¿entre qué calles está el
 * bache?») is followed in the citizen's conversation by the question whether they want to answer
 * (notify/dispatch.ts); what they write is kept on the report for the secretariat (a note by the citizen,
 * `Triage.citizenReply`) and relayed to the municipality's group, under the report's card, where a member's
 * reply to it is a new public answer. Only the report's author who can be contacted, or its anonymous
 * author who asked to hear back: a follower, or whoever holds the folio, cannot write on it.
 */
import type { Report } from "./model/report.js";
import type { Link, Resolution } from "./resolution.js";
import { REPLIES_UNTIL_ANSWERED, repliesWaiting, type Triage } from "./triage.js";

/** Where the secretariat works (the Telegram group): told of a citizen's reply. */
export interface ReplyRelay {
  /** Rejects when it could not (the reply stays on the report, where the card and the panel show it). */
  replied(report: Report, text: string): Promise<void>;
}

/** What a reply came to: relayed, kept only (no group reached), or not taken (`waiting`: those sent wait for the secretariat). */
export type ReplyOutcome = "relayed" | "kept" | "not_allowed" | "not_found" | "empty" | "waiting";

/** Whether a citizen may answer on a report now: yes, no, or not until the secretariat acts on what they sent (`waiting`). */
export type ReplyAllowed = "yes" | "no" | "waiting";

/** Whether a citizen linked to a report this way may answer the secretariat on it. */
export function answersBack(report: Report, link: Link): boolean {
  return (link === "author" && report.contactable) || link === "anonymous_author";
}

export class ReportReplies {
  private relay?: ReplyRelay;

  constructor(
    private readonly triage: Triage,
    private readonly resolution: Resolution,
  ) {}

  /** The secretariat's face says where replies go. */
  setRelay(relay: ReplyRelay): void {
    this.relay = relay;
  }

  /** Whether `citizen` may answer the secretariat on `report` now. */
  async allowed(report: Report, citizen: string): Promise<ReplyAllowed> {
    if (!answersBack(report, await this.resolution.linkOf(report, citizen))) return "no";
    return repliesWaiting(report) >= REPLIES_UNTIL_ANSWERED ? "waiting" : "yes";
  }

  /** `citizen`'s reply on `report`. */
  async reply(report: Report, citizen: string, text: string): Promise<ReplyOutcome> {
    // Past the replies that wait (`waiting`), the reply is refused on the report as it is written (`citizenReply`).
    if ((await this.allowed(report, citizen)) === "no") return "not_allowed";
    const written = await this.triage.citizenReply(report.id, text);
    if (!written.ok) return written.problem === "empty_text" ? "empty" : written.problem === "replies_waiting" ? "waiting" : "not_found";
    // Kept already (the same message handled again): relayed then, not twice.
    if (written.repeated) return "relayed";
    if (!this.relay) return "kept";
    try {
      await this.relay.replied(written.report, written.report.notes.at(-1)?.text ?? text);
      return "relayed";
    } catch {
      return "kept";
    }
  }
}

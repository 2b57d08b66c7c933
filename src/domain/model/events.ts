/**
 * What happened, as typed events: actions and the conversation layer emit them instead of reaching
 * into other objects; the conversation layer applies them (a consent is saved on the citizen) and
 * records them as the audit trail. An event never carries message text, names or phone numbers:
 * ids, keys and codes only. The secretariat's operations add their own events to the same trail.
 */
import type { Language } from "../../locale/languages.js";
import type { ChannelName } from "./channel.js";

export type DomainEvent =
  | { type: "consent_recorded"; citizen: string; version: string }
  | { type: "language_changed"; citizen: string; language: Language }
  | { type: "report_created"; report: string; folio: string; municipality: string; category: string; channel: ChannelName; anonymous: boolean }
  /** A member moved a report; `reason` says whether a public note came with it (its text stays on the report). */
  | { type: "status_changed"; report: string; municipality: string; from: string; to: string; area: string | null; duplicateOf: string | null; reason: boolean }
  | { type: "answer_published"; report: string; municipality: string; status: string }
  /** A member published the report's moderated description and photos for open data (that they did, never the text). */
  | { type: "report_published"; report: string; municipality: string; description: boolean; photos: number }
  /** An internal note: that one was written, never its text. */
  | { type: "note_added"; report: string; municipality: string }
  /** The citizen who filed a report answered the secretariat's public answer: that they did, never the text (it stays on the report). */
  | { type: "citizen_replied"; report: string; municipality: string }
  | { type: "report_reopened"; report: string; municipality: string; from: string; to: string }
  | { type: "resolution_confirmed"; report: string; municipality: string }
  /** Someone holding an anonymous report's folio, not linked to it, said it is not solved (the secretariat decides). */
  | { type: "resolution_disputed"; report: string; municipality: string }
  | { type: "report_followed"; report: string; municipality: string; citizen: string }
  | { type: "chat_linked"; municipality: string; purpose: string; chat: string }
  | { type: "chat_unlinked"; municipality: string; purpose: string; chat: string }
  /** A citizen asked to talk with a person: relayed to the municipality's group. */
  | { type: "handoff_requested"; handoff: string; municipality: string; citizen: string }
  /** A member's reply was sent to the citizen (never its text). */
  | { type: "handoff_replied"; handoff: string; municipality: string }
  /** The conversation ended: by the citizen (menú, cancelar) or by a member. */
  | { type: "handoff_closed"; handoff: string; municipality: string; by: "citizen" | "member" }
  /** A plan file was imported (`example`: the shipped demonstration). */
  | { type: "plan_imported"; municipality: string; created: number; updated: number; example: boolean }
  | { type: "milestone_done"; municipality: string; commitment: string; milestone: number; evidence: boolean }
  | { type: "milestone_moved"; municipality: string; commitment: string; milestone: number; from: string; to: string }
  | { type: "indicator_updated"; municipality: string; commitment: string; indicator: number; from: number; to: number }
  | { type: "report_linked"; report: string; municipality: string; commitment: string }
  | { type: "commitment_followed"; municipality: string; commitment: string; citizen: string }
  | { type: "commitment_unfollowed"; municipality: string; commitment: string; citizen: string }
  /** A data-rights request (ARCO) with its legal deadline: a code, never who asked. */
  | { type: "data_request"; code: string; right: string; municipality: string | null; deadline: string; state: string }
  /** A member marked a request the bot could not fulfil at once as done (who: the entry's actor). */
  | { type: "data_request_done"; code: string; municipality: string | null }
  /** A citizen changed what the bot holds about them ("mis datos"). */
  | { type: "municipality_corrected"; citizen: string; municipality: string }
  /** The citizen's data was deleted at their request (the entry names nobody). */
  | { type: "data_erased" }
  /** "baja": the citizen asked for no more notices. */
  | { type: "notices_stopped"; citizen: string }
  | { type: "announcements_subscribed"; citizen: string; municipality: string }
  /** `reason`: the citizen asked, said "baja", or blocked the bot (the platform refused for good). */
  | { type: "announcements_unsubscribed"; citizen: string; municipality: string | null; reason: "asked" | "baja" | "blocked" }
  /** `audiences`: "groups", "subscribers" or both, comma separated. */
  | { type: "announcement_scheduled"; announcement: string; municipality: string; audiences: string; photo: boolean; scheduled: boolean }
  | { type: "announcement_cancelled"; announcement: string; municipality: string }
  | { type: "announcement_queued"; announcement: string; municipality: string; recipients: number };

/** Every kind of event, for what lists them by name (the panel's audit trail labels each one). */
export const EVENT_TYPES = [
  "consent_recorded",
  "language_changed",
  "report_created",
  "status_changed",
  "answer_published",
  "report_published",
  "note_added",
  "citizen_replied",
  "report_reopened",
  "resolution_confirmed",
  "resolution_disputed",
  "report_followed",
  "chat_linked",
  "chat_unlinked",
  "handoff_requested",
  "handoff_replied",
  "handoff_closed",
  "municipality_corrected",
  "report_linked",
  "notices_stopped",
  "data_erased",
  "data_request",
  "data_request_done",
  "plan_imported",
  "milestone_done",
  "milestone_moved",
  "indicator_updated",
  "commitment_followed",
  "commitment_unfollowed",
  "announcements_subscribed",
  "announcements_unsubscribed",
  "announcement_scheduled",
  "announcement_cancelled",
  "announcement_queued",
] as const satisfies readonly DomainEvent["type"][];

// A kind of event added to DomainEvent and not to EVENT_TYPES does not compile.
const _everyType: Exclude<DomainEvent["type"], (typeof EVENT_TYPES)[number]> extends never ? true : never = true;
void _everyType;

export type EventType = DomainEvent["type"];

/** An event as the audit trail keeps it. */
export interface RecordedEvent {
  /** Chosen by whoever records it, so recording the same event again (a replayed message) keeps one. */
  id: string;
  type: EventType;
  at: Date;
  /** Who did it: "citizen", "system", or a secretariat member's id. */
  actor: string;
  /** The report it is about, when it is about one. */
  report: string | null;
  /** The municipality it concerns (INEGI key), when it concerns one. */
  municipality: string | null;
  /** The citizen it concerns (their id), so their data can be shown, exported and erased with them. */
  citizen: string | null;
  /** The event's own fields. */
  data: Record<string, string | number | boolean | null>;
}

/** The trail entry of an event: its fields, with the ones every entry has lifted out for queries. */
export function recordEvent(event: DomainEvent, id: string, at: Date, actor: string): RecordedEvent {
  const { type, ...fields } = event;
  const data: RecordedEvent["data"] = {};
  for (const [k, v] of Object.entries(fields)) data[k] = v as string | number | boolean | null;
  return {
    id,
    type,
    at,
    actor,
    report: "report" in event ? event.report : null,
    municipality: "municipality" in event ? event.municipality : null,
    citizen: "citizen" in event ? event.citizen : null,
    data,
  };
}

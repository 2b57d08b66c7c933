/**
 * The announcements of a municipality: composed by its facilitador or an admin (in the secretariat's
 * Telegram group, on the command line, and later on the web panel — all through these operations),
 * checked, previewed exactly as they will be sent, scheduled, cancelled while they wait, and
 * followed per recipient. The rows of the outbox are written by notify/announcement-dispatch.ts
 * when an announcement's time comes.
 */
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import type { AnnouncementRepository, CitizenRepository, CounterRepository, EventRepository, OutboxRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { daysBefore } from "../util/clock.js";
import type { LinkedChats } from "./chats.js";
import type { Members } from "./members.js";
import { type Announcement, AUDIENCES, type Audience, type DeliveryCounts } from "./model/announcement.js";
import type { ChannelName } from "./model/channel.js";
import { addressOf, citizenId } from "./model/citizen.js";
import { recordEvent } from "./model/events.js";
import { type Member, mayAnnounce } from "./model/member.js";
import type { OutboundMessage } from "./model/message.js";
import type { Municipality } from "./municipalities.js";
import type { Photos } from "./photos.js";
import type { Subscriptions } from "./subscriptions.js";

/** Telegram's limits: a message's text, a photo's caption. */
export const MAX_MESSAGE = 4096;
export const MAX_CAPTION = 1024;
/** How far ahead an announcement may be scheduled. */
const MAX_AHEAD_MS = 366 * 24 * 3600 * 1000;
/** A time this close to now (or just past, while it was typed) means now. */
const NOW_SLACK_MS = 60_000;

export interface AnnouncementInput {
  /** An INEGI key or a name. */
  municipality: string;
  text: string;
  /** A photo already in the store's media. */
  photo?: string | null;
  audiences: readonly Audience[];
  /** When to send it; absent or null: now. */
  at?: Date | null;
}

export type AnnouncementProblem =
  | "unknown_municipality"
  | "not_allowed"
  | "empty"
  | "too_long"
  | "no_audience"
  | "past"
  | "too_far"
  | "not_found"
  | "not_scheduled"
  | "no_photo";

/** An announcement checked and ready to schedule, with how many it would reach now. */
export interface CheckedAnnouncement {
  municipality: Municipality;
  text: string;
  photo: string | null;
  audiences: Audience[];
  at: Date;
  /** Whether it waits for a later time. */
  scheduled: boolean;
  reach: { groups: number; subscribers: number };
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: AnnouncementProblem; detail?: string };

/** One recipient of an announcement: a chat, the form of the message it gets, its language. */
export interface Recipient {
  channel: ChannelName;
  chatId: string;
  audience: Audience;
  lang: Language;
  /** A forum group's topic (message_thread_id). */
  threadId?: number;
}

export interface AnnouncementStatus {
  announcement: Announcement;
  counts: DeliveryCounts;
}

export interface AnnouncementDeps {
  repo: AnnouncementRepository;
  counters: CounterRepository;
  events: EventRepository;
  outbox: Pick<OutboxRepository, "countByRef">;
  citizens: Pick<CitizenRepository, "get">;
  subscriptions: Subscriptions;
  /** An announcement's photo is kept for good once it is scheduled. */
  photos: Pick<Photos, "keep">;
  chats: LinkedChats;
  members: Members;
  texts: Texts;
  /** The deployment's languages: an announcement must fit Telegram's limits in each. */
  languages: readonly Language[];
  /** The language of groups and channels (the deployment's default). */
  groupLanguage: Language;
  clock: Clock;
  /** Called when an announcement may be due now (its rows are then written). */
  wake: () => void;
}

/**
 * The message exactly as a recipient gets it: in groups and channels the text as written; to a
 * subscriber, headed with the municipality and closed with how to stop. Used for the preview too,
 * so what the secretariat confirms is what is sent.
 */
export function announcementMessage(
  texts: Texts,
  lang: Language,
  announcement: Pick<Announcement, "id" | "text" | "photo">,
  audience: Audience,
  municipality: string,
  threadId?: number,
): OutboundMessage {
  const text = texts.t(lang, `announcements.message.${audience}`, { text: announcement.text, municipality });
  return {
    id: `${announcement.id}:${audience}`,
    lang,
    text,
    ...(announcement.photo ? { photo: announcement.photo } : {}),
    ...(threadId !== undefined ? { threadId } : {}),
  };
}

export class Announcements {
  constructor(private readonly deps: AnnouncementDeps) {}

  /** Checks what a member (null: an administrator) wants to announce, without writing anything. */
  async check(input: AnnouncementInput, by: Member | null): Promise<Checked<CheckedAnnouncement>> {
    const found = this.deps.members.findMunicipality(input.municipality);
    if (!found.ok) return { ok: false, problem: "unknown_municipality", detail: input.municipality.slice(0, 60) };
    const municipality = found.municipality;
    if (by && !mayAnnounce(by, municipality.cvegeo)) return { ok: false, problem: "not_allowed", detail: municipality.name };
    const text = input.text.replace(/\r\n?/g, "\n").trim();
    if (!text) return { ok: false, problem: "empty" };
    const audiences = AUDIENCES.filter((a) => input.audiences.includes(a));
    if (audiences.length === 0) return { ok: false, problem: "no_audience" };
    const photo = input.photo ?? null;
    const limit = photo ? MAX_CAPTION : MAX_MESSAGE;
    const longest = Math.max(
      ...this.deps.languages.flatMap((lang) =>
        audiences.map((a) => announcementMessage(this.deps.texts, lang, { id: "-", text, photo }, a, municipality.name).text.length),
      ),
    );
    if (longest > limit) return { ok: false, problem: "too_long", detail: String(text.length - (longest - limit)) };
    const now = this.deps.clock.now().getTime();
    const wanted = input.at?.getTime() ?? now;
    if (Number.isNaN(wanted) || wanted < now - NOW_SLACK_MS) return { ok: false, problem: "past" };
    if (wanted > now + MAX_AHEAD_MS) return { ok: false, problem: "too_far" };
    const scheduled = wanted > now + NOW_SLACK_MS;
    const reach = await this.reach(municipality.cvegeo, audiences);
    return { ok: true, value: { municipality, text, photo, audiences, at: new Date(scheduled ? wanted : now), scheduled, reach } };
  }

  /** The messages exactly as they will be sent, one per audience, in `lang` (the preview). */
  preview(checked: CheckedAnnouncement, lang: Language): OutboundMessage[] {
    return checked.audiences.map((a) =>
      announcementMessage(this.deps.texts, lang, { id: "preview", text: checked.text, photo: checked.photo }, a, checked.municipality.name),
    );
  }

  /** Checks and schedules it (now, or at its time); the audit trail records it, never its text. */
  async schedule(input: AnnouncementInput, by: Member | null): Promise<Checked<Announcement>> {
    const checked = await this.check(input, by);
    if (!checked.ok) return checked;
    const c = checked.value;
    if (c.photo && (await this.deps.photos.keep([c.photo])).length === 0) return { ok: false, problem: "no_photo" };
    const now = this.deps.clock.now();
    const announcement: Announcement = {
      id: `A-${await this.deps.counters.next("announcement")}`,
      municipality: c.municipality.cvegeo,
      text: c.text,
      photo: c.photo,
      audiences: c.audiences,
      at: c.at,
      state: "scheduled",
      createdBy: by?.id ?? "admin",
      createdAt: now,
      queuedAt: null,
      recipients: null,
    };
    await this.deps.repo.insert(announcement);
    await this.record(
      {
        type: "announcement_scheduled",
        announcement: announcement.id,
        municipality: announcement.municipality,
        audiences: announcement.audiences.join(","),
        photo: announcement.photo !== null,
        scheduled: c.scheduled,
      },
      announcement.createdBy,
    );
    this.deps.wake();
    return { ok: true, value: announcement };
  }

  /** Withdraws an announcement still waiting for its time. */
  async cancel(id: string, by: Member | null): Promise<Checked<Announcement>> {
    const found = await this.deps.repo.get(normalizeId(id));
    if (!found) return { ok: false, problem: "not_found", detail: id.slice(0, 20) };
    if (by && !mayAnnounce(by, found.municipality)) return { ok: false, problem: "not_allowed", detail: found.municipality };
    const cancelled: Announcement = { ...found, state: "cancelled" };
    if (found.state !== "scheduled" || !(await this.deps.repo.update(cancelled, "scheduled"))) return { ok: false, problem: "not_scheduled", detail: found.id };
    await this.record({ type: "announcement_cancelled", announcement: found.id, municipality: found.municipality }, by?.id ?? "admin");
    return { ok: true, value: cancelled };
  }

  /** Sent, pending and failed recipients of one announcement. */
  async status(id: string): Promise<AnnouncementStatus | null> {
    const announcement = await this.deps.repo.get(normalizeId(id));
    return announcement ? { announcement, counts: await this.counts(announcement.id) } : null;
  }

  /**
   * The newest announcement of a municipality that went out to its subscribers within `days` days, if any: a
   * citizen who subscribes reads it at once. Scheduled and cancelled ones are not said.
   */
  latestSent(municipality: string, days: number): Promise<Announcement | null> {
    const now = this.deps.clock.now();
    return this.deps.repo.latestSent(municipality, daysBefore(now, days), now);
  }

  /** The newest announcements (of a municipality, or all) with their counts. */
  async list(municipality: string | undefined, limit: number): Promise<AnnouncementStatus[]> {
    const list = await this.deps.repo.list(municipality, limit);
    return Promise.all(list.map(async (announcement) => ({ announcement, counts: await this.counts(announcement.id) })));
  }

  /** Every recipient of an announcement now: its linked groups and channels the bot can use, its subscribers. */
  async recipients(announcement: Announcement): Promise<Recipient[]> {
    const out: Recipient[] = [];
    if (announcement.audiences.includes("groups")) {
      for (const chat of await this.deps.chats.announcementChats(announcement.municipality)) {
        out.push({
          channel: "telegram",
          chatId: chat.chatId,
          audience: "groups",
          lang: this.deps.groupLanguage,
          ...(chat.threadId ? { threadId: chat.threadId } : {}),
        });
      }
    }
    if (announcement.audiences.includes("subscribers")) {
      for (const s of await this.deps.subscriptions.forMunicipality(announcement.municipality)) {
        const address = addressOf(s.citizen);
        if (!address) continue;
        const citizen = await this.deps.citizens.get(s.citizen);
        out.push({ ...address, audience: "subscribers", lang: citizen?.language ?? this.deps.groupLanguage });
      }
    }
    return out;
  }

  /**
   * Whether a chat is still a recipient of an announcement, asked right before its row goes: the
   * announcement not cancelled (it may be while its rows are written), and the chat a subscriber still
   * subscribed to its municipality or a group or channel still linked for it. A large announcement's
   * rows are written over seconds and sent over minutes, and whoever unsubscribed or erased their data
   * meanwhile gets nothing (the erasure drops the rows already written; this covers those written
   * after it, and "baja").
   */
  async stillFor(id: string, chat: Pick<Recipient, "channel" | "chatId">): Promise<boolean> {
    const announcement = await this.deps.repo.get(id);
    if (!announcement || announcement.state === "cancelled") return false;
    const { audiences, municipality } = announcement;
    if (
      audiences.includes("subscribers") &&
      (await this.deps.subscriptions.of(citizenId(chat.channel, chat.chatId))).some((s) => s.municipality === municipality)
    )
      return true;
    return (
      audiences.includes("groups") &&
      chat.channel === "telegram" &&
      (await this.deps.chats.announcementChats(municipality)).some((c) => c.chatId === String(chat.chatId))
    );
  }

  /** Records that every recipient's row is in the outbox. False when it was cancelled (or queued) meanwhile. */
  async markQueued(announcement: Announcement, recipients: number): Promise<boolean> {
    const queued: Announcement = { ...announcement, state: "queued", queuedAt: this.deps.clock.now(), recipients };
    if (!(await this.deps.repo.update(queued, "scheduled"))) return false;
    await this.record({ type: "announcement_queued", announcement: announcement.id, municipality: announcement.municipality, recipients }, "system");
    return true;
  }

  /** Scheduled announcements whose time has come. */
  due(limit: number): Promise<Announcement[]> {
    return this.deps.repo.due(this.deps.clock.now(), limit);
  }

  private async reach(municipality: string, audiences: Audience[]): Promise<CheckedAnnouncement["reach"]> {
    const groups = audiences.includes("groups") ? (await this.deps.chats.announcementChats(municipality)).length : 0;
    const subscribers = audiences.includes("subscribers") ? (await this.deps.subscriptions.forMunicipality(municipality)).length : 0;
    return { groups, subscribers };
  }

  private async counts(id: string): Promise<DeliveryCounts> {
    const c = await this.deps.outbox.countByRef(id);
    return { sent: c.sent, pending: c.pending + c.sending, failed: c.failed };
  }

  private async record(event: Parameters<typeof recordEvent>[0], actor: string): Promise<void> {
    const now = this.deps.clock.now();
    const subject = "announcement" in event ? event.announcement : "";
    await this.deps.events.append([recordEvent(event, `${event.type}:${subject}`, now, actor)]);
  }
}

/** `A-3`, `a-3` or `3`. */
function normalizeId(id: string): string {
  const text = id.trim();
  return /^\d+$/.test(text) ? `A-${text}` : text.toUpperCase();
}

/**
 * Reads "ahora"/"now", an ISO time with its offset, or a day and time in the deployment's time zone:
 * "YYYY-MM-DD HH:MM", or "DD/MM/YYYY HH:MM" as dates are written in Mexico («10/12/2026 09:00»).
 */
export function parseWhen(text: string, timeZone: string, now: Date, nowWords: readonly string[]): Date | null {
  const t = text.trim();
  if (nowWords.some((w) => w.localeCompare(t, undefined, { sensitivity: "base" }) === 0)) return now;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const at = new Date(t);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/.exec(t);
  const written = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),?\s+(\d{1,2}):(\d{2})$/.exec(t);
  if (!iso && !written) return null;
  const [y, mo, d, h, mi] = iso ? iso.slice(1).map(Number) : [written?.[3], written?.[2], written?.[1], written?.[4], written?.[5]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // A day the month has not («31/02/2030») is no date.
  if (new Date(wall).getUTCDate() !== d) return null;
  const at = new Date(wall - offsetMs(new Date(wall), timeZone));
  return Number.isNaN(at.getTime()) ? null : at;
}

/** How far the time zone's wall clock is ahead of UTC at `at`. */
function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return wall - Math.floor(at.getTime() / 60_000) * 60_000;
}

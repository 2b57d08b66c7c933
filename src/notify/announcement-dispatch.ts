/**
 * When an announcement's time comes, writes one outbox row per recipient (its linked groups and
 * channels, its subscribers) and marks it queued; the outbox worker sends them at the platforms'
 * pace. Rows have ids of their own (announcement, channel, chat), so a process that dies half-way
 * through writes the rest on its next sweep and nobody's row is written twice. Scheduled
 * announcements live in the store: a restart finds them.
 */
import { type Announcements, announcementMessage, type Recipient } from "../domain/announcements.js";
import type { Announcement } from "../domain/model/announcement.js";
import type { Municipalities } from "../domain/municipalities.js";
import type { Texts } from "../locale/texts.js";
import type { NewOutboxItem } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { Delivery } from "./delivery.js";

/** Rows written to the outbox at a time. */
const CHUNK = 500;

export interface AnnouncementDispatcherOptions {
  announcements: Announcements;
  delivery: Pick<Delivery, "enqueue">;
  municipalities: Municipalities;
  texts: Texts;
  clock: Clock;
  logger: Logger;
  /** How often the store is looked at for announcements whose time came. */
  sweepMs?: number;
}

/** The outbox id of an announcement's row for one chat. */
export function announcementRowId(announcement: string, r: Pick<Recipient, "channel" | "chatId">): string {
  return `ann:${announcement}:${r.channel}:${r.chatId}`;
}

export class AnnouncementDispatcher {
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;
  private again = false;

  constructor(private readonly options: AnnouncementDispatcherOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.wake(), this.options.sweepMs ?? 15_000);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Something may be due now: sweep (once more after the sweep under way, if one is). */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sweep()
      .catch((err) => {
        this.options.logger.error({ err: errorInfo(err) }, "announcements not queued; tried again on the next sweep");
        return 0;
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Queues every announcement whose time came; resolves with how many rows were added. */
  async sweep(): Promise<number> {
    let added = 0;
    for (const announcement of await this.options.announcements.due(20)) added += await this.queue(announcement);
    return added;
  }

  private async queue(announcement: Announcement): Promise<number> {
    const { announcements, delivery, texts, municipalities, clock, logger } = this.options;
    const recipients = await announcements.recipients(announcement);
    const name = municipalities.get(announcement.municipality)?.name ?? announcement.municipality;
    const now = clock.now();
    let added = 0;
    for (let i = 0; i < recipients.length; i += CHUNK) {
      const rows: NewOutboxItem[] = recipients.slice(i, i + CHUNK).map((r, n) => ({
        id: announcementRowId(announcement.id, r),
        channel: r.channel,
        chatId: r.chatId,
        kind: "announcement",
        ref: announcement.id,
        payload: announcementMessage(texts, r.lang, announcement, r.audience, name, r.threadId),
        createdAt: now,
        seq: i + n,
      }));
      added += await delivery.enqueue(rows);
    }
    if (await announcements.markQueued(announcement, recipients.length)) {
      logger.info({ announcement: announcement.id, municipality: announcement.municipality, recipients: recipients.length }, "announcement queued");
    }
    return added;
  }
}

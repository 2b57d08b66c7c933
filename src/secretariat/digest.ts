/**
 * The daily digest of each secretariat group, at DIGEST_HOUR in the deployment's time zone: the
 * reports filed since the last digest, the open ones by status, and those overdue by the days
 * config/statuses.yaml sets per status. It goes through the outbox under the id
 * `digest:<chat>:<local date>`, so each group gets one a day whatever the restarts (a process that
 * starts after the hour sends the day's digest then, once).
 */

import { randomUUID } from "node:crypto";
import type { LinkedChat } from "../domain/model/linked-chat.js";
import { daysInStatus } from "../domain/overdue.js";
import { daysBefore } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { SecretariatDeps } from "./deps.js";

/** Reports a digest names one by one, per section; the rest are counted. */
const LISTED = 10;
/** Open reports looked at for overdue ones, per group. */
const OPEN_SCANNED = 2000;
/** How often the hour is checked. */
const CHECK_MS = 60_000;

/** The local date (YYYY-MM-DD) and hour of an instant in a time zone. */
export function localTime(at: Date, timeZone: string): { date: string; hour: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

export class DailyDigest {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(private readonly deps: SecretariatDeps) {}

  start(): void {
    if (this.deps.digestHour === null || this.timer) return;
    const tick = () => {
      this.running ??= this.runOnce()
        .catch((err) => {
          this.deps.logger.warn({ err: errorInfo(err) }, "daily digest not queued");
          return 0;
        })
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, CHECK_MS);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Queues today's digest for every group that has not had it, once the hour has come; resolves with how many. */
  async runOnce(): Promise<number> {
    const { deps } = this;
    if (deps.digestHour === null) return 0;
    const now = deps.clock.now();
    const local = localTime(now, deps.timeZone);
    if (local.hour < deps.digestHour) return 0;
    let queued = 0;
    for (const group of await deps.chats.list("secretariat")) {
      if (group.problem) continue;
      const id = `digest:${group.chatId}:${local.date}`;
      if (await deps.outbox.get(id)) continue;
      const yesterday = localTime(daysBefore(now, 1), deps.timeZone).date;
      const last = (await deps.outbox.get(`digest:${group.chatId}:${yesterday}`))?.createdAt;
      // After the last digest (what it listed is not new again), or the last day.
      const since = last ? new Date(new Date(last).getTime() + 1) : daysBefore(now, 1);
      const text = await this.compose(group, since, now);
      queued += await deps.delivery.enqueue([
        {
          id,
          channel: "telegram",
          chatId: group.chatId,
          kind: "digest",
          ref: group.municipality,
          payload: { id: randomUUID(), lang: deps.lang, text },
          createdAt: now,
        },
      ]);
    }
    return queued;
  }

  /** The digest's text for one group. */
  async compose(group: LinkedChat, since: Date, now: Date): Promise<string> {
    const { deps } = this;
    const { texts, lang, lifecycle, reports } = deps;
    const t = (key: string, params?: Record<string, unknown>) => texts.t(lang, key, params);
    const municipality = group.municipality;
    const date = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: deps.timeZone }).format(now);
    const lines = [t("secretariat.digest.title", { municipality: deps.municipalities.get(municipality)?.name ?? municipality, date }), ""];

    const fresh = await reports.list({ municipality, since }, LISTED + 1);
    if (fresh.length === 0) lines.push(t("secretariat.digest.none_new"));
    else {
      const total = fresh.length > LISTED ? Object.values(await reports.countByStatus({ municipality, since })).reduce((a, b) => a + b, 0) : fresh.length;
      lines.push(t("secretariat.digest.new", { count: total }));
      for (const r of fresh.slice(0, LISTED)) lines.push(t("secretariat.digest.new_item", { folio: r.folio, category: r.category }));
      if (total > LISTED) lines.push(t("secretariat.digest.more", { count: total - LISTED }));
    }

    const { open } = lifecycle;
    const counts = await reports.countByStatus({ municipality, statuses: open });
    lines.push("");
    if (open.every((s) => !counts[s])) lines.push(t("secretariat.digest.none_open"));
    else {
      lines.push(t("secretariat.digest.open"));
      for (const status of open) if (counts[status]) lines.push(t("secretariat.digest.open_item", { status, count: counts[status] }));
    }

    const watched = open.filter((s) => lifecycle.get(s)?.overdueDays);
    const overdue = watched.length
      ? (await reports.list({ municipality, statuses: watched }, OPEN_SCANNED))
          .map((r) => ({ r, ...daysInStatus(r, lifecycle, now) }))
          .filter((o) => o.limit > 0 && o.days >= o.limit)
          .sort((a, b) => b.days - a.days)
      : [];
    lines.push("");
    if (overdue.length === 0) lines.push(t("secretariat.digest.none_overdue"));
    else {
      lines.push(t("secretariat.digest.overdue"));
      for (const o of overdue.slice(0, LISTED)) {
        lines.push(t("secretariat.digest.overdue_item", { folio: o.r.folio, status: o.r.status, count: o.days, limit: o.limit }));
      }
      if (overdue.length > LISTED) lines.push(t("secretariat.digest.more", { count: overdue.length - LISTED }));
    }
    // Data requests (ARCO) a person must answer, with the nearest legal deadline.
    const requests = (await deps.dataRights?.pending([municipality])) ?? [];
    if (requests.length) lines.push("", t("secretariat.digest.data_requests", { count: requests.length, deadline: requests[0].deadline }));
    return lines.join("\n");
  }
}

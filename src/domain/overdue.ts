/**
 * When an open report is overdue: it has stayed in its status longer than the status's
 * `overdue_days` (config/statuses.yaml). The daily digest and the panel's inbox and statistics ask here.
 */

import { DAY_MS, daysBefore } from "../util/clock.js";
import type { Report, StatusChange } from "./model/report.js";
import type { Lifecycle } from "./statuses.js";

/** What is read of a report here: when it was filed, its status, and when and how each step was taken. */
type Timeline = Pick<Report, "createdAt" | "status"> & { history: readonly Pick<StatusChange, "kind" | "at">[] };

/** When the report entered its status: its last change that was not only an answer. */
export function inStatusSince(report: Omit<Timeline, "status">): Date {
  const last = [...report.history].reverse().find((h) => h.kind !== "answer");
  return last?.at ?? report.createdAt;
}

/** Whole days the report has been in its status, and the status's limit (0: never overdue). */
export function daysInStatus(report: Timeline, lifecycle: Lifecycle, now: Date): { days: number; limit: number } {
  return { days: Math.floor((now.getTime() - inStatusSince(report).getTime()) / DAY_MS), limit: lifecycle.get(report.status)?.overdueDays ?? 0 };
}

export function isOverdue(report: Timeline, lifecycle: Lifecycle, now: Date): boolean {
  const { days, limit } = daysInStatus(report, lifecycle, now);
  return limit > 0 && days >= limit;
}

/**
 * What a store can look for to find the overdue ones among: reports of each status with a limit,
 * created before the limit (a report is never longer in its status than since it was created).
 */
export function overdueCandidates(lifecycle: Lifecycle, now: Date, statuses: readonly string[] = lifecycle.all): { status: string; before: Date }[] {
  return statuses.flatMap((status) => {
    const limit = lifecycle.get(status)?.overdueDays;
    return limit ? [{ status, before: daysBefore(now, limit) }] : [];
  });
}

/**
 * The numbers of the secretariat's monthly session, from report summaries: how many by status,
 * category, channel, month and municipality; the median time to the first response of the
 * secretariat and to resolution; how many open reports are overdue.
 */
import type { ReportSummary } from "../store/ports.js";
import { isOverdue } from "./overdue.js";
import type { Lifecycle } from "./statuses.js";

export interface ReportStatistics {
  total: number;
  byStatus: Record<string, number>;
  byCategory: Record<string, number>;
  byChannel: Record<string, number>;
  /** The last `months` calendar months, oldest first ("2026-11"), with the reports filed in each. */
  byMonth: { month: string; count: number }[];
  byMunicipality: Record<string, number>;
  /** Hours from filing to the secretariat's first move or answer; null when no report has one. */
  medianFirstResponseHours: number | null;
  /** Hours from filing to the first resolution (a status the citizen is asked to confirm, resuelto). */
  medianResolutionHours: number | null;
  overdue: number;
}

const HOUR = 3600_000;
/** Who is not the secretariat in a report's history. */
const NOT_STAFF = new Set(["system", "citizen"]);

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function monthOf(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit" }).format(at).slice(0, 7);
}

function lastMonths(now: Date, count: number, timeZone: string): string[] {
  const [y, m] = monthOf(now, timeZone).split("-").map(Number);
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (count - 1 - i), 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  });
}

export function reportStatistics(rows: readonly ReportSummary[], lifecycle: Lifecycle, now: Date, timeZone: string, months = 12): ReportStatistics {
  const count = (into: Record<string, number>, key: string) => {
    into[key] = (into[key] ?? 0) + 1;
  };
  const stats: ReportStatistics = {
    total: rows.length,
    byStatus: {},
    byCategory: {},
    byChannel: {},
    byMonth: [],
    byMunicipality: {},
    medianFirstResponseHours: null,
    medianResolutionHours: null,
    overdue: 0,
  };
  const perMonth = new Map(lastMonths(now, months, timeZone).map((m) => [m, 0]));
  const firstResponse: number[] = [];
  const resolution: number[] = [];
  for (const r of rows) {
    count(stats.byStatus, r.status);
    count(stats.byCategory, r.category);
    count(stats.byChannel, r.channel);
    count(stats.byMunicipality, r.municipality);
    const month = monthOf(r.createdAt, timeZone);
    if (perMonth.has(month)) perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
    const created = r.createdAt.getTime();
    const response = r.history.find((h, i) => i > 0 && !NOT_STAFF.has(h.by));
    if (response) firstResponse.push((response.at.getTime() - created) / HOUR);
    const resolved = r.history.find((h) => h.kind === "status" && lifecycle.get(h.status)?.asksCitizen);
    if (resolved) resolution.push((resolved.at.getTime() - created) / HOUR);
    if (lifecycle.isOpen(r.status) && isOverdue(r, lifecycle, now)) stats.overdue++;
  }
  stats.byMonth = [...perMonth].map(([month, n]) => ({ month, count: n }));
  stats.medianFirstResponseHours = median(firstResponse);
  stats.medianResolutionHours = median(resolution);
  return stats;
}

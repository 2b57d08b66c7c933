/** A report filter in MongoDB's query language, which nedb speaks too. Values are the filter's own, made text. */
import type { ReportFilter } from "./ports.js";

export function reportQuery(filter: ReportFilter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  if (filter.municipality !== undefined) query.municipality = String(filter.municipality);
  if (filter.category !== undefined) query.category = String(filter.category);
  if (filter.statuses) query.status = { $in: filter.statuses.map(String) };
  if (filter.since || filter.until) {
    const created: Record<string, Date> = {};
    if (filter.since) created.$gte = new Date(filter.since);
    if (filter.until) created.$lt = new Date(filter.until);
    query.createdAt = created;
  }
  return query;
}

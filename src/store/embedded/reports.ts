import { distanceMeters, EARTH_RADIUS_M, type GeoPoint, type Report, reportWithDefaults } from "../../domain/model/report.js";
import type { InboxFilter, InboxPage, NearbyQuery, ReportFilter, ReportRepository, ReportSummary } from "../ports.js";
import { inboxOrder, inboxQuery, reportQuery } from "../report-query.js";
import { type Collection, findMany, fromDoc } from "./collection.js";
import { indexedDocuments, inQueue } from "./index-trees.js";

/**
 * Keys this store keeps beside each report so the inbox's usual filters are answered from an index
 * of a few dozen reports rather than matching every report of a municipality (nedb answers from the
 * index of one plain value): municipality|status, municipality|category, municipality|status|category.
 */
function inboxKeys(r: Pick<Report, "municipality" | "status" | "category">): Record<"_ms" | "_mc" | "_msc", string> {
  return { _ms: key(r.municipality, r.status), _mc: key(r.municipality, r.category), _msc: key(r.municipality, r.status, r.category) };
}

/** One of those keys: the values joined by `|`. */
function key(...values: unknown[]): string {
  return values.map(String).join("|");
}

function toDoc(report: Report): Record<string, unknown> {
  const doc: Record<string, unknown> = { _id: report.id, ...report, ...inboxKeys(report) };
  // Only reports waiting for dispatch have the key (its index lists only them).
  if (report.dispatchPending) doc._pending = true;
  // Only reports the retention job has not de-identified have their creation time here (ms: nedb's index
  // of dates answers no range): its pass reads those alone.
  if (!report.purgedAt) doc._unpurged = new Date(report.createdAt).getTime();
  return doc;
}

/** A stored document without the keys only this store keeps (for the migration to MongoDB too). */
export function withoutInboxKeys(doc: Record<string, unknown>): Record<string, unknown> {
  const { _ms, _mc, _msc, _pending, _unpurged, ...rest } = doc;
  return rest;
}

/** A stored report as the domain knows it, whatever version of the bot saved it. */
function toReport(doc: Record<string, unknown> | null): Report | null {
  if (!doc) return null;
  const report = fromDoc<Report>(withoutInboxKeys(doc));
  return report ? reportWithDefaults(report) : null;
}

/** The inbox's query, narrowed by the key of the filter's single municipality, status and category when it has them (last: nedb uses the last indexed plain value). */
function inboxLookup(filter: InboxFilter): Record<string, unknown> {
  const query = inboxQuery(filter);
  const m = filter.municipalities?.length === 1 ? filter.municipalities[0] : undefined;
  const s = filter.statuses?.length === 1 ? filter.statuses[0] : undefined;
  const c = filter.category;
  if (m && s && c) query._msc = key(m, s, c);
  else if (m && c) query._mc = key(m, c);
  else if (m && s) query._ms = key(m, s);
  return query;
}

/** The fields statistics read. */
const SUMMARY = { municipality: 1, category: 1, status: 1, channel: 1, createdAt: 1, history: 1 };

function toSummary(doc: Record<string, unknown>): ReportSummary {
  const r = fromDoc<ReportSummary>(doc) as ReportSummary;
  return { ...r, history: r.history ?? [] };
}

export class EmbeddedReports implements ReportRepository {
  constructor(private readonly db: Collection) {}

  async insert(report: Report): Promise<void> {
    await this.db.insertAsync(toDoc(report));
  }

  async byId(id: string): Promise<Report | null> {
    return toReport(await this.db.findOneAsync({ _id: String(id) }));
  }

  async byFolio(folio: string): Promise<Report | null> {
    return toReport(await this.db.findOneAsync({ folio: String(folio) }));
  }

  async byCitizen(citizenId: string, limit: number): Promise<Report[]> {
    const docs = await findMany<Record<string, unknown>>(
      this.db
        .findAsync({ citizenId: String(citizenId) })
        .sort({ createdAt: -1 })
        .limit(limit),
    );
    return docs.map((d) => toReport(d) as Report);
  }

  async count(): Promise<number> {
    return (await this.db.countAsync({})) as unknown as number;
  }

  async update(report: Report, expectedVersion: number): Promise<boolean> {
    const { numAffected } = await this.db.updateAsync({ _id: report.id, version: expectedVersion }, toDoc(report), {});
    return numAffected === 1;
  }

  async undispatched(limit: number): Promise<Report[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({ _pending: true }).sort({ updatedAt: 1 }).limit(limit));
    return docs.map((d) => toReport(d) as Report);
  }

  async markDispatched(id: string, version: number): Promise<void> {
    await this.db.updateAsync({ _id: String(id), version }, { $set: { dispatched: version, dispatchPending: false }, $unset: { _pending: true } }, {});
    // Changed meanwhile: what this version set off is queued, the later change still waits.
    await this.db.updateAsync({ _id: String(id), version: { $gt: version }, dispatched: { $lt: version } }, { $set: { dispatched: version } }, {});
  }

  async list(filter: ReportFilter, limit: number): Promise<Report[]> {
    const query = reportQuery(filter);
    // Not yet de-identified, created within the window: read from the key only those reports have (the retention pass).
    if (filter.unpurged) {
      query._unpurged = {
        $gte: filter.since ? new Date(filter.since).getTime() : Number.MIN_SAFE_INTEGER,
        ...(filter.until ? { $lt: new Date(filter.until).getTime() } : {}),
      };
    }
    const docs = await findMany<Record<string, unknown>>(
      this.db
        .findAsync(query)
        .sort({ createdAt: filter.oldestFirst ? 1 : -1, _id: 1 })
        .limit(limit),
    );
    return docs.map((d) => toReport(d) as Report);
  }

  async countByStatus(filter: ReportFilter): Promise<Record<string, number>> {
    const docs = await findMany<{ status: string }>(this.db.findAsync(reportQuery(filter), { status: 1 }));
    const counts: Record<string, number> = {};
    for (const { status } of docs) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  /**
   * Gives reports stored by an earlier version the keys only this store keeps — the inbox's,
   * `_pending` on those waiting for dispatch, `_unpurged` on those not de-identified — in one pass over
   * the reports (once: later writes keep them).
   */
  async addInboxKeys(): Promise<number> {
    const docs = await findMany<Record<string, unknown>>(
      this.db.findAsync({
        $or: [
          { _msc: { $exists: false } },
          { dispatchPending: true, _pending: { $exists: false } },
          { purgedAt: { $exists: false }, _unpurged: { $exists: false } },
        ],
      }),
    );
    for (const doc of docs) {
      const report = toReport(doc) as Report;
      await this.db.updateAsync(
        { _id: report.id, version: report.version },
        {
          $set: {
            ...inboxKeys(report),
            ...(report.dispatchPending ? { _pending: true } : {}),
            ...(report.purgedAt ? {} : { _unpurged: new Date(report.createdAt).getTime() }),
          },
        },
        {},
      );
    }
    return docs.length;
  }

  async inbox(filter: InboxFilter, page: InboxPage): Promise<{ reports: Report[]; total: number }> {
    const query = inboxLookup(filter);
    const [docs, total] = await Promise.all([
      findMany<Record<string, unknown>>(this.db.findAsync(query).sort(inboxOrder(page.sort)).skip(page.offset).limit(page.limit)),
      this.db.countAsync(query) as unknown as Promise<number>,
    ]);
    return { reports: docs.map((d) => toReport(d) as Report), total };
  }

  async inboxCounts(filter: InboxFilter): Promise<Record<string, number>> {
    const docs = await findMany<{ status: string }>(this.db.findAsync(inboxLookup(filter), { status: 1 }));
    const counts: Record<string, number> = {};
    for (const { status } of docs) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  async summaries(filter: InboxFilter): Promise<ReportSummary[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(inboxLookup(filter), SUMMARY));
    return docs.map((d) => {
      const r = toSummary(d);
      return { id: r.id, municipality: r.municipality, category: r.category, status: r.status, channel: r.channel, createdAt: r.createdAt, history: r.history };
    });
  }

  async nearby(q: NearbyQuery): Promise<Report[]> {
    if (q.limit < 1) return [];
    return inQueue(this.db, () => this.nearbyNow(q));
  }

  /** `nearby`, read from nedb's memory (in its queue). */
  private nearbyNow(q: NearbyQuery): Report[] {
    const open = new Set(q.statuses.map(String));
    const since = new Date(q.since).getTime();
    /** When a report of the category, open, was filed, in ms; NaN for any other (or older than `since`). */
    const openSince = (doc: Record<string, unknown>) => {
      if (doc.category !== q.category || !open.has(doc.status as string)) return Number.NaN;
      const at = createdMs(doc);
      return at >= since ? at : Number.NaN;
    };
    if ("municipality" in q.where) {
      const { municipality } = q.where;
      const inIt = (doc: Record<string, unknown>) => (doc.municipality === municipality ? openSince(doc) : Number.NaN);
      return this.newestOf(key(municipality, q.category), inIt, q.limit);
    }
    // The reports of the category within a box around the point, then the distance decides.
    const { point, meters } = q.where;
    const dLat = (meters / EARTH_RADIUS_M) * (180 / Math.PI);
    const dLon = dLat / Math.max(Math.cos((point.latitude * Math.PI) / 180), 0.01);
    const near: { doc: Record<string, unknown>; meters: number; at: number }[] = [];
    for (const doc of indexedDocuments(this.db, "category", String(q.category))) {
      const where = doc.location as GeoPoint | null | undefined;
      if (!where || Math.abs(where.latitude - point.latitude) > dLat || Math.abs(where.longitude - point.longitude) > dLon) continue;
      const at = openSince(doc);
      if (Number.isNaN(at)) continue;
      const m = distanceMeters(point, where);
      if (m <= meters) near.push({ doc, meters: m, at });
    }
    near.sort((a, b) => a.meters - b.meters || b.at - a.at);
    return near.slice(0, q.limit).map(({ doc }) => copy(doc));
  }

  /**
   * The newest open reports of a municipality and category (`key`: their `_mc`), read from the index's
   * list: a municipality's potholes are hundreds of reports, of which the citizen is shown a few. A
   * query would copy every one that matches to sort them (about 1 ms for 200, at the category step).
   */
  private newestOf(key: string, openSince: (doc: Record<string, unknown>) => number, limit: number): Report[] {
    // Newest first; of the same time, in the index's order (as a query sorted by time gives them).
    const newest: { doc: Record<string, unknown>; at: number }[] = [];
    for (const doc of indexedDocuments(this.db, "_mc", key)) {
      const at = openSince(doc);
      if (Number.isNaN(at) || (newest.length === limit && at <= newest[newest.length - 1].at)) continue;
      let i = newest.length;
      while (i > 0 && newest[i - 1].at < at) i--;
      newest.splice(i, 0, { doc, at });
      if (newest.length > limit) newest.pop();
    }
    return newest.map(({ doc }) => copy(doc));
  }
}

/** When a stored report was filed, in ms (a Date as nedb keeps it; read without making another). */
function createdMs(doc: Record<string, unknown>): number {
  const at = doc.createdAt;
  return at instanceof Date ? at.getTime() : new Date(at as string).getTime();
}

/** A document read from an index's list, as a report of its own (nothing shared with the stored one). */
function copy(doc: Record<string, unknown>): Report {
  return toReport(structuredClone(doc)) as Report;
}

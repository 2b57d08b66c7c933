import { distanceMeters, EARTH_RADIUS_M, type Report, reportWithDefaults } from "../../domain/model/report.js";
import type { InboxFilter, InboxPage, NearbyQuery, ReportFilter, ReportRepository, ReportSummary } from "../ports.js";
import { inboxOrder, inboxQuery, reportQuery } from "../report-query.js";
import { type Collection, findMany, fromDoc } from "./collection.js";

/** A stored report as the domain knows it, whatever version of the bot saved it. */
function toReport(doc: Record<string, unknown> | null): Report | null {
  const report = fromDoc<Report>(doc);
  return report ? reportWithDefaults(report) : null;
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
    await this.db.insertAsync({ _id: report.id, ...report });
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
    const { numAffected } = await this.db.updateAsync({ _id: report.id, version: expectedVersion }, { _id: report.id, ...report }, {});
    return numAffected === 1;
  }

  async undispatched(limit: number): Promise<Report[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({ dispatchPending: true }).sort({ updatedAt: 1 }).limit(limit));
    return docs.map((d) => toReport(d) as Report);
  }

  async markDispatched(id: string, version: number): Promise<void> {
    await this.db.updateAsync({ _id: String(id), version }, { $set: { dispatched: version, dispatchPending: false } }, {});
    // Changed meanwhile: what this version set off is queued, the later change still waits.
    await this.db.updateAsync({ _id: String(id), version: { $gt: version }, dispatched: { $lt: version } }, { $set: { dispatched: version } }, {});
  }

  async list(filter: ReportFilter, limit: number): Promise<Report[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(reportQuery(filter)).sort({ createdAt: -1 }).limit(limit));
    return docs.map((d) => toReport(d) as Report);
  }

  async countByStatus(filter: ReportFilter): Promise<Record<string, number>> {
    const docs = await findMany<{ status: string }>(this.db.findAsync(reportQuery(filter), { status: 1 }));
    const counts: Record<string, number> = {};
    for (const { status } of docs) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  async inbox(filter: InboxFilter, page: InboxPage): Promise<{ reports: Report[]; total: number }> {
    const query = inboxQuery(filter);
    const [docs, total] = await Promise.all([
      findMany<Record<string, unknown>>(this.db.findAsync(query).sort(inboxOrder(page.sort)).skip(page.offset).limit(page.limit)),
      this.db.countAsync(query) as unknown as Promise<number>,
    ]);
    return { reports: docs.map((d) => toReport(d) as Report), total };
  }

  async inboxCounts(filter: InboxFilter): Promise<Record<string, number>> {
    const docs = await findMany<{ status: string }>(this.db.findAsync(inboxQuery(filter), { status: 1 }));
    const counts: Record<string, number> = {};
    for (const { status } of docs) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  async summaries(filter: InboxFilter): Promise<ReportSummary[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(inboxQuery(filter), SUMMARY));
    return docs.map((d) => {
      const r = toSummary(d);
      return { id: r.id, municipality: r.municipality, category: r.category, status: r.status, channel: r.channel, createdAt: r.createdAt, history: r.history };
    });
  }

  async nearby(q: NearbyQuery): Promise<Report[]> {
    const query: Record<string, unknown> = { status: { $in: q.statuses.map(String) }, createdAt: { $gte: new Date(q.since) } };
    if ("municipality" in q.where) {
      query.municipality = String(q.where.municipality);
      query.category = String(q.category);
      const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query).sort({ createdAt: -1 }).limit(q.limit));
      return docs.map((d) => toReport(d) as Report);
    }
    // A box around the point narrows the reports of the category (the index nedb uses); the distance decides.
    const { point, meters } = q.where;
    const dLat = (meters / EARTH_RADIUS_M) * (180 / Math.PI);
    const dLon = dLat / Math.max(Math.cos((point.latitude * Math.PI) / 180), 0.01);
    query["location.latitude"] = { $gte: point.latitude - dLat, $lte: point.latitude + dLat };
    query["location.longitude"] = { $gte: point.longitude - dLon, $lte: point.longitude + dLon };
    query.category = String(q.category);
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query));
    return docs
      .map((d) => toReport(d) as Report)
      .map((report) => ({ report, meters: report.location ? distanceMeters(point, report.location) : Number.POSITIVE_INFINITY }))
      .filter((r) => r.meters <= meters)
      .sort((a, b) => a.meters - b.meters || b.report.createdAt.getTime() - a.report.createdAt.getTime())
      .slice(0, q.limit)
      .map((r) => r.report);
  }
}

import { type Connection, Schema, trusted } from "mongoose";
import { CHANNELS } from "../../domain/model/channel.js";
import { type GeoPoint, type Report, reportWithDefaults } from "../../domain/model/report.js";
import { LANGUAGES } from "../../locale/languages.js";
import type { InboxFilter, InboxPage, NearbyQuery, ReportFilter, ReportRepository, ReportSummary } from "../ports.js";
import { inboxOrder, inboxQuery, reportQuery } from "../report-query.js";
import { DURABLE, nullableString, SCHEMA_OPTIONS, trustQuery } from "./collection.js";

const pointSchema = new Schema(
  {
    type: { type: String, enum: ["Point"], required: true },
    // [longitude, latitude], as GeoJSON orders them
    coordinates: {
      type: [Number],
      required: true,
      validate: {
        validator: (c: number[]) => c.length === 2 && Math.abs(c[0]) <= 180 && Math.abs(c[1]) <= 90,
        message: "coordinates must be [longitude, latitude]",
      },
    },
  },
  SCHEMA_OPTIONS,
);
const statusChangeSchema = new Schema(
  {
    status: { type: String, required: true, match: /^[a-z][a-z0-9_]{0,39}$/ },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    note: nullableString,
    kind: { type: String, enum: ["status", "answer", "reopened", "disputed"], default: "status" },
    area: nullableString,
    version: { type: Number, min: 1 },
  },
  SCHEMA_OPTIONS,
);
const noteSchema = new Schema(
  {
    at: { type: Date, required: true },
    by: { type: String, required: true },
    text: { type: String, required: true, maxlength: 4000 },
  },
  SCHEMA_OPTIONS,
);

const publicationSchema = new Schema(
  {
    description: { type: String, default: null, maxlength: 4000 },
    photos: { type: [String], default: [] },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  SCHEMA_OPTIONS,
);

export const reportSchema = new Schema(
  {
    _id: { type: String, required: true },
    folio: { type: String, required: true, match: /^[A-Z]{3}-\d{4}-\d{6}$/ },
    municipality: { type: String, required: true, match: /^\d{5}$/ },
    category: { type: String, required: true },
    // "" once the citizen's data is deleted (the report stays, de-identified).
    description: { type: String, default: "", maxlength: 4000 },
    location: { type: pointSchema, default: undefined },
    address: { type: String, default: null, maxlength: 400 },
    photos: { type: [String], default: [] },
    channel: { type: String, enum: CHANNELS, required: true },
    citizenId: nullableString,
    anonymous: { type: Boolean, required: true },
    contactable: { type: Boolean, required: true },
    language: { type: String, enum: LANGUAGES, required: true },
    status: { type: String, required: true, match: /^[a-z][a-z0-9_]{0,39}$/ },
    history: { type: [statusChangeSchema], required: true },
    area: nullableString,
    duplicateOf: nullableString,
    notes: { type: [noteSchema], default: [] },
    followers: { type: Number, default: 0, min: 0 },
    version: { type: Number, default: 1, min: 1 },
    dispatched: { type: Number, default: 0, min: 0 },
    dispatchPending: { type: Boolean, default: false },
    publication: { type: publicationSchema, default: undefined },
    purgedAt: { type: Date, default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...DURABLE, collection: "reports" },
);
reportSchema.index({ folio: 1 }, { unique: true });
reportSchema.index({ municipality: 1, status: 1, createdAt: -1 });
/**
 * "My reports". Anonymous reports (citizenId null) stay out of it. The filter is a range, not
 * `{$type: "string"}`: the planner uses a partial index only when the query implies its filter, and
 * `{citizenId: "telegram:1"}` implies `citizenId > ""` but not a `$type` test.
 */
export const CITIZEN_INDEX = "reports_by_citizen";
reportSchema.index({ citizenId: 1, createdAt: -1 }, { name: CITIZEN_INDEX, partialFilterExpression: { citizenId: { $gt: "" } } });
reportSchema.index({ location: "2dsphere" });
// Reports whose changes still have to set off notices and cards.
reportSchema.index({ updatedAt: 1 }, { name: "reports_to_dispatch", partialFilterExpression: { dispatchPending: true } });

/** Indexes earlier versions created and no query uses any more; dropped at start-up. */
export const RETIRED_REPORT_INDEXES = [
  // the `{$type: "string"}` partial index the planner never chose
  "citizenId_1_createdAt_-1",
];

export const reportModel = (conn: Connection) => conn.model("Report", reportSchema);

/** GeoJSON keeps [longitude, latitude]; the domain keeps names. */
export function toGeoJson(p: GeoPoint | null): { type: "Point"; coordinates: [number, number] } | undefined {
  return p ? { type: "Point", coordinates: [p.longitude, p.latitude] } : undefined;
}

export function reportToDoc(report: Report): Record<string, unknown> {
  const { id, location, ...rest } = report;
  const doc: Record<string, unknown> = { _id: id, ...rest };
  const point = toGeoJson(location);
  if (point) doc.location = point;
  return doc;
}

export function reportFromDoc(doc: Record<string, unknown>): Report {
  const { _id, location, ...rest } = doc;
  const coords = (location as { coordinates?: number[] } | undefined)?.coordinates;
  // Whatever version of the bot saved it.
  return reportWithDefaults({
    id: String(_id),
    ...rest,
    location: coords ? { latitude: coords[1], longitude: coords[0] } : null,
  } as Report);
}

export class MongoReports implements ReportRepository {
  constructor(private readonly model: ReturnType<typeof reportModel>) {}

  async insert(report: Report): Promise<void> {
    await this.model.create(reportToDoc(report));
  }

  async byId(id: string): Promise<Report | null> {
    const doc = await this.model.findById(String(id)).lean();
    return doc ? reportFromDoc(doc as Record<string, unknown>) : null;
  }

  async byFolio(folio: string): Promise<Report | null> {
    const doc = await this.model.findOne({ folio: String(folio) }).lean();
    return doc ? reportFromDoc(doc as Record<string, unknown>) : null;
  }

  async byCitizen(citizenId: string, limit: number): Promise<Report[]> {
    const docs = await this.model
      .find({ citizenId: String(citizenId) })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean();
    return docs.map((d) => reportFromDoc(d as Record<string, unknown>));
  }

  count(): Promise<number> {
    return this.model.countDocuments({});
  }

  async *photoIds(): AsyncIterable<string> {
    // Every report, these fields only: a filter on them would need trusted operators (sanitizeFilter
    // turns an untrusted `$exists` into a match of nothing), and would save little.
    for await (const doc of this.model.find({}, { photos: 1, "publication.photos": 1 }).lean().cursor()) {
      const d = doc as { photos?: unknown[]; publication?: { photos?: unknown[] } | null };
      for (const id of [...(d.photos ?? []), ...(d.publication?.photos ?? [])]) yield String(id);
    }
  }

  async update(report: Report, expectedVersion: number): Promise<boolean> {
    const res = await this.model.replaceOne({ _id: report.id, version: expectedVersion }, reportToDoc(report), { runValidators: true });
    return res.modifiedCount === 1;
  }

  async undispatched(limit: number): Promise<Report[]> {
    const docs = await this.model.find({ dispatchPending: true }).sort({ updatedAt: 1 }).limit(limit).lean();
    return docs.map((d) => reportFromDoc(d as Record<string, unknown>));
  }

  async markDispatched(id: string, version: number): Promise<void> {
    await this.model.updateOne({ _id: String(id), version }, { $set: { dispatched: version, dispatchPending: false } });
    // Changed meanwhile: what this version set off is queued, the later change still waits.
    await this.model.updateOne(
      { _id: String(id), version: trusted({ $gt: version }), dispatched: trusted({ $lt: version }) },
      { $set: { dispatched: version } },
    );
  }

  async list(filter: ReportFilter, limit: number): Promise<Report[]> {
    const docs = await this.model
      .find(trustQuery(reportQuery(filter)))
      .sort({ createdAt: filter.oldestFirst ? 1 : -1, _id: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => reportFromDoc(d as Record<string, unknown>));
  }

  async countByStatus(filter: ReportFilter): Promise<Record<string, number>> {
    const rows = await this.model.aggregate<{ _id: string; n: number }>([{ $match: reportQuery(filter) }, { $group: { _id: "$status", n: { $sum: 1 } } }]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  async inbox(filter: InboxFilter, page: InboxPage): Promise<{ reports: Report[]; total: number }> {
    const query = trustQuery(inboxQuery(filter));
    const [docs, total] = await Promise.all([
      this.model.find(query).sort(inboxOrder(page.sort)).skip(page.offset).limit(page.limit).lean(),
      this.model.countDocuments(query),
    ]);
    return { reports: docs.map((d) => reportFromDoc(d as Record<string, unknown>)), total };
  }

  async inboxCounts(filter: InboxFilter): Promise<Record<string, number>> {
    const rows = await this.model.aggregate<{ _id: string; n: number }>([{ $match: inboxQuery(filter) }, { $group: { _id: "$status", n: { $sum: 1 } } }]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  async summaries(filter: InboxFilter): Promise<ReportSummary[]> {
    const docs = await this.model
      .find(trustQuery(inboxQuery(filter)), { municipality: 1, category: 1, status: 1, channel: 1, createdAt: 1, history: 1 })
      .lean();
    return docs.map((d) => {
      const { _id, municipality, category, status, channel, createdAt, history } = d as unknown as ReportSummary & { _id: string };
      return { id: String(_id), municipality, category, status, channel, createdAt, history: history ?? [] };
    });
  }

  async nearby(q: NearbyQuery): Promise<Report[]> {
    // MongoDB reads a limit of 0 as none.
    if (q.limit < 1) return [];
    const filter: Record<string, unknown> = {
      category: String(q.category),
      status: trusted({ $in: q.statuses.map(String) }),
      createdAt: trusted({ $gte: new Date(q.since) }),
    };
    if ("municipality" in q.where) {
      filter.municipality = String(q.where.municipality);
      const docs = await this.model.find(filter).sort({ createdAt: -1 }).limit(q.limit).lean();
      return docs.map((d) => reportFromDoc(d as Record<string, unknown>));
    }
    // The 2dsphere index answers, nearest first.
    const { point, meters } = q.where;
    filter.location = trusted({ $nearSphere: { $geometry: toGeoJson(point), $maxDistance: Number(meters) } });
    const docs = await this.model.find(filter).limit(q.limit).lean();
    return docs.map((d) => reportFromDoc(d as Record<string, unknown>));
  }
}

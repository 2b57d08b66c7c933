/** The audit trail on MongoDB: one document per event, never updated. */
import { type Connection, Schema } from "mongoose";
import type { RecordedEvent } from "../../domain/model/events.js";
import type { EventRepository } from "../ports.js";
import { DURABLE } from "./collection.js";
import { insertNew } from "./insert-new.js";

export const eventSchema = new Schema(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true, match: /^[a-z_]{1,40}$/ },
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    report: { type: String, default: null },
    municipality: { type: String, default: null },
    citizen: { type: String, default: null },
    data: { type: Schema.Types.Mixed, required: true },
  },
  { ...DURABLE, collection: "events" },
);
// Newest first by report, municipality or citizen. The filters are ranges, not `{$type: "string"}`:
// the planner uses a partial index only for a query that implies its filter, and `{report: "r1"}`
// implies `report > ""` but not a `$type` test.
eventSchema.index({ report: 1, at: -1 }, { name: "events_by_report", partialFilterExpression: { report: { $gt: "" } } });
eventSchema.index({ municipality: 1, at: -1 }, { name: "events_by_municipality", partialFilterExpression: { municipality: { $gt: "" } } });
eventSchema.index({ citizen: 1, at: -1 }, { name: "events_by_citizen", partialFilterExpression: { citizen: { $gt: "" } } });

/** The `{$type: "string"}` partial indexes of the first version, which no query could use. */
export const RETIRED_EVENT_INDEXES = ["report_1_at_-1", "municipality_1_at_-1", "citizen_1_at_-1"];

export const eventModel = (conn: Connection) => conn.model("Event", eventSchema);

export class MongoEvents implements EventRepository {
  constructor(private readonly model: ReturnType<typeof eventModel>) {}

  async append(events: RecordedEvent[]): Promise<void> {
    // Events recorded already (a replayed message) stay as they are.
    await insertNew(
      this.model,
      events.map(({ id, ...rest }) => ({ _id: String(id), ...rest })),
    );
  }

  async list(filter: { report?: string; municipality?: string; citizen?: string; type?: string }, limit: number): Promise<RecordedEvent[]> {
    const query: Record<string, string> = {};
    for (const key of ["report", "municipality", "citizen", "type"] as const) if (filter[key] !== undefined) query[key] = String(filter[key]);
    const docs = await this.model.find(query).sort({ at: -1 }).limit(limit).lean();
    return docs.map(({ _id, ...rest }) => ({ id: String(_id), ...rest }) as RecordedEvent);
  }

  async forgetCitizen(citizen: string): Promise<number> {
    const query = { citizen: String(citizen) };
    // `data.citizen` is the event's own copy of the id (the Mixed field is set as a whole path).
    const res = await this.model.updateMany(query, [
      { $set: { citizen: null, data: { $cond: [{ $ifNull: ["$data.citizen", false] }, { $mergeObjects: ["$data", { citizen: null }] }, "$data"] } } },
    ]);
    return res.modifiedCount;
  }

  async pseudonymizeCitizens(pseudonym: (id: string) => string): Promise<number> {
    // A pseudonym starts with "p:", a chat id with its channel's name.
    const docs = await this.model.find({ citizen: { $gt: "", $not: /^p:/ } }, { citizen: 1, data: 1 }).lean();
    const ops = docs.map((doc) => {
      const data = { ...(doc.data as Record<string, unknown>) };
      if (typeof data.citizen === "string" && data.citizen) data.citizen = pseudonym(data.citizen);
      return { updateOne: { filter: { _id: doc._id, citizen: doc.citizen }, update: { $set: { citizen: pseudonym(String(doc.citizen)), data } } } };
    });
    for (let i = 0; i < ops.length; i += 1000) await this.model.bulkWrite(ops.slice(i, i + 1000), { ordered: false });
    return ops.length;
  }
}

/** The audit trail on MongoDB: one document per event, never updated. */
import { type Connection, Schema } from "mongoose";
import type { RecordedEvent } from "../../domain/model/events.js";
import type { EventRepository } from "../ports.js";
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
  {
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    minimize: false,
    _id: false,
    collection: "events",
    writeConcern: { w: "majority", j: true, wtimeout: 10_000 },
  },
);
eventSchema.index({ report: 1, at: -1 }, { partialFilterExpression: { report: { $type: "string" } } });
eventSchema.index({ municipality: 1, at: -1 }, { partialFilterExpression: { municipality: { $type: "string" } } });
eventSchema.index({ citizen: 1, at: -1 }, { partialFilterExpression: { citizen: { $type: "string" } } });

export function defineEventModel(conn: Connection) {
  return conn.model("Event", eventSchema);
}

export class MongoEvents implements EventRepository {
  constructor(private readonly model: ReturnType<typeof defineEventModel>) {}

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
}

/** The audit trail on the embedded store. */
import type { RecordedEvent } from "../../domain/model/events.js";
import type { EventRepository } from "../ports.js";
import { type Collection, findMany, isUniqueViolation } from "./collection.js";

export class EmbeddedEvents implements EventRepository {
  constructor(private readonly db: Collection) {}

  async append(events: RecordedEvent[]): Promise<void> {
    for (const { id, ...rest } of events) {
      try {
        await this.db.insertAsync({ _id: String(id), ...rest });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
  }

  async list(filter: { report?: string; municipality?: string; citizen?: string; type?: string }, limit: number): Promise<RecordedEvent[]> {
    const query: Record<string, string> = {};
    for (const key of ["report", "municipality", "citizen", "type"] as const) if (filter[key] !== undefined) query[key] = String(filter[key]);
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query).sort({ at: -1 }).limit(limit));
    return docs.map(({ _id, ...rest }) => ({ id: String(_id), ...rest }) as RecordedEvent);
  }

  async forgetCitizen(citizen: string): Promise<number> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({ citizen: String(citizen) }));
    for (const doc of docs) {
      const data = { ...(doc.data as Record<string, unknown>) };
      if ("citizen" in data) data.citizen = null;
      await this.db.updateAsync({ _id: doc._id }, { $set: { citizen: null, data } }, {});
    }
    return docs.length;
  }

  async pseudonymizeCitizens(pseudonym: (id: string) => string): Promise<number> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({ citizen: { $regex: /^(?!p:)/ } }));
    let changed = 0;
    for (const doc of docs) {
      const citizen = String(doc.citizen);
      const data = { ...(doc.data as Record<string, unknown>) };
      const own = typeof data.citizen === "string" && data.citizen ? pseudonym(data.citizen) : data.citizen;
      if (pseudonym(citizen) === citizen && own === data.citizen) continue;
      data.citizen = own;
      await this.db.updateAsync({ _id: doc._id }, { $set: { citizen: pseudonym(citizen), data } }, {});
      changed++;
    }
    return changed;
  }
}

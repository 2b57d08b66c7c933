import { type Connection, Schema } from "mongoose";
import type { CounterRepository } from "../ports.js";
import { DURABLE, isDuplicateKey } from "./collection.js";

/** Folio counters (majority: a number a failover rolls back would be handed out twice). */
export const counterSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true, min: 0 },
  },
  { ...DURABLE, collection: "counters" },
);

export const counterModel = (conn: Connection) => conn.model("Counter", counterSchema);

export class MongoCounters implements CounterRepository {
  constructor(private readonly model: ReturnType<typeof counterModel>) {}

  /** Atomic `$inc`; two first uses racing on a new counter both upsert, and the loser retries. */
  async next(name: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await this.model.findOneAndUpdate({ _id: String(name) }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: "after" }).lean();
        if (typeof doc?.seq !== "number") throw new Error(`counter ${name} returned no number`);
        return doc.seq;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= 10) throw err;
      }
    }
  }
}

import { type Connection, Schema, trusted } from "mongoose";
import { claimWithLease, INBOUND_TTL_S } from "../claim.js";
import type { ClaimResult, InboundRepository, JournaledMessage } from "../ports.js";
import { DURABLE, isDuplicateKey } from "./collection.js";

/** Inbound message ids (majority: a claim a failover rolls back would let a redelivery through twice). */
export const inboundSchema = new Schema(
  {
    _id: { type: String, required: true },
    state: { type: String, enum: ["processing", "done"], required: true },
    claimedAt: { type: Date, required: true },
    // The message itself, kept only until it is processed (dropped on completion).
    message: { type: Schema.Types.Mixed, default: undefined },
  },
  { ...DURABLE, collection: "inbound" },
);
inboundSchema.index({ claimedAt: 1 }, { expireAfterSeconds: INBOUND_TTL_S });
// Unfinished claims, found by the recovery sweep.
inboundSchema.index({ state: 1, claimedAt: 1 }, { partialFilterExpression: { state: "processing" } });

export const inboundModel = (conn: Connection) => conn.model("Inbound", inboundSchema);

export class MongoInbound implements InboundRepository {
  constructor(private readonly model: ReturnType<typeof inboundModel>) {}

  claim(id: string, now: Date, leaseMs: number, message?: JournaledMessage): Promise<ClaimResult> {
    const _id = String(id);
    return claimWithLease(
      {
        insert: async () => {
          try {
            await this.model.create({ _id, state: "processing", claimedAt: now, ...(message ? { message } : {}) });
            return true;
          } catch (err) {
            if (isDuplicateKey(err)) return false;
            throw err;
          }
        },
        takeOver: async (stale) => {
          const res = await this.model.updateOne({ _id, state: "processing", claimedAt: trusted({ $lt: stale }) }, { $set: { claimedAt: now } });
          return res.modifiedCount === 1;
        },
      },
      now,
      leaseMs,
    );
  }

  async complete(id: string, now: Date): Promise<void> {
    await this.model.updateOne({ _id: String(id) }, { $set: { state: "done", claimedAt: now }, $unset: { message: 1 } });
  }

  async unfinished(claimedBefore: Date, limit: number): Promise<JournaledMessage[]> {
    const docs = await this.model
      .find({ state: "processing", claimedAt: trusted({ $lt: claimedBefore }), message: trusted({ $exists: true }) })
      .sort({ claimedAt: 1 })
      .limit(limit)
      .lean();
    return docs.flatMap((d) => (d.message ? [d.message as unknown as JournaledMessage] : []));
  }
}

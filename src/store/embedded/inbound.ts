import { claimWithLease } from "../claim.js";
import type { ClaimResult, InboundRepository, JournaledMessage } from "../ports.js";
import { type Collection, findMany, isUniqueViolation } from "./collection.js";

export class EmbeddedInbound implements InboundRepository {
  constructor(private readonly db: Collection) {}

  claim(id: string, now: Date, leaseMs: number, message?: JournaledMessage): Promise<ClaimResult> {
    const _id = String(id);
    return claimWithLease(
      {
        insert: async () => {
          try {
            await this.db.insertAsync({ _id, state: "processing", claimedAt: now, ...(message ? { message } : {}) });
            return true;
          } catch (err) {
            if (isUniqueViolation(err)) return false;
            throw err;
          }
        },
        takeOver: async (stale) => {
          const { numAffected } = await this.db.updateAsync({ _id, state: "processing", claimedAt: { $lt: stale } }, { $set: { claimedAt: now } }, {});
          return numAffected === 1;
        },
      },
      now,
      leaseMs,
    );
  }

  async complete(id: string, now: Date): Promise<void> {
    await this.db.updateAsync({ _id: String(id) }, { $set: { state: "done", claimedAt: now }, $unset: { message: true } }, {});
  }

  async unfinished(claimedBefore: Date, limit: number): Promise<JournaledMessage[]> {
    const docs = await findMany<{ message?: JournaledMessage }>(
      this.db
        .findAsync({ state: "processing", claimedAt: { $lt: claimedBefore }, message: { $exists: true } })
        .sort({ claimedAt: 1 })
        .limit(limit),
    );
    return docs.flatMap((d) => (d.message ? [d.message] : []));
  }
}

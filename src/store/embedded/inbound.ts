import type { ClaimResult, InboundRepository } from "../ports.js";
import { type Collection, isUniqueViolation } from "./collection.js";

export class EmbeddedInbound implements InboundRepository {
  constructor(private readonly db: Collection) {}

  async claim(id: string, now: Date, leaseMs: number): Promise<ClaimResult> {
    try {
      await this.db.insertAsync({ _id: String(id), state: "processing", claimedAt: now });
      return "claimed";
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    // A claim that never completed and is older than the lease belongs to a process that died: take it over.
    const stale = new Date(now.getTime() - leaseMs);
    const { numAffected } = await this.db.updateAsync({ _id: String(id), state: "processing", claimedAt: { $lt: stale } }, { $set: { claimedAt: now } }, {});
    return numAffected === 1 ? "claimed" : "duplicate";
  }

  async complete(id: string, now: Date): Promise<void> {
    await this.db.updateAsync({ _id: String(id) }, { $set: { state: "done", claimedAt: now } }, {});
  }

  async release(id: string): Promise<void> {
    await this.db.removeAsync({ _id: String(id), state: "processing" }, {});
  }
}

import type { CounterRepository } from "../ports.js";
import type { Collection } from "./collection.js";

/** nedb runs one operation at a time per collection, so `$inc` with upsert is atomic within the process. */
export class EmbeddedCounters implements CounterRepository {
  constructor(private readonly db: Collection) {}

  async next(name: string): Promise<number> {
    const { affectedDocuments } = await this.db.updateAsync({ _id: String(name) }, { $inc: { seq: 1 } }, { upsert: true, returnUpdatedDocs: true });
    const seq = (affectedDocuments as { seq?: number } | null)?.seq;
    if (typeof seq !== "number") throw new Error(`counter ${name} returned no number`);
    return seq;
  }
}

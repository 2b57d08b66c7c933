import { type Collection, fromDoc } from "./collection.js";

/** A collection of documents read and replaced whole by their `id` (citizens). */
export class EmbeddedById<T extends { id: string }> {
  constructor(protected readonly db: Collection) {}

  async get(id: string): Promise<T | null> {
    return fromDoc<T>(await this.db.findOneAsync({ _id: String(id) }));
  }

  async save(doc: T): Promise<void> {
    await this.db.updateAsync({ _id: doc.id }, { _id: doc.id, ...doc }, { upsert: true });
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.removeAsync({ _id: String(id) }, {})) > 0;
  }
}

import type { ConversationRecord, ConversationRepository } from "../ports.js";
import { type Collection, fromDoc } from "./collection.js";

export class EmbeddedConversations implements ConversationRepository {
  constructor(private readonly db: Collection) {}

  async get(id: string): Promise<ConversationRecord | null> {
    return fromDoc<ConversationRecord>(await this.db.findOneAsync({ _id: String(id) }));
  }

  async save(record: ConversationRecord): Promise<void> {
    await this.db.updateAsync({ _id: record.id }, { _id: record.id, ...record }, { upsert: true });
  }
}

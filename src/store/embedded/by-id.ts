import type { ChannelName } from "../../domain/model/channel.js";
import type { ConversationRecord, ConversationRepository } from "../ports.js";
import { type Collection, findMany, fromDoc } from "./collection.js";

/** A collection of documents read and replaced whole by their `id` (citizens, conversations). */
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

/** Conversations: by id, and those whose replies a channel has not taken yet. */
export class EmbeddedConversations extends EmbeddedById<ConversationRecord> implements ConversationRepository {
  async withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]> {
    const prefix = new RegExp(`^${String(channel).replace(/[^a-z]/g, "")}:`);
    const docs = await findMany<Record<string, unknown>>(
      this.db
        .findAsync({ _id: { $regex: prefix }, $not: { pending: { $size: 0 } }, updatedAt: { $gte: since } })
        .sort({ updatedAt: 1 })
        .limit(limit),
    );
    return docs.map((d) => fromDoc<ConversationRecord>(d) as ConversationRecord);
  }
}

/** The outbox on the embedded store: one document per outbound message. */

import type { ChannelName } from "../../domain/model/channel.js";
import { claimChatItems, claimOutbox, dueFilter, earlierFilter, newOutboxItem, receiptFilter } from "../outbox-rule.js";
import type { NewOutboxItem, OutboxItem, OutboxReceipt, OutboxRepository, OutboxState } from "../ports.js";
import { type Collection, findMany, fromDoc, isUniqueViolation } from "./collection.js";

const ORDER = { createdAt: 1, seq: 1 } as const;

function toItem(doc: Record<string, unknown> | null): OutboxItem | null {
  const item = fromDoc<OutboxItem & { _id?: string }>(doc);
  return item && { ...item, id: String(doc?._id) };
}

export class EmbeddedOutbox implements OutboxRepository {
  constructor(private readonly db: Collection) {}

  async add(items: NewOutboxItem[]): Promise<number> {
    let added = 0;
    for (const item of items) {
      const { id, ...rest } = newOutboxItem(item);
      try {
        await this.db.insertAsync({ _id: String(id), ...rest });
        added++;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    return added;
  }

  claim(channel: ChannelName, owner: string, now: Date, leaseMs: number, limit: number): Promise<OutboxItem[]> {
    return claimOutbox(
      {
        due: async (at, max) =>
          (await findMany<Record<string, unknown>>(this.db.findAsync(dueFilter(channel, at)).sort(ORDER).limit(max))).flatMap((d) => toItem(d) ?? []),
        hasEarlierUnsent: async (item) => (await this.db.countAsync(earlierFilter(item))) > 0,
        take: (item, by, leaseUntil) => this.take(item, by, leaseUntil),
      },
      owner,
      now,
      leaseMs,
      limit,
    );
  }

  claimChat(channel: ChannelName, chatId: string, owner: string, now: Date, leaseMs: number): Promise<OutboxItem[]> {
    return this.unsentFor(channel, chatId).then((unsent) => claimChatItems(unsent, (item, by, until) => this.take(item, by, until), owner, now, leaseMs));
  }

  /** Leases `item` to `by` if it is still as it was found. */
  private async take(item: OutboxItem, by: string, leaseUntil: Date): Promise<OutboxItem | null> {
    const { numAffected } = await this.db.updateAsync(
      { _id: item.id, state: item.state, owner: item.owner, leaseUntil: item.leaseUntil },
      { $set: { state: "sending", owner: by, leaseUntil }, $inc: { attempts: 1 } },
      {},
    );
    return numAffected === 1 ? { ...item, state: "sending", owner: by, leaseUntil, attempts: item.attempts + 1 } : null;
  }

  async markSent(id: string, owner: string, at: Date, platformId: string | null): Promise<boolean> {
    const { numAffected } = await this.db.updateAsync(
      { _id: String(id), state: "sending", owner },
      { $set: { state: "sent", sentAt: at, platformId, leaseUntil: null, error: null } },
      {},
    );
    return numAffected === 1;
  }

  async markRetry(id: string, owner: string, notBefore: Date, error: string): Promise<void> {
    await this.db.updateAsync(
      { _id: String(id), state: "sending", owner },
      { $set: { state: "pending", notBefore, owner: null, leaseUntil: null, error } },
      {},
    );
  }

  async retryNow(channel: ChannelName, now: Date): Promise<void> {
    await this.db.updateAsync({ channel, state: "pending", attempts: { $gt: 0 }, notBefore: { $gt: now } }, { $set: { notBefore: now } }, { multi: true });
  }

  async markReceipt(channel: ChannelName, platformId: string, receipt: OutboxReceipt, error: string | null): Promise<boolean> {
    const set: Record<string, unknown> = { receipt };
    if (error !== null) set.error = error;
    const { numAffected } = await this.db.updateAsync(receiptFilter(channel, String(platformId), receipt), { $set: set }, {});
    return numAffected === 1;
  }

  async markFailed(id: string, owner: string, error: string): Promise<void> {
    await this.db.updateAsync({ _id: String(id), state: "sending", owner }, { $set: { state: "failed", owner: null, leaseUntil: null, error } }, {});
  }

  async get(id: string): Promise<OutboxItem | null> {
    return toItem(await this.db.findOneAsync({ _id: String(id) }));
  }

  async unsentFor(channel: ChannelName, chatId: string): Promise<OutboxItem[]> {
    const docs = await findMany<Record<string, unknown>>(
      this.db.findAsync({ channel, chatId: String(chatId), state: { $in: ["pending", "sending"] } }).sort(ORDER),
    );
    return docs.flatMap((d) => toItem(d) ?? []);
  }

  async countByRef(ref: string): Promise<Record<OutboxState, number>> {
    const counts: Record<OutboxState, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    for (const state of Object.keys(counts) as OutboxState[]) counts[state] = await this.db.countAsync({ ref: String(ref), state });
    return counts;
  }

  async depth(): Promise<{ unsent: number; oldest: Date | null }> {
    const filter = { state: { $in: ["pending", "sending"] } };
    const unsent = await this.db.countAsync(filter);
    const [first] = await findMany<{ createdAt: Date }>(this.db.findAsync(filter).sort({ createdAt: 1 }).limit(1));
    return { unsent, oldest: first?.createdAt ?? null };
  }
}

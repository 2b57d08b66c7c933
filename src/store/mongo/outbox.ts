/** The outbox on MongoDB: one document per outbound message, claimed with conditional updates. */
import { type Connection, Schema, trusted } from "mongoose";
import type { ChannelName } from "../../domain/model/channel.js";
import { CHANNELS } from "../../domain/model/channel.js";
import {
  claimChatItems,
  claimOutbox,
  dueFilter,
  earlierFilter,
  NEVER_REACHED,
  newOutboxItem,
  OUTBOX_SENT_TTL_S,
  receiptFilter,
  waitedFilter,
} from "../outbox-rule.js";
import {
  type NewOutboxItem,
  OUTBOX_RECEIPTS,
  type OutboxItem,
  type OutboxReceipt,
  type OutboxRepository,
  type OutboxState,
  type UnsentOutboxItem,
} from "../ports.js";
import { DURABLE, trustQuery } from "./collection.js";
import { pendingSchema } from "./conversations.js";
import { insertNew } from "./insert-new.js";

export const outboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    chatId: { type: String, required: true },
    kind: { type: String, required: true, match: /^[a-z_]{1,40}$/ },
    ref: { type: String, default: null },
    // What is sent: required while unsent, unset once sent or given up (also when migrated so from the embedded store).
    payload: {
      type: pendingSchema,
      required(this: { state?: string }) {
        return this.state === "pending" || this.state === "sending";
      },
    },
    state: { type: String, enum: ["pending", "sending", "sent", "failed"], required: true },
    attempts: { type: Number, required: true, min: 0 },
    notBefore: { type: Date, required: true },
    owner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    sentAt: { type: Date, default: null },
    failedAt: { type: Date },
    platformId: { type: String, default: null },
    error: { type: String, default: null },
    receipt: { type: String, enum: OUTBOX_RECEIPTS },
    createdAt: { type: Date, required: true },
    seq: { type: Number, required: true },
  },
  // A lost claim or send record would send a message twice: majority, as every collection.
  { ...DURABLE, collection: "outbox" },
);
// Due items of a channel, and the unsent items of one chat in order.
outboxSchema.index({ channel: 1, state: 1, notBefore: 1 });
outboxSchema.index({ channel: 1, chatId: 1, state: 1, createdAt: 1, seq: 1 });
outboxSchema.index({ state: 1, createdAt: 1 });
// Delivery receipts find the message by the platform's id (only sent messages have one).
outboxSchema.index({ channel: 1, platformId: 1 }, { name: "outbox_by_platform_id", partialFilterExpression: { platformId: { $gt: "" } } });
// An announcement's rows, counted by state.
outboxSchema.index({ ref: 1, state: 1 });
// Sent messages are kept a while (delivery receipts, audits), then dropped; unsent ones have no sentAt and stay.
outboxSchema.index({ sentAt: 1 }, { expireAfterSeconds: OUTBOX_SENT_TTL_S, name: "sent_ttl" });
// Given-up ones as long, from when they were given up.
outboxSchema.index({ failedAt: 1 }, { expireAfterSeconds: OUTBOX_SENT_TTL_S, name: "failed_ttl" });

export const outboxModel = (conn: Connection) => conn.model("Outbox", outboxSchema);

type OutboxModel = ReturnType<typeof outboxModel>;

/** The update that gives an item up at `at`: its payload goes, its 30 days (`failed_ttl`) count from `at`. */
function givenUp(at: Date, error: string) {
  return { $set: { state: "failed" as const, failedAt: at, owner: null, leaseUntil: null, error }, $unset: { payload: 1 as const } };
}

function toItem(doc: Record<string, unknown> | null): OutboxItem | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return { id: String(_id), ...rest, payload: rest.payload ?? null } as OutboxItem;
}

/** A document read as unsent (pending or sending): its payload is there. */
const toUnsent = (doc: Record<string, unknown> | null) => toItem(doc) as UnsentOutboxItem | null;

const ORDER = { createdAt: 1, seq: 1 } as const;
const UNSENT: ("pending" | "sending")[] = ["pending", "sending"];

export class MongoOutbox implements OutboxRepository {
  constructor(private readonly model: OutboxModel) {}

  add(items: NewOutboxItem[]): Promise<number> {
    // Items already there (a retried operation) are kept as they are.
    return insertNew(
      this.model,
      items.map((item) => {
        const { id, ...rest } = newOutboxItem(item);
        return { _id: String(id), ...rest };
      }),
    );
  }

  claim(channel: ChannelName, owner: string, now: Date, leaseMs: number, limit: number): Promise<UnsentOutboxItem[]> {
    return claimOutbox(
      {
        due: async (at, max) =>
          (
            await this.model
              .find(trustQuery(dueFilter(channel, at)))
              .sort(ORDER)
              .limit(max)
              .lean()
          ).flatMap((d) => toUnsent(d as Record<string, unknown>) ?? []),
        hasEarlierUnsent: async (item) => (await this.model.exists(trustQuery(earlierFilter(item)))) !== null,
        take: (item, by, leaseUntil) => this.take(item, by, leaseUntil),
      },
      owner,
      now,
      leaseMs,
      limit,
    );
  }

  claimChat(channel: ChannelName, chatId: string, owner: string, now: Date, leaseMs: number): Promise<UnsentOutboxItem[]> {
    return this.unsentFor(channel, chatId).then((unsent) => claimChatItems(unsent, (item, by, until) => this.take(item, by, until), owner, now, leaseMs));
  }

  /** Leases `item` to `by` if it is still as it was found. */
  private async take(item: UnsentOutboxItem, by: string, leaseUntil: Date): Promise<UnsentOutboxItem | null> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: item.id, state: item.state, owner: item.owner, leaseUntil: item.leaseUntil },
        { $set: { state: "sending", owner: by, leaseUntil }, $inc: { attempts: 1 } },
        { new: true, runValidators: true },
      )
      .lean();
    return toUnsent(doc as Record<string, unknown> | null);
  }

  async markSent(id: string, owner: string, at: Date, platformId: string | null): Promise<boolean> {
    const res = await this.model.updateOne(
      { _id: String(id), state: "sending", owner: String(owner) },
      { $set: { state: "sent", sentAt: at, platformId, leaseUntil: null, error: null }, $unset: { payload: 1 } },
    );
    return res.modifiedCount === 1;
  }

  async markRetry(id: string, owner: string, notBefore: Date, error: string): Promise<void> {
    await this.model.updateOne(
      { _id: String(id), state: "sending", owner: String(owner) },
      { $set: { state: "pending", notBefore, owner: null, leaseUntil: null, error } },
    );
  }

  async retryNow(channel: ChannelName, now: Date): Promise<void> {
    await this.model.updateMany(
      { channel: channel as ChannelName, state: "pending", attempts: trusted({ $gt: 0 }), notBefore: trusted({ $gt: now }) },
      { $set: { notBefore: now } },
    );
  }

  async markReceipt(channel: ChannelName, platformId: string, receipt: OutboxReceipt, error: string | null): Promise<boolean> {
    const set: Record<string, unknown> = { receipt };
    if (error !== null) set.error = String(error);
    const res = await this.model.updateOne(trustQuery(receiptFilter(channel, String(platformId), receipt)), { $set: set }, { runValidators: true });
    return res.modifiedCount === 1;
  }

  async markFailed(id: string, owner: string, error: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: String(id), state: "sending", owner: String(owner) }, givenUp(at, error));
  }

  async giveUpWaiting(before: Date, at: Date): Promise<number> {
    const res = await this.model.updateMany(trustQuery(waitedFilter(before, at)), givenUp(at, NEVER_REACHED));
    return res.modifiedCount;
  }

  async withdraw(id: string, owner: string): Promise<boolean> {
    const res = await this.model.deleteOne({ _id: String(id), state: "sending", owner: String(owner) });
    return res.deletedCount === 1;
  }

  async forgetChat(channel: ChannelName, chatId: string): Promise<number> {
    const res = await this.model.deleteMany({ channel: channel as ChannelName, chatId: String(chatId) });
    return res.deletedCount;
  }

  /**
   * Brings items an earlier version stored to what this one keeps (once, at start-up: index.ts): no payload
   * once sent or given up (0.6.17 and before kept it), and a given-up item counted from `now`.
   */
  async upgrade(now: Date): Promise<void> {
    await this.model.updateMany({ state: "failed", failedAt: trusted({ $exists: false }) }, { $set: { failedAt: now } });
    await this.model.updateMany({ state: trusted({ $in: ["sent", "failed"] }), payload: trusted({ $exists: true }) }, { $unset: { payload: 1 } });
  }

  async get(id: string): Promise<OutboxItem | null> {
    return toItem((await this.model.findById(String(id)).lean()) as Record<string, unknown> | null);
  }

  async unsentFor(channel: ChannelName, chatId: string): Promise<UnsentOutboxItem[]> {
    const docs = await this.model
      .find({ channel: channel as ChannelName, chatId: String(chatId), state: trusted({ $in: UNSENT }) })
      .sort(ORDER)
      .lean();
    return docs.flatMap((d) => toUnsent(d as Record<string, unknown>) ?? []);
  }

  async countByRef(ref: string): Promise<Record<OutboxState, number>> {
    const counts: Record<OutboxState, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    const rows = await this.model.aggregate<{ _id: OutboxState; n: number }>([{ $match: { ref: String(ref) } }, { $group: { _id: "$state", n: { $sum: 1 } } }]);
    for (const row of rows) counts[row._id] = row.n;
    return counts;
  }

  async depth(): Promise<{ unsent: number; oldest: Date | null }> {
    const filter = { state: trusted({ $in: UNSENT }) };
    const [unsent, first] = await Promise.all([
      this.model.countDocuments(filter),
      this.model.findOne(filter).sort({ createdAt: 1 }).select({ createdAt: 1 }).lean(),
    ]);
    return { unsent, oldest: (first?.createdAt as Date | undefined) ?? null };
  }
}

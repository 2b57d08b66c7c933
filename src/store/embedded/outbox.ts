/** The outbox on the embedded store: one document per outbound message. */

import type { ChannelName } from "../../domain/model/channel.js";
import {
  type ClaimFields,
  claimable,
  claimChatItems,
  dueFilter,
  NEVER_REACHED,
  newOutboxItem,
  OUTBOX_SENT_TTL_S,
  receiptFilter,
  SCAN_FACTOR,
  waitedFilter,
} from "../outbox-rule.js";
import type { NewOutboxItem, OutboxItem, OutboxReceipt, OutboxRepository, OutboxState, UnsentOutboxItem } from "../ports.js";
import { type Collection, findMany, fromDoc, isUniqueViolation } from "./collection.js";

const ORDER = { createdAt: 1, seq: 1 } as const;
/** What a claim reads of each unsent item. */
const CLAIM_FIELDS = { chatId: 1, state: 1, notBefore: 1, owner: 1, leaseUntil: 1, createdAt: 1, seq: 1 };

/** How often items sent or given up past their 30 days are dropped (nedb drops them only when a query reads them). */
const SWEEP_MS = 60_000;
/** Items dropped per write. */
const SWEEP_PAGE = 2000;
/** Channels whose platform tells the bot what became of a message (delivered, read): their items are found by the platform's id. */
const RECEIPTS = new Set<string>(["whatsapp"]);

/**
 * Keys only this store keeps beside an item. nedb keeps one list per indexed value and every update of
 * a document passes over the whole list of its old value, so plain `state`, `ref` or `sentAt` (null until
 * sent) indexes cost each claim and send of a broadcast a pass over all its items. These are unique to
 * their item, or shared by one chat's unsent items only:
 * - `_q` while unsent (pending or sending), `channel|createdAt|seq|id`: a channel's unsent items are a
 *   range of it, oldest first, so a claim reads the first few unsent items, never the sent ones kept 30 days;
 * - `_chat` while unsent, `channel|chatId`: the unsent items of a chat;
 * - `_r` on an item about an announcement, `ref|id`: its items are a range;
 * - `_p` once sent on a channel with delivery receipts (WhatsApp), the platform's id of the message (unique
 *   there; Telegram's restart in each chat, and it sends no receipts): a receipt finds its item;
 * - `_sent` once sent or given up, the time in ms (nedb leaves a date out of a sparse index): the 30 days
 *   it is kept count from it.
 * Queries also name the plain field a range stands for, so a ref holding `|` matches only itself.
 */
const KEYS = ["_q", "_chat", "_r", "_p", "_sent"] as const;

function keysOf(item: OutboxItem): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  if (item.state === "pending" || item.state === "sending") {
    // seq is a count (0, 1, …): padded, the text sorts as the number does.
    keys._q = `${item.channel}|${item.createdAt.toISOString()}|${String(item.seq).padStart(12, "0")}|${item.id}`;
    keys._chat = `${item.channel}|${item.chatId}`;
  }
  if (item.ref !== null && item.ref !== undefined) keys._r = `${item.ref}|${item.id}`;
  const ended = item.state === "sent" ? item.sentAt : item.state === "failed" ? item.failedAt : null;
  if (ended) keys._sent = new Date(ended).getTime();
  if (item.platformId && RECEIPTS.has(item.channel)) keys._p = String(item.platformId);
  return keys;
}

/** The update that gives an item up at `at`: its payload and the keys of unsent items go, its 30 days count from `at`. */
function givenUp(at: Date, error: string) {
  return {
    $set: { state: "failed", failedAt: at, _sent: at.getTime(), owner: null, leaseUntil: null, error },
    $unset: { payload: true, _q: true, _chat: true },
  };
}

/** Keys starting with `prefix`, as a range nedb answers from the index. */
function startingWith(prefix: string): { $gte: string; $lt: string } {
  return { $gte: prefix, $lt: `${prefix}\uffff` };
}

/** A stored document without the keys only this store keeps (for the migration to MongoDB too). */
export function withoutOutboxKeys(doc: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...doc };
  for (const key of KEYS) delete rest[key];
  return rest;
}

function toItem(doc: Record<string, unknown> | null): OutboxItem | null {
  const item = fromDoc<OutboxItem & { _id?: string }>(doc && withoutOutboxKeys(doc));
  return item && { ...item, id: String(doc?._id), payload: item.payload ?? null };
}

/** A document read as unsent (pending or sending): its payload is there. */
const toUnsent = (doc: Record<string, unknown> | null) => toItem(doc) as UnsentOutboxItem | null;

export class EmbeddedOutbox implements OutboxRepository {
  /** Items an earlier version stored get their keys before anything reads them. */
  private readonly ready: Promise<void>;
  private sweptAt = 0;
  private claiming: Promise<unknown> = Promise.resolve();
  /** Writes of this outbox under way: while there are none, the index of unsent items by chat is up to date. */
  private writing = 0;

  constructor(private readonly db: Collection) {
    // A sweep that fails is tried again by the next claim; the keys are what every operation needs.
    this.ready = this.addKeys().then(() => this.sweep().catch(() => undefined));
    // A failure is thrown by the first operation that waits for it.
    this.ready.catch(() => undefined);
  }

  /** Adds the items not present yet with one write (one at a time when another add got in between). */
  async add(items: NewOutboxItem[]): Promise<number> {
    await this.ready;
    const docs = new Map<string, Record<string, unknown>>();
    for (const item of items) {
      const stored = newOutboxItem(item);
      const { id, ...rest } = stored;
      if (!docs.has(String(id))) docs.set(String(id), { _id: String(id), ...rest, ...keysOf(stored) });
    }
    const present = await findMany<{ _id: string }>(this.db.findAsync({ _id: { $in: [...docs.keys()] } }, { _id: 1 }));
    for (const { _id } of present) docs.delete(_id);
    if (!docs.size) return 0;
    try {
      await this.write(this.db.insertAsync([...docs.values()]));
      return docs.size;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    let added = 0;
    for (const doc of docs.values()) {
      try {
        await this.write(this.db.insertAsync(doc));
        added++;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    return added;
  }

  /**
   * The claim rule over the first due items and the unsent items of their chats, read at once; those
   * claimed are taken with one write.
   * Claims go one after the other (the embedded store has one process), so two at once do not both
   * pick the same items and one come back empty.
   */
  claim(channel: ChannelName, owner: string, now: Date, leaseMs: number, limit: number): Promise<UnsentOutboxItem[]> {
    const claimed = this.claiming.then(() => this.claimNow(channel, owner, now, leaseMs, limit));
    this.claiming = claimed.catch(() => undefined);
    return claimed;
  }

  private async claimNow(channel: ChannelName, owner: string, now: Date, leaseMs: number, limit: number): Promise<UnsentOutboxItem[]> {
    await this.ready;
    if (Date.now() - this.sweptAt >= SWEEP_MS) await this.sweep();
    // The first due items in `_q` order (nedb gives a range in its index's order and stops at the limit),
    // then every unsent item of their chats: an earlier one holds its chat back.
    const due = await findMany<Record<string, unknown>>(
      this.db.findAsync({ _q: startingWith(`${channel}|`), ...dueFilter(channel, now) }, { chatId: 1 }).limit(limit * SCAN_FACTOR),
    );
    if (!due.length) return [];
    const chats = [...new Set(due.map((d) => `${channel}|${d.chatId}`))];
    const unsent = await findMany<Record<string, unknown>>(this.db.findAsync({ _chat: { $in: chats }, channel }, CLAIM_FIELDS));
    const picked = claimable(
      unsent.map((d) => ({ ...(fromDoc<ClaimFields>(d) as ClaimFields), id: String(d._id) })),
      now,
      limit,
    );
    if (!picked.length) return [];
    // Each one only if it is still as it was found: a live turn (claimChat) may have taken it meanwhile.
    const { affectedDocuments } = await this.write(
      this.db.updateAsync(
        { _id: { $in: picked.map((i) => i.id) }, $or: picked.map((i) => ({ _id: i.id, state: i.state, owner: i.owner, leaseUntil: i.leaseUntil })) },
        { $set: { state: "sending", owner, leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
        { multi: true, returnUpdatedDocs: true },
      ),
    );
    const taken = new Map((affectedDocuments as Record<string, unknown>[]).map((d) => [String(d._id), toUnsent(d)]));
    return picked.flatMap((i) => taken.get(i.id) ?? []);
  }

  claimChat(channel: ChannelName, chatId: string, owner: string, now: Date, leaseMs: number): Promise<UnsentOutboxItem[]> {
    return this.unsentFor(channel, chatId).then((unsent) => claimChatItems(unsent, (item, by, until) => this.take(item, by, until), owner, now, leaseMs));
  }

  /** Leases `item` to `by` if it is still as it was found. */
  private async take(item: UnsentOutboxItem, by: string, leaseUntil: Date): Promise<UnsentOutboxItem | null> {
    const { numAffected } = await this.write(
      this.db.updateAsync(
        { _id: item.id, state: item.state, owner: item.owner, leaseUntil: item.leaseUntil },
        { $set: { state: "sending", owner: by, leaseUntil }, $inc: { attempts: 1 } },
        {},
      ),
    );
    return numAffected === 1 ? { ...item, state: "sending", owner: by, leaseUntil, attempts: item.attempts + 1 } : null;
  }

  async markSent(id: string, owner: string, at: Date, platformId: string | null): Promise<boolean> {
    await this.ready;
    const receipts = platformId !== null && RECEIPTS.has(String((await this.db.findOneAsync({ _id: String(id) }, { channel: 1 }))?.channel));
    const { numAffected } = await this.write(
      this.db.updateAsync(
        { _id: String(id), state: "sending", owner },
        {
          $set: { state: "sent", sentAt: at, _sent: at.getTime(), platformId, ...(receipts ? { _p: String(platformId) } : {}), leaseUntil: null, error: null },
          $unset: { payload: true, _q: true, _chat: true },
        },
        {},
      ),
    );
    return numAffected === 1;
  }

  async markRetry(id: string, owner: string, notBefore: Date, error: string): Promise<void> {
    await this.ready;
    await this.write(
      this.db.updateAsync({ _id: String(id), state: "sending", owner }, { $set: { state: "pending", notBefore, owner: null, leaseUntil: null, error } }, {}),
    );
  }

  async retryNow(channel: ChannelName, now: Date): Promise<void> {
    await this.ready;
    await this.write(
      this.db.updateAsync(
        { _q: startingWith(`${channel}|`), channel, state: "pending", attempts: { $gt: 0 }, notBefore: { $gt: now } },
        { $set: { notBefore: now } },
        { multi: true },
      ),
    );
  }

  async markReceipt(channel: ChannelName, platformId: string, receipt: OutboxReceipt, error: string | null): Promise<boolean> {
    await this.ready;
    const set: Record<string, unknown> = { receipt };
    if (error !== null) set.error = error;
    const { numAffected } = await this.write(
      this.db.updateAsync({ _p: String(platformId), ...receiptFilter(channel, String(platformId), receipt) }, { $set: set }, {}),
    );
    return numAffected === 1;
  }

  async markFailed(id: string, owner: string, error: string, at: Date): Promise<void> {
    await this.ready;
    await this.write(this.db.updateAsync({ _id: String(id), state: "sending", owner }, givenUp(at, error), {}));
  }

  async giveUpWaiting(before: Date, at: Date): Promise<number> {
    await this.ready;
    let given = 0;
    // A page at a time, read from the unsent items only (`_q`), each given up only if still as the filter says.
    for (;;) {
      const page = await findMany<{ _id: string }>(this.db.findAsync({ _q: startingWith(""), ...waitedFilter(before, at) }, { _id: 1 }).limit(SWEEP_PAGE));
      if (!page.length) return given;
      const { numAffected } = await this.write(
        this.db.updateAsync({ _id: { $in: page.map((d) => d._id) }, ...waitedFilter(before, at) }, givenUp(at, NEVER_REACHED), { multi: true }),
      );
      given += numAffected;
      if (page.length < SWEEP_PAGE) return given;
    }
  }

  async withdraw(id: string, owner: string): Promise<boolean> {
    await this.ready;
    return (await this.write(this.db.removeAsync({ _id: String(id), state: "sending", owner }, {}))) === 1;
  }

  async forgetChat(channel: ChannelName, chatId: string): Promise<number> {
    await this.ready;
    // A rare request: a pass over the outbox (no index holds a chat's items once they are sent).
    return this.write(this.db.removeAsync({ channel, chatId: String(chatId) }, { multi: true }));
  }

  async get(id: string): Promise<OutboxItem | null> {
    await this.ready;
    return toItem(await this.db.findOneAsync({ _id: String(id) }));
  }

  async unsentFor(channel: ChannelName, chatId: string): Promise<UnsentOutboxItem[]> {
    await this.ready;
    // Nothing waits for most chats (every message asks): the index says so at once, with no write under way.
    const index = this.unsentIndex();
    if (index && this.writing === 0 && index.getMatching(`${channel}|${chatId}`).length === 0) return [];
    const docs = await findMany<Record<string, unknown>>(
      this.db.findAsync({ _chat: `${channel}|${chatId}`, channel, chatId: String(chatId), state: { $in: ["pending", "sending"] } }).sort(ORDER),
    );
    return docs.flatMap((d) => toUnsent(d) ?? []);
  }

  async countByRef(ref: string): Promise<Record<OutboxState, number>> {
    await this.ready;
    const counts: Record<OutboxState, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    const docs = await findMany<{ state: OutboxState }>(this.db.findAsync({ _r: startingWith(`${ref}|`), ref: String(ref) }, { state: 1 }));
    for (const { state } of docs) counts[state]++;
    return counts;
  }

  async depth(): Promise<{ unsent: number; oldest: Date | null }> {
    await this.ready;
    const unsent = { _q: startingWith("") };
    const [first] = await findMany<{ createdAt: Date }>(this.db.findAsync(unsent, { createdAt: 1 }).sort({ createdAt: 1 }).limit(1));
    return { unsent: await this.db.countAsync(unsent), oldest: first?.createdAt ?? null };
  }

  /** Counts a write of this outbox while it is under way (see `unsentFor`). */
  private write<T>(operation: Promise<T>): Promise<T> {
    this.writing++;
    return operation.finally(() => this.writing--);
  }

  /** nedb's index of `_chat` (Datastore#indexes): the documents of one value, read at once. */
  private unsentIndex(): { getMatching(value: string): unknown[] } | undefined {
    return (this.db as unknown as { indexes: Record<string, { getMatching(value: string): unknown[] }> }).indexes._chat;
  }

  /**
   * Brings items an earlier version stored to what this one keeps, in one pass over the outbox (once:
   * later writes keep them): the keys only this store keeps; no payload once sent or given up (0.6.17
   * and before kept it), and a given-up item counted from now.
   */
  private async addKeys(): Promise<void> {
    const docs = await findMany<Record<string, unknown>>(
      this.db.findAsync({
        $or: [
          { state: { $in: ["pending", "sending"] }, _q: { $exists: false } },
          { ref: { $gte: "" }, _r: { $exists: false } },
          { state: { $in: ["sent", "failed"] }, _sent: { $exists: false } },
          { state: { $in: ["sent", "failed"] }, payload: { $exists: true } },
          { channel: { $in: [...RECEIPTS] }, platformId: { $gte: "" }, _p: { $exists: false } },
        ],
      }),
    );
    const now = new Date();
    for (const doc of docs) {
      const item = toItem(doc) as OutboxItem;
      const ended = item.state === "sent" || item.state === "failed";
      if (item.state === "failed" && !item.failedAt) item.failedAt = now;
      const set = { ...keysOf(item), ...(item.state === "failed" ? { failedAt: item.failedAt } : {}) };
      await this.write(this.db.updateAsync({ _id: item.id }, { $set: set, ...(ended ? { $unset: { payload: true } } : {}) }, {}));
    }
  }

  /** Drops the items sent or given up more than 30 days ago (the `_sent` index lists them first). */
  private async sweep(): Promise<void> {
    this.sweptAt = Date.now();
    const before = Date.now() - OUTBOX_SENT_TTL_S * 1000;
    // A page at a time: nedb's remove copies its candidates onto the stack (a few hundred thousand overflow it).
    for (;;) {
      const page = await findMany<{ _id: string }>(this.db.findAsync({ _sent: { $lt: before } }, { _id: 1 }).limit(SWEEP_PAGE));
      if (!page.length) return;
      await this.write(this.db.removeAsync({ _id: { $in: page.map((d) => d._id) } }, { multi: true }));
      if (page.length < SWEEP_PAGE) return;
    }
  }
}

/**
 * The outbox claim rule both stores follow: among the items that are due (pending and past their
 * backoff, or sending under a lease that ran out), oldest first, an item is claimed only when no
 * earlier item of its chat is still unsent, and only if it is still in the state it was found in.
 */
import { type NewOutboxItem, OUTBOX_RECEIPTS, type OutboxItem, type OutboxReceipt, type UnsentOutboxItem } from "./ports.js";

/** Messages sent or given up are kept 30 days (delivery receipts, audits), without their text, then dropped. */
export const OUTBOX_SENT_TTL_S = 30 * 24 * 3600;

/** How many due candidates are looked at per item claimed: candidates blocked by an earlier item of their chat are skipped. */
export const SCAN_FACTOR = 5;

export interface OutboxClaimOps {
  /** Due items of the channel, oldest first (createdAt, then seq). */
  due(now: Date, limit: number): Promise<UnsentOutboxItem[]>;
  /** Whether the chat of `item` has an unsent item created before it. */
  hasEarlierUnsent(item: OutboxItem): Promise<boolean>;
  /** Leases `item` if it is still as found (same state, owner and lease); the leased item, or null. */
  take(item: UnsentOutboxItem, owner: string, leaseUntil: Date): Promise<UnsentOutboxItem | null>;
}

export async function claimOutbox(ops: OutboxClaimOps, owner: string, now: Date, leaseMs: number, limit: number): Promise<UnsentOutboxItem[]> {
  const claimed: UnsentOutboxItem[] = [];
  const chats = new Set<string>();
  const leaseUntil = new Date(now.getTime() + leaseMs);
  for (const item of await ops.due(now, limit * SCAN_FACTOR)) {
    if (claimed.length >= limit) break;
    if (chats.has(item.chatId)) continue;
    chats.add(item.chatId);
    if (await ops.hasEarlierUnsent(item)) continue;
    const taken = await ops.take(item, owner, leaseUntil);
    if (taken) claimed.push(taken);
  }
  return claimed;
}

/** What the rule reads of an item. */
export type ClaimFields = Pick<OutboxItem, "id" | "chatId" | "state" | "notBefore" | "owner" | "leaseUntil" | "createdAt" | "seq">;

/** Whether `item` is due at `now`, as `dueFilter` says. */
function isDue(item: ClaimFields, now: Date): boolean {
  return (
    (item.state === "pending" && item.notBefore.getTime() <= now.getTime()) ||
    (item.state === "sending" && item.leaseUntil !== null && item.leaseUntil.getTime() < now.getTime())
  );
}

/** Creation order: createdAt, then seq. */
function created(a: ClaimFields, b: ClaimFields): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || a.seq - b.seq;
}

/**
 * The same rule over unsent items read at once (every unsent item of the chats concerned; the embedded
 * store): the items that are due and have no earlier unsent item in their chat, one per chat, oldest
 * first, up to `limit`. The store then takes them if they are still as found.
 */
export function claimable<T extends ClaimFields>(unsent: T[], now: Date, limit: number): T[] {
  const first = new Map<string, T>();
  for (const item of unsent) {
    const head = first.get(item.chatId);
    if (!head || created(item, head) < 0) first.set(item.chatId, item);
  }
  const picked = new Map<string, T>();
  for (const item of unsent) {
    const head = first.get(item.chatId) as T;
    if (!picked.has(item.chatId) && created(item, head) === 0 && isDue(item, now)) picked.set(item.chatId, item);
  }
  return [...picked.values()].sort(created).slice(0, limit);
}

/**
 * Claims, in order, the unsent items of one chat that may go now, for a conversation turn that is
 * about to answer that chat live: its earlier messages must go first. It stops at the first item
 * that may not go (scheduled for later, or held by another worker) so the order is kept. A retry's
 * backoff does not hold the item back: the chat is reachable right now.
 */
export async function claimChatItems(
  unsent: UnsentOutboxItem[],
  take: OutboxClaimOps["take"],
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<UnsentOutboxItem[]> {
  const claimed: UnsentOutboxItem[] = [];
  const leaseUntil = new Date(now.getTime() + leaseMs);
  for (const item of unsent) {
    const free =
      (item.state === "pending" && (item.attempts > 0 || item.notBefore.getTime() <= now.getTime())) ||
      (item.state === "sending" && item.leaseUntil !== null && item.leaseUntil.getTime() < now.getTime());
    if (!free) break;
    const taken = await take(item, owner, leaseUntil);
    if (!taken) break;
    claimed.push(taken);
  }
  return claimed;
}

/** The filter of due items at `now`, in MongoDB's query language (nedb speaks it too). */
export function dueFilter(channel: string, now: Date): Record<string, unknown> {
  return {
    channel,
    $or: [
      { state: "pending", notBefore: { $lte: now } },
      { state: "sending", leaseUntil: { $lt: now } },
    ],
  };
}

/**
 * How long after its lease ran out an item being sent may still be in its sender's hands: no send waits that
 * long (a web page's acknowledgement 10 s, Telegram's retries at most five minutes). An item given up sooner
 * could be given up and sent both, by a sender that outlived a short lease (`OUTBOX_LEASE_SECONDS` may be 5).
 */
export const HELD_PAST_LEASE_MS = 60 * 60 * 1000;

/**
 * The filter of the unsent items created before `before` that no worker holds at `at` (one whose lease ran
 * out HELD_PAST_LEASE_MS before, a worker that stopped): what the outbox gives up as never reached. Tried or
 * not, whenever its next try is due (a WhatsApp notice waiting for the chat's 24 hours is put off a month at
 * a time), except one never tried and scheduled for later than `before`.
 */
export function waitedFilter(before: Date, at: Date): Record<string, unknown> {
  const released = new Date(at.getTime() - HELD_PAST_LEASE_MS);
  return {
    createdAt: { $lt: before },
    $and: [
      { $or: [{ attempts: { $gt: 0 } }, { notBefore: { $lt: before } }] },
      { $or: [{ state: "pending" }, { state: "sending", leaseUntil: { $lt: released } }] },
    ],
  };
}

/** What an item given up as never reached says of itself (`OutboxRepository.giveUpWaiting`). */
export const NEVER_REACHED = "never_reached";

/** The filter of the unsent items of `item`'s chat created before it. */
export function earlierFilter(item: OutboxItem): Record<string, unknown> {
  return {
    channel: item.channel,
    chatId: item.chatId,
    state: { $in: ["pending", "sending"] },
    $or: [{ createdAt: { $lt: item.createdAt } }, { createdAt: item.createdAt, seq: { $lt: item.seq } }],
  };
}

/** A new item as stored. */
export function newOutboxItem(item: NewOutboxItem): UnsentOutboxItem {
  return {
    id: item.id,
    channel: item.channel,
    chatId: item.chatId,
    kind: item.kind,
    ref: item.ref ?? null,
    payload: item.payload,
    state: "pending",
    attempts: 0,
    notBefore: item.notBefore ?? item.createdAt,
    owner: null,
    leaseUntil: null,
    sentAt: null,
    platformId: null,
    error: null,
    createdAt: item.createdAt,
    seq: item.seq ?? 0,
  };
}

/**
 * The filter of the sent item a receipt is for, when the receipt moves it forward: a `read` that
 * came first is not undone by the `delivered` that follows, and `failed` is final.
 */
export function receiptFilter(channel: string, platformId: string, receipt: OutboxReceipt): Record<string, unknown> {
  const rank = OUTBOX_RECEIPTS.indexOf(receipt);
  const notBefore = receipt === "failed" ? ["failed"] : OUTBOX_RECEIPTS.slice(rank);
  return { channel, platformId, receipt: { $nin: notBefore } };
}

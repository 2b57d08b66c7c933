/**
 * Inbound message ids on the embedded store, in memory, with `inbound.db` (journal.ts) holding what
 * must outlive the process. The embedded store has one process (lock.ts), so a claim is settled in
 * memory at once; what is written:
 * - a claim that keeps its message (Telegram, WhatsApp: the platform will not send it again), before
 *   the claim is granted: a crash before it is finished leaves it for recovery;
 * - an id finished without a conversation saving its step (a failed message, a dropped press, a
 *   group update), so a redelivery after a restart is still a duplicate.
 * An id whose step a conversation saved is finished by that line of `conversations.db` (its
 * `handled` ids), read again at start-up. A claim without a message that a crash interrupted was
 * never finished and is forgotten: a redelivery processes it (compaction, and closing the store,
 * write every claim still in progress).
 * Finished ids are kept as ids with their time, for the week INBOUND_TTL_S says, then dropped.
 */
import { join } from "node:path";
import type { Logger } from "../../util/logger.js";
import { INBOUND_TTL_S } from "../claim.js";
import type { ClaimResult, InboundRepository, JournaledMessage } from "../ports.js";
import { dateJson, JournalFile, readJournal } from "./journal.js";

interface Claim {
  claimedAt: number;
  message?: JournaledMessage;
}

const TTL_MS = INBOUND_TTL_S * 1000;

export class JournalInbound implements InboundRepository {
  /** Claims being processed, by id. */
  private readonly processing = new Map<string, Claim>();
  /** Finished ids and when (ms). */
  private readonly done = new Map<string, number>();

  private constructor(private readonly journal: JournalFile) {}

  static async open(dir: string | null, logger?: Logger): Promise<JournalInbound> {
    const file = dir === null ? null : join(dir, "inbound.db");
    const out = new JournalInbound(new JournalFile(file));
    if (file !== null) {
      await readJournal(
        file,
        (doc) => {
          const id = String(doc._id);
          const at = new Date(doc.claimedAt as Date).getTime();
          if (doc.state === "done") out.finish(id, at);
          else if (!out.done.has(id)) out.processing.set(id, { claimedAt: at, ...(doc.message ? { message: doc.message as JournaledMessage } : {}) });
        },
        (id) => {
          out.processing.delete(id);
          out.done.delete(id);
        },
        logger,
      );
    }
    return out;
  }

  /** Ids a conversation saved the step of: finished, with no write of their own (conversations.ts). */
  readonly handled = (ids: readonly string[], at: Date): void => {
    const ms = at.getTime();
    for (const id of ids) if (!this.done.has(id)) this.finish(id, ms);
  };

  private finish(id: string, at: number): void {
    this.processing.delete(id);
    this.done.set(id, at);
  }

  async claim(id: string, now: Date, leaseMs: number, message?: JournaledMessage): Promise<ClaimResult> {
    const key = String(id);
    const t = now.getTime();
    const finished = this.done.get(key);
    if (finished !== undefined) {
      if (finished > t - TTL_MS) return "duplicate";
      this.done.delete(key);
    }
    const previous = this.processing.get(key);
    // A claim still within its lease is someone's; an older one was left by a crash and is taken over.
    if (previous && previous.claimedAt > t - TTL_MS && previous.claimedAt >= t - leaseMs) return "duplicate";
    const claim: Claim = { claimedAt: t, ...(message ? { message } : previous?.message ? { message: previous.message } : {}) };
    this.processing.set(key, claim);
    if (!claim.message) return "claimed";
    try {
      await this.journal.write(this.line(key, "processing", t, claim.message));
    } catch (err) {
      // Not kept: the claim is not granted.
      if (this.processing.get(key) === claim) {
        if (previous) this.processing.set(key, previous);
        else this.processing.delete(key);
      }
      throw err;
    }
    return "claimed";
  }

  async complete(id: string, now: Date): Promise<void> {
    const key = String(id);
    const claim = this.processing.get(key);
    if (!claim) return;
    const t = now.getTime();
    await this.journal.write(this.line(key, "done", t), () => this.finish(key, t));
  }

  async unfinished(claimedBefore: Date, limit: number): Promise<JournaledMessage[]> {
    const before = claimedBefore.getTime();
    const found: Claim[] = [];
    for (const claim of this.processing.values()) if (claim.message && claim.claimedAt < before) found.push(claim);
    found.sort((a, b) => a.claimedAt - b.claimedAt);
    return found.slice(0, limit).map((c) => c.message as JournaledMessage);
  }

  /** Finished ids kept, and claims in progress (the bench prints them). */
  get size(): { done: number; processing: number } {
    return { done: this.done.size, processing: this.processing.size };
  }

  /** Rewrites the file with what is still kept: unfinished claims (with their message, if any), and the ids finished within the week. */
  compact(now: Date): Promise<void> {
    const since = now.getTime() - TTL_MS;
    return this.journal.compact(() => {
      for (const [id, at] of this.done) if (at <= since) this.done.delete(id);
      const lines: string[] = [];
      for (const [id, claim] of this.processing) {
        if (claim.claimedAt <= since) this.processing.delete(id);
        else lines.push(this.line(id, "processing", claim.claimedAt, claim.message));
      }
      for (const [id, at] of this.done) lines.push(this.line(id, "done", at));
      return lines;
    });
  }

  private line(id: string, state: "processing" | "done", at: number, message?: JournaledMessage): string {
    const head = `{"_id":${JSON.stringify(id)},"state":"${state}","claimedAt":${dateJson(at)}`;
    return message ? `${head},"message":${JSON.stringify(message)}}` : `${head}}`;
  }
}

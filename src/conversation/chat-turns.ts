/**
 * One turn at a time per conversation: in this process, in arrival order (KeyedQueue), and across every
 * process on the same store (the conversation's turn held in the store, `ConversationRepository.hold`).
 * Behind a load balancer two messages of one chat may reach two processes at once (Telegram hands a
 * webhook several updates at a time); each reads the conversation, runs its step and saves it, and
 * without the turn the second save wrote over the first: a message lost, a report half-made. Every
 * change of a conversation goes through here: messages, the question after a notice, the retention
 * passes, the store's outage queue, the sweep of draft photos.
 *
 * The turn is a lease that the holder extends while its task runs, so a process that dies holding
 * one holds the chat up only until its lease runs out. A store that cannot be asked (away, failing)
 * does not stop the task: it meets the same failure and deals with it as it does (a message kept until
 * the store is back). A turn another process has held for two leases (a turn takes milliseconds; the
 * store's writes give up after 10 s) is logged and gone around: a stuck process never silences a chat.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ConversationRepository } from "../store/ports.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { KeyedQueue } from "./keyed-queue.js";

/** A turn's lease; extended every third of it while the task runs. */
export const TURN_LEASE_MS = 30_000;
/** How long a task waits for another process's turn before it goes on regardless, in leases. */
const MAX_WAIT_LEASES = 2;
/** First pause before asking again for a turn another process holds; doubled up to the next. */
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 200;

export interface ChatTurnsDeps {
  conversations: Pick<ConversationRepository, "hold" | "release">;
  logger: Logger;
  /** What a chat is named by in logs (never its id). */
  pseudonym(key: string): string;
  /** This process, as the turns it holds are named (default: host, pid and a random part). */
  owner?: string;
  /** A turn's lease (default TURN_LEASE_MS). */
  leaseMs?: number;
}

export class ChatTurns {
  private readonly local = new KeyedQueue();
  private readonly owner: string;
  private readonly leaseMs: number;
  private taken = 0;
  /** The turns held now, by conversation: their owners. One timer extends them all (one per turn cost a sixth of a message's CPU). */
  private readonly holding = new Map<string, string>();
  private extending?: NodeJS.Timeout;

  constructor(private readonly deps: ChatTurnsDeps) {
    this.owner = deps.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = deps.leaseMs ?? TURN_LEASE_MS;
  }

  /** Runs `task` once every earlier task of `key` here has run and no other process holds its turn. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.held(key, task));
  }

  /** Conversations with a task queued or running here. */
  get size(): number {
    return this.local.size;
  }

  /** Resolves when every queued task has finished. */
  idle(): Promise<void> {
    return this.local.idle();
  }

  private async held<T>(key: string, task: () => Promise<T>): Promise<T> {
    // Each task its own name: a turn this process gave back is never extended for a later task.
    const owner = `${this.owner}:${++this.taken}`;
    if (!(await this.take(key, owner))) return task();
    this.holding.set(key, owner);
    this.extending ??= setInterval(() => this.extend(), this.leaseMs / 3).unref();
    try {
      return await task();
    } finally {
      this.holding.delete(key);
      await this.deps.conversations.release(key, owner).catch((err: unknown) => {
        // Held until its lease runs out: another process waits that long for this chat at most.
        this.deps.logger.warn({ chat: this.deps.pseudonym(key), err: errorInfo(err) }, "conversation's turn not given back");
      });
    }
  }

  /** Stops extending turns (the process is stopping; a turn still held runs out with its lease). */
  stop(): void {
    clearInterval(this.extending);
    this.extending = undefined;
  }

  /** A turn whose task runs longer than a third of its lease keeps it: its lease starts again. */
  private extend(): void {
    for (const [key, owner] of this.holding) this.deps.conversations.hold(key, owner, this.leaseFromNow(), new Date()).catch(() => undefined);
  }

  /** Whether the turn was taken; false when the store could not say or another process held it too long. */
  private async take(key: string, owner: string): Promise<boolean> {
    const { conversations, logger, pseudonym } = this.deps;
    const started = Date.now();
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      try {
        if (await conversations.hold(key, owner, this.leaseFromNow(), new Date())) return true;
      } catch {
        return false;
      }
      if (Date.now() - started >= MAX_WAIT_LEASES * this.leaseMs) {
        logger.warn({ chat: pseudonym(key) }, "conversation's turn held by another process too long: going on");
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private leaseFromNow(): Date {
    return new Date(Date.now() + this.leaseMs);
  }
}

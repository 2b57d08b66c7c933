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
 * one holds the chat up only until its lease runs out; a task running past MAX_TURN_MS (a turn takes
 * milliseconds; the longest wait inside one, a photo's download, gives up after 60 s) is no longer
 * extended, and another process takes the turn once its lease has run out: a stuck process never
 * silences a chat for good. A store that cannot be asked (away, failing) does not stop the task: it meets
 * the same failure and deals with it as it does (a message kept until the store is back).
 */
import type { ConversationRepository } from "../store/ports.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { leaseHolderName } from "../util/process-name.js";
import { KeyedQueue } from "./keyed-queue.js";

/** A turn's lease; extended every third of it while the task runs. */
export const TURN_LEASE_MS = 30_000;
/** A task running longer than this is no longer extended: its turn goes to whoever waits once its lease runs out. */
export const MAX_TURN_MS = 5 * 60_000;
/** First pause before asking again for a turn another process holds; doubled up to the next. */
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 200;

export interface ChatTurnsDeps {
  conversations: Pick<ConversationRepository, "hold" | "extend" | "release">;
  logger: Logger;
  /** What a chat is named by in logs (never its id). */
  pseudonym(key: string): string;
  /** This process, as the turns it holds are named (default: leaseHolderName()). */
  owner?: string;
  /** A turn's lease (default TURN_LEASE_MS). */
  leaseMs?: number;
  /** How long a task's turn is extended at most (default MAX_TURN_MS). */
  maxTurnMs?: number;
}

/** A turn this process holds: whose it is, since when, and whether an extension of it is on its way. */
interface Held {
  owner: string;
  since: number;
  extending: boolean;
}

export class ChatTurns {
  private readonly local = new KeyedQueue();
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly maxTurnMs: number;
  private taken = 0;
  /** The turns held now, by conversation. One timer extends them all (one per turn cost a sixth of a message's CPU). */
  private readonly holding = new Map<string, Held>();
  private extending?: NodeJS.Timeout;

  constructor(private readonly deps: ChatTurnsDeps) {
    this.owner = deps.owner ?? leaseHolderName();
    this.leaseMs = deps.leaseMs ?? TURN_LEASE_MS;
    this.maxTurnMs = deps.maxTurnMs ?? MAX_TURN_MS;
  }

  /** Runs `task` once every earlier task of `key` here has run and no other process holds its turn. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.held(key, task));
  }

  /** Resolves when every queued task has finished. */
  idle(): Promise<void> {
    return this.local.idle();
  }

  /** Stops extending turns (the process is stopping; a turn still held runs out with its lease). */
  stop(): void {
    clearInterval(this.extending);
    this.extending = undefined;
  }

  private async held<T>(key: string, task: () => Promise<T>): Promise<T> {
    // Each task its own name: a turn this process gave back is never taken for a later task.
    const owner = `${this.owner}:${++this.taken}`;
    const taken = await this.take(key, owner);
    if (taken) {
      this.holding.set(key, { owner, since: Date.now(), extending: false });
      this.extending ??= setInterval(() => this.extend(), this.leaseMs / 3).unref();
    }
    try {
      return await task();
    } finally {
      this.holding.delete(key);
      const given = this.deps.conversations.release(key, owner).catch((err: unknown) => {
        // Held until its lease runs out: another process waits that long for this chat at most.
        if (taken) this.deps.logger.warn({ chat: this.deps.pseudonym(key), err: errorInfo(err) }, "conversation's turn not given back");
      });
      // Not taken: the store failed, perhaps after it wrote the turn (a write-concern timeout). Given back all
      // the same, without waiting for a store that may be away.
      if (taken) await given;
    }
  }

  /**
   * Each turn held here starts its lease again, unless its extension is still on its way or its task has
   * run past maxTurnMs. One the store no longer gives to this task (taken over after its lease ran out: the
   * process was held up longer than a lease) is said once.
   */
  private extend(): void {
    const { conversations, logger, pseudonym } = this.deps;
    const now = Date.now();
    for (const [key, held] of this.holding) {
      if (held.extending) continue;
      if (now - held.since > this.maxTurnMs) {
        logger.warn({ chat: pseudonym(key), ms: now - held.since }, "conversation's turn running too long: no longer extended");
        this.holding.delete(key);
        continue;
      }
      held.extending = true;
      conversations.extend(key, held.owner, this.leaseFromNow()).then(
        (still) => {
          held.extending = false;
          if (still || this.holding.get(key) !== held) return;
          logger.warn({ chat: pseudonym(key) }, "conversation's turn lost: its lease ran out and another process took it");
          this.holding.delete(key);
        },
        () => {
          held.extending = false;
        },
      );
    }
  }

  /** Whether the turn was taken; false when the store could not say (the task goes on without it). */
  private async take(key: string, owner: string): Promise<boolean> {
    const { conversations, logger, pseudonym } = this.deps;
    const started = Date.now();
    let said = false;
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      try {
        if (await conversations.hold(key, owner, this.leaseFromNow(), new Date())) return true;
      } catch {
        return false;
      }
      if (!said && Date.now() - started >= this.leaseMs) {
        said = true;
        logger.warn({ chat: pseudonym(key) }, "waiting for another process's turn in a conversation for longer than a lease");
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private leaseFromNow(): Date {
    return new Date(Date.now() + this.leaseMs);
  }
}

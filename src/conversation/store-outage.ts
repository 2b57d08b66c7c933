/**
 * Messages that arrived while the store was away (MongoDB restarting, a network cut), kept in
 * order per conversation in a bounded queue and handed back, oldest first, once the store answers
 * again. While a conversation has messages waiting, its new ones wait behind them. The citizen is
 * told once that their message is saved and will be answered shortly.
 */
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { Pseudonymizer } from "../util/pseudonym.js";
import type { ChatTurns } from "./chat-turns.js";
import type { InboundMessage, Sender } from "./messages.js";

/** Messages kept while the store is away; beyond this the citizen is asked to write again later. */
const CAPACITY = 10_000;
/** Longest pause between attempts to process kept messages. */
const RETRY_MAX_MS = 30_000;

export interface DeferredMessage {
  message: InboundMessage;
  send: Sender;
}

export class DeferredMessages {
  private readonly byConversation = new Map<string, DeferredMessage[]>();
  private count = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    return this.byConversation.has(key);
  }

  /** Keeps a message; false when the queue is full (the caller must say so to the citizen). */
  add(key: string, item: DeferredMessage): boolean {
    if (this.count >= this.capacity) return false;
    const list = this.byConversation.get(key) ?? [];
    list.push(item);
    this.byConversation.set(key, list);
    this.count++;
    return true;
  }

  /** The conversations with waiting messages, in the order they started waiting. */
  keys(): string[] {
    return [...this.byConversation.keys()];
  }

  peek(key: string): DeferredMessage | undefined {
    return this.byConversation.get(key)?.[0];
  }

  /** Drops the oldest message of a conversation once it has been handled. */
  shift(key: string): void {
    const list = this.byConversation.get(key);
    if (!list?.length) return;
    list.shift();
    this.count--;
    if (list.length === 0) this.byConversation.delete(key);
  }
}

export interface StoreOutageDeps {
  /** The runtime's per-conversation queue: kept messages are retried in it, in order. */
  queue: ChatTurns;
  /** Tries a kept message again; "deferred" when the store is still away. */
  retry(key: string, message: InboundMessage, send: Sender): Promise<string>;
  /** Tells the citizen (errors.store_unavailable when kept, errors.internal when the queue is full). */
  tell(message: InboundMessage, send: Sender, textKey: string): Promise<void>;
  logger: Logger;
  pseudonym: Pseudonymizer;
  /** First pause before kept messages are tried again (doubled each time, up to 30 s). */
  firstRetryMs: number;
}

export class StoreOutage {
  private readonly kept = new DeferredMessages(CAPACITY);
  /** Inbound ids waiting, so a redelivery meanwhile is not kept twice. */
  private readonly ids = new Set<string>();
  private timer?: NodeJS.Timeout;
  private delay: number;

  constructor(private readonly deps: StoreOutageDeps) {
    this.delay = deps.firstRetryMs;
  }

  get size(): number {
    return this.kept.size;
  }

  /** Whether this conversation has messages waiting (its new ones must wait behind them). */
  has(key: string): boolean {
    return this.kept.has(key);
  }

  /** Keeps a message for later; the first one of a conversation tells the citizen. */
  async keep(key: string, message: InboundMessage, send: Sender): Promise<"deferred" | "duplicate" | "failed"> {
    const { deps } = this;
    const id = `${message.channel}:${message.messageId}`;
    if (this.ids.has(id)) return "duplicate";
    const first = !this.kept.has(key);
    if (!this.kept.add(key, { message, send })) {
      deps.logger.error({ chat: deps.pseudonym(key) }, "store away and the waiting queue is full: message refused");
      await deps.tell(message, send, "errors.internal");
      return "failed";
    }
    this.ids.add(id);
    if (first) {
      deps.logger.warn({ chat: deps.pseudonym(key), waiting: this.kept.size }, "store away: message kept for later");
      await deps.tell(message, send, "errors.store_unavailable");
    }
    this.schedule();
    return "deferred";
  }

  /** Stops retrying (the process is stopping); says how many messages were left. */
  stop(): number {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.kept.size) this.deps.logger.error({ messages: this.kept.size }, "stopping with messages still waiting for the store");
    return this.kept.size;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retryAll().catch((err) => {
        // Never an unhandled rejection: log it, and keep trying the messages still waiting.
        this.deps.logger.error({ err: errorInfo(err), waiting: this.kept.size }, "store outage: retrying kept messages failed");
        this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
        if (this.kept.size) this.schedule();
      });
    }, this.delay);
  }

  /**
   * A kept message tried again. An error the store does not call "away" (a refusal the replay
   * path does not expect) fails this message alone, as it would have failed when it arrived:
   * logged, the citizen told, and the next message goes on.
   */
  private async retryOne(key: string, item: DeferredMessage): Promise<string> {
    const { deps } = this;
    try {
      return await deps.retry(key, item.message, item.send);
    } catch (err) {
      deps.logger.error({ chat: deps.pseudonym(key), err: errorInfo(err) }, "kept message failed when tried again");
      await deps.tell(item.message, item.send, "errors.internal");
      return "failed";
    }
  }

  /** Oldest first per conversation; stops at the first message that still cannot be stored. */
  private async retryAll(): Promise<void> {
    const { deps } = this;
    for (const key of this.kept.keys()) {
      const done = await deps.queue.run(key, async () => {
        for (let item = this.kept.peek(key); item; item = this.kept.peek(key)) {
          if ((await this.retryOne(key, item)) === "deferred") return false;
          this.kept.shift(key);
          this.ids.delete(`${item.message.channel}:${item.message.messageId}`);
        }
        return true;
      });
      if (!done) {
        this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
        this.schedule();
        return;
      }
    }
    this.delay = deps.firstRetryMs;
    deps.logger.info("store back: waiting messages processed");
  }
}

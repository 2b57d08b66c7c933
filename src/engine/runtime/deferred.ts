/**
 * Messages that arrived while the store was away (MongoDB restarting, a network cut), kept in
 * order per conversation in a bounded queue and handed back, oldest first, once the store answers
 * again. While a conversation has messages waiting, its new ones wait behind them.
 */
import type { InboundMessage, Sender } from "./messages.js";

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

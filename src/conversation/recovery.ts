/**
 * Crash recovery: messages a process that died had claimed but never finished are still in the
 * store with their claim (the platform considers them delivered and will not send them again).
 * A sweep hands them back to the runtime, at start-up and then every half lease.
 */

import type { ChannelName } from "../domain/model/channel.js";
import type { InboundRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { fromJournal, type InboundMessage, type Sender } from "./messages.js";

/** Unfinished claims taken per sweep. */
const BATCH = 500;

export interface RecoveryDeps {
  inbound: InboundRepository;
  clock: Clock;
  logger: Logger;
  /** A claim older than this belongs to a process that died. */
  leaseMs: number;
  /** Handles a recovered message; `leaseMs` is how old its claim must be to be taken over. */
  handle(message: InboundMessage, send: Sender, leaseMs: number): Promise<"duplicate" | string>;
  /** How a channel reaches a citizen outside a live request, if it can. */
  senderFor(channel: ChannelName): Sender | undefined;
}

export class Recovery {
  private timer?: NodeJS.Timeout;
  /** Claims made before this are not this process's own. */
  private readonly startedAt: Date;

  constructor(private readonly deps: RecoveryDeps) {
    this.startedAt = deps.clock.now();
  }

  /**
   * `soleProcess` (the embedded store: one process per data folder) takes over at once every claim
   * made before this process started; otherwise a claim must be older than its lease, since
   * another process may still be on it.
   */
  start(options: { soleProcess: boolean }): void {
    if (this.timer) return;
    const sweep = (first: boolean) =>
      void this.sweep(first && options.soleProcess ? { claimedBefore: this.startedAt, leaseMs: 0 } : undefined).catch((err) =>
        this.deps.logger.warn({ err: errorInfo(err) }, "recovery sweep failed"),
      );
    this.timer = setInterval(() => sweep(false), this.deps.leaseMs / 2);
    this.timer.unref();
    sweep(true);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sweep; resolves with how many messages it took over. */
  async sweep(options?: { claimedBefore: Date; leaseMs: number }): Promise<number> {
    const { deps } = this;
    const leaseMs = options?.leaseMs ?? deps.leaseMs;
    const before = options?.claimedBefore ?? new Date(deps.clock.now().getTime() - deps.leaseMs);
    let recovered = 0;
    for (const journaled of await deps.inbound.unfinished(before, BATCH)) {
      const message = fromJournal(journaled);
      // A channel with no way to reach the citizen now (the web chat) keeps the replies pending for their next message.
      const send = deps.senderFor(message.channel) ?? (async () => Promise.reject(new Error(`no live sender for ${message.channel}`)));
      if ((await deps.handle(message, send, leaseMs)) !== "duplicate") recovered++;
    }
    if (recovered) deps.logger.warn({ messages: recovered }, "recovered messages a stopped process had not finished");
    return recovered;
  }
}

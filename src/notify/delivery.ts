/**
 * The outbox worker: delivers what the bot sends on its own initiative (replies a channel could not
 * take, status notices, announcements), one channel at a time, through the transport that channel
 * registered. Items are claimed with a lease, sent in order per chat, recorded as sent with the
 * platform's message id, retried with doubling pauses on a passing failure and given up on a
 * permanent one (the citizen blocked the bot). A worker that dies loses its claims when their lease
 * runs out; the next worker takes them over.
 */

import type { ChannelName } from "../domain/model/channel.js";
import type { OutboundMessage } from "../domain/model/message.js";
import type { NewOutboxItem, OutboxItem, OutboxReceipt, OutboxRepository, UnsentOutboxItem } from "../store/ports.js";

/** What a platform reports of a message it accepted (delivered, read…). */
export type { OutboxReceipt as Receipt } from "../store/ports.js";

import type { Clock } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { leaseHolderName } from "../util/process-name.js";
import type { Pseudonymizer } from "../util/pseudonym.js";
import { type PaceLimits, Pacer } from "./pacing.js";

/** How a channel delivers one message outside a conversation turn. */
export interface Transport {
  /** Resolves once the platform accepted the message, with its id for the message (a string) when it has one. */
  send(chatId: string, message: OutboundMessage): Promise<unknown>;
  /** Whether a failure will not pass by retrying (the chat blocked the bot, does not exist). */
  isPermanent?(err: unknown): boolean;
  /** The most messages per second to hand this channel (its adapter also keeps the platform's own limits). */
  perSecond?: number;
  /**
   * Whether a failure means the message may only go once the citizen writes again (WhatsApp's
   * 24-hour window, with no template for it): it waits, unsent and never given up, and goes out
   * before the answer to the chat's next message. Resolves with the short code it waits under.
   */
  waitsForChat?(err: unknown): string | undefined;
  /** The platform's limits (overall, per chat, per group): the worker paces its sends under them, several at a time. */
  limits?: PaceLimits;
  /** How long the platform asked to wait before this chat gets another message (a 429's retry_after), if it did. */
  retryAfterMs?(err: unknown): number | undefined;
}

/** How long a message that waits for its chat stays out of the worker's rounds (the chat's next message sends it sooner). */
const WAIT_FOR_CHAT_MS = 30 * 24 * 3600 * 1000;

export interface DeliveryOptions {
  outbox: OutboxRepository;
  clock: Clock;
  logger: Logger;
  pseudonym: Pseudonymizer;
  /** This worker's name on its claims; unique per process. */
  owner?: string;
  /** How long a claim protects an item from other workers. */
  leaseMs?: number;
  /** Items claimed per round. */
  batch?: number;
  /** Pause between looks at the outbox when nothing was found (another process may add items). */
  pollMs?: number;
  /** First pause after a failed attempt, doubled each time up to `maxRetryMs`. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** Attempts after which an item is given up. */
  maxAttempts?: number;
  /** Whether an error means the store is away for now: the worker pauses instead of failing items. */
  storeUnavailable?: (err: unknown) => boolean;
  /**
   * Whether an item is still wanted, asked right before it goes: one its producer no longer wants (an
   * announcement to a chat that unsubscribed or erased its data after its row was written) is withdrawn,
   * and nothing of it is kept. Absent: every item is.
   */
  wanted?: (item: UnsentOutboxItem) => Promise<boolean>;
  /** Told of an item given up because the platform refused it for good (the chat blocked the bot, is gone). */
  onRefused?: (item: OutboxItem) => Promise<void>;
}

interface Lane {
  transport: Transport;
  /** Present when the transport states its platform's limits. */
  pacer?: Pacer;
  up: boolean;
  running?: Promise<void>;
  /** Ends the current idle wait. */
  wake?: () => void;
  /** Woken while not waiting: the next wait returns at once. */
  woken: boolean;
}

/** A chat connected live (the web chat's page open), keyed `channel:chatId`. */
interface LiveChat {
  channel: ChannelName;
  chatId: string;
  send: Transport["send"];
  /** The delivery under way, so two never claim for the same chat at once. */
  flushing: Promise<void>;
  /** Another look is due when the one under way ends. */
  again: boolean;
}

export class Delivery {
  private readonly lanes = new Map<ChannelName, Lane>();
  private readonly live = new Map<string, Set<LiveChat>>();
  private liveTimer?: NodeJS.Timeout;
  private stopped = true;
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly pollMs: number;
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxAttempts: number;
  /**
   * Items this worker is delivering now. A claim can hand one back (its lease ran out while it waited
   * its turn behind the rate): the delivery under way keeps it, so this process never sends it twice.
   */
  private readonly inHand = new Set<string>();

  constructor(private readonly options: DeliveryOptions) {
    this.owner = options.owner ?? leaseHolderName();
    this.leaseMs = options.leaseMs ?? 60_000;
    this.batch = options.batch ?? 25;
    this.pollMs = options.pollMs ?? 2000;
    this.firstRetryMs = options.firstRetryMs ?? 5000;
    this.maxRetryMs = options.maxRetryMs ?? 60 * 60_000;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  /** Adds messages to the outbox (an id already there is kept as it is) and wakes their channels, and their chats connected live. */
  async enqueue(items: NewOutboxItem[]): Promise<number> {
    const added = await this.options.outbox.add(items);
    for (const channel of new Set(items.map((i) => i.channel))) this.wake(channel);
    for (const key of new Set(items.map((i) => `${i.channel}:${i.chatId}`))) for (const chat of this.live.get(key) ?? []) this.flushLive(chat);
    return added;
  }

  /**
   * A chat is connected live (the web chat's page is open, with its stream of notices): what waits
   * for it in the outbox is delivered through `send` now, and what is added for it while connected
   * goes at once (and, for items another process added, within `pollMs`). Channels that reach a
   * citizen only this way (the web chat) register no transport: their items wait in the outbox, never
   * given up, until the chat connects or writes. `waiting` hears once how many messages the first
   * delivery took in hand, before it sends them (0 when it took none). Returns what ends the connection.
   */
  connect(channel: ChannelName, chatId: string, send: Transport["send"], waiting?: (count: number) => void): { close(): void } {
    const key = `${channel}:${chatId}`;
    const chat: LiveChat = { channel, chatId, send, flushing: Promise.resolve(), again: false };
    const chats = this.live.get(key) ?? new Set<LiveChat>();
    chats.add(chat);
    this.live.set(key, chats);
    if (!this.liveTimer) {
      this.liveTimer = setInterval(() => {
        for (const set of this.live.values()) for (const c of set) this.flushLive(c);
      }, this.pollMs);
      this.liveTimer.unref();
    }
    let told = false;
    const tell = (count: number) => {
      if (told) return;
      told = true;
      waiting?.(count);
    };
    // A delivery that took nothing in hand (it failed to claim, or the page already went) tells 0.
    void this.flushLive(chat, tell).then(() => tell(0));
    return {
      close: () => {
        chats.delete(chat);
        if (chats.size === 0) this.live.delete(key);
        if (this.live.size === 0) {
          clearInterval(this.liveTimer);
          this.liveTimer = undefined;
        }
      },
    };
  }

  /** Resolves when the deliveries to live chats under way have ended (tests, and a stop). */
  async settled(): Promise<void> {
    for (const set of [...this.live.values()]) for (const chat of set) await chat.flushing;
  }

  /** Delivers what waits for a live chat, after the delivery under way (nothing when one is already queued). */
  private flushLive(chat: LiveChat, claimed?: (count: number) => void): Promise<void> {
    if (chat.again) return Promise.resolve();
    chat.again = true;
    chat.flushing = chat.flushing.then(async () => {
      chat.again = false;
      if (!this.live.get(`${chat.channel}:${chat.chatId}`)?.has(chat)) return;
      try {
        await this.deliverNow(chat.channel, chat.chatId, chat.send, claimed);
      } catch (err) {
        // The page went away mid-send: what was not sent waits for the next connection.
        this.options.logger.debug({ channel: chat.channel, err: errorInfo(err) }, "live chat did not take a message");
      }
    });
    return chat.flushing;
  }

  /**
   * Gives up what was created before `before` and is still not sent, nor held by a sender (a web chat whose page
   * never opened again), with its text, unless scheduled for later and never tried; resolves with how many.
   */
  giveUpWaiting(before: Date): Promise<number> {
    return this.options.outbox.giveUpWaiting(before, this.options.clock.now());
  }

  /** Whether an item with this id is in the outbox (waiting, sent or given up). */
  async has(id: string): Promise<boolean> {
    return (await this.options.outbox.get(id)) !== null;
  }

  /**
   * What the platform says became of a message it accepted (delivered, read, failed), recorded on
   * its outbox row found by the platform's id. False when no row has that id (a reply sent live in a
   * conversation turn is not in the outbox) or the row already knew better.
   */
  receipt(channel: ChannelName, platformId: string, receipt: OutboxReceipt, error: string | null = null): Promise<boolean> {
    return this.options.outbox.markReceipt(channel, platformId, receipt, error);
  }

  /** A channel that can deliver says how; it starts up (call `down` while it cannot). */
  register(channel: ChannelName, transport: Transport): void {
    const lane = this.lanes.get(channel);
    const pacer = transport.limits ? new Pacer(transport.limits) : undefined;
    if (lane) Object.assign(lane, { transport, pacer });
    else this.lanes.set(channel, { transport, pacer, up: true, woken: false });
    this.up(channel);
  }

  /** The channel is connected again: what waits for it goes out now, retries included. */
  up(channel: ChannelName): void {
    const lane = this.lanes.get(channel);
    if (!lane) return;
    lane.up = true;
    void this.options.outbox.retryNow(channel, this.options.clock.now()).then(
      () => this.wake(channel),
      (err) => this.options.logger.warn({ channel, err: errorInfo(err) }, "outbox retries not moved forward"),
    );
    if (!this.stopped && !lane.running) lane.running = this.loop(channel, lane);
    else this.wake(channel);
  }

  /** The channel cannot deliver for now (WhatsApp disconnected): its items wait. */
  down(channel: ChannelName): void {
    const lane = this.lanes.get(channel);
    if (lane) lane.up = false;
    this.wake(channel);
  }

  wake(channel?: ChannelName): void {
    for (const [name, lane] of this.lanes) {
      if (channel && name !== channel) continue;
      if (lane.wake) lane.wake();
      else lane.woken = true;
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const [channel, lane] of this.lanes) if (!lane.running) lane.running = this.loop(channel, lane);
  }

  /** Stops looking for work and waits for the sends in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    clearInterval(this.liveTimer);
    this.liveTimer = undefined;
    await Promise.all([...this.lanes.values()].map((l) => l.running));
    await this.settled();
  }

  /**
   * Sends, through a conversation turn's live `send`, what waits in the outbox for this chat (in
   * order, before the turn's own replies). Rejects with the channel's error when one does not go:
   * it and the rest stay in the outbox. `claimed` hears how many it took in hand, before it sends them.
   */
  async deliverNow(channel: ChannelName, chatId: string, send: Transport["send"], claimed?: (count: number) => void): Promise<number> {
    const { outbox, clock } = this.options;
    const taken = this.take(await outbox.claimChat(channel, chatId, this.owner, clock.now(), this.leaseMs));
    try {
      const items: UnsentOutboxItem[] = [];
      try {
        for (const item of taken) if (!(await this.withdrawn(item))) items.push(item);
      } catch (err) {
        // Not checked: back for the worker (and this chat's next message) at once, not held until the lease runs out.
        for (const item of taken) await outbox.markRetry(item.id, this.owner, clock.now(), "not_checked").catch(() => undefined);
        throw err;
      }
      claimed?.(items.length);
      for (const [n, item] of items.entries()) {
        try {
          const platformId = await send(chatId, item.payload);
          await outbox.markSent(item.id, this.owner, clock.now(), typeof platformId === "string" ? platformId : null);
        } catch (err) {
          // Back for the worker, this one and the rest, right away.
          for (const rest of items.slice(n)) await outbox.markRetry(rest.id, this.owner, clock.now(), "send_failed");
          throw err;
        }
      }
      return items.length;
    } finally {
      for (const item of taken) this.inHand.delete(item.id);
    }
  }

  /** The claimed items this worker is not delivering already, now in its hand. */
  private take(claimed: UnsentOutboxItem[]): UnsentOutboxItem[] {
    const items = claimed.filter((item) => !this.inHand.has(item.id));
    for (const item of items) this.inHand.add(item.id);
    return items;
  }

  /** One round for a channel: claims what is due and sends it. Resolves with how many items were handled. */
  async runOnce(channel: ChannelName): Promise<number> {
    const round = await this.round(channel);
    await round.done;
    return round.count;
  }

  /**
   * Claims what is due and starts sending it: one after the other with the transport's pause, or,
   * when it states its platform's limits, several at once as the pacer grants them (so the time a
   * send takes does not slow the rate). `done` resolves when every claimed item was handled.
   */
  private async round(channel: ChannelName): Promise<{ count: number; done: Promise<unknown> }> {
    const lane = this.lanes.get(channel);
    if (!lane?.up) return { count: 0, done: Promise.resolve() };
    const { outbox, clock } = this.options;
    const pacer = lane.pacer;
    // A paced round is about two seconds of sends, and two rounds (the one sent, the next one claimed) fit in a
    // quarter of the lease: a message claimed is sent well before another worker could take it over.
    const limits = lane.transport.limits;
    const batch =
      pacer && limits
        ? Math.max(1, Math.min(Math.max(this.batch, limits.perSecond * 2), Math.floor((limits.perSecond * this.leaseMs) / 1000 / 8)))
        : this.batch;
    const items = this.take(await outbox.claim(channel, this.owner, clock.now(), this.leaseMs, batch));
    const release = (item: OutboxItem) => this.inHand.delete(item.id);
    if (pacer) {
      const done = Promise.all(items.map((item) => this.paced(lane, pacer, item).finally(() => release(item)))).catch((err: unknown) => {
        // Whatever was not recorded keeps its lease, runs out, and is claimed again.
        if (!this.options.storeUnavailable?.(err)) this.options.logger.error({ channel, err: errorInfo(err) }, "outbox round failed");
      });
      return { count: items.length, done };
    }
    const pause = lane.transport.perSecond ? 1000 / lane.transport.perSecond : 0;
    const done = (async () => {
      try {
        for (const [n, item] of items.entries()) {
          // A channel that went down meanwhile: the rest go back at once, untouched by this attempt.
          if (!lane.up) {
            await outbox.markRetry(item.id, this.owner, clock.now(), "channel_down");
            continue;
          }
          if (n > 0 && pause) await sleep(pause);
          await this.deliver(lane, item);
        }
      } finally {
        for (const item of items) release(item);
      }
    })();
    return { count: items.length, done };
  }

  /** Sends one item when the pacer allows; a chat held back longer than half a lease goes back to wait its turn. */
  private async paced(lane: Lane, pacer: Pacer, item: UnsentOutboxItem): Promise<void> {
    const { outbox, clock } = this.options;
    const wait = pacer.chatWait(item.chatId);
    if (wait > this.leaseMs / 2) {
      await outbox.markRetry(item.id, this.owner, new Date(clock.now().getTime() + wait), "paced");
      return;
    }
    // A turn that comes when the lease is (nearly) over is not used: another worker may take the message
    // over meanwhile. It goes back to wait (a no-op when another worker holds it already).
    const leased = () => !item.leaseUntil || item.leaseUntil.getTime() - clock.now().getTime() >= this.leaseMs / 4;
    if (!(await pacer.take(item.chatId, leased))) {
      await outbox.markRetry(item.id, this.owner, clock.now(), "lease_ran_out");
      return;
    }
    if (!lane.up) {
      await outbox.markRetry(item.id, this.owner, clock.now(), "channel_down");
      return;
    }
    await this.deliver(lane, item);
  }

  /** Whether the item was withdrawn because it is no longer wanted (see `wanted`). */
  private async withdrawn(item: UnsentOutboxItem): Promise<boolean> {
    if (!this.options.wanted || (await this.options.wanted(item))) return false;
    await this.options.outbox.withdraw(item.id, this.owner);
    // An announcement's id says nothing of the chat; a notice's report would tie the chat to it.
    const about = item.kind === "announcement" ? { ref: item.ref } : {};
    this.options.logger.info({ channel: item.channel, kind: item.kind, ...about }, "outbox message withdrawn: no longer wanted");
    return true;
  }

  private async deliver(lane: Lane, item: UnsentOutboxItem): Promise<void> {
    const { outbox, clock, logger, pseudonym } = this.options;
    const transport = lane.transport;
    if (await this.withdrawn(item)) return;
    let platformId: string | null;
    try {
      const sent = await transport.send(item.chatId, item.payload);
      platformId = typeof sent === "string" ? sent : null;
    } catch (err) {
      const chat = pseudonym(`${item.channel}:${item.chatId}`);
      const waiting = transport.waitsForChat?.(err);
      if (waiting) {
        logger.info({ channel: item.channel, chat, kind: item.kind, reason: waiting }, "outbox message waits for the citizen's next message");
        await outbox.markRetry(item.id, this.owner, new Date(clock.now().getTime() + WAIT_FOR_CHAT_MS), waiting);
        return;
      }
      const permanent = transport.isPermanent?.(err) ?? false;
      if (permanent || item.attempts >= this.maxAttempts) {
        logger.warn({ channel: item.channel, chat, kind: item.kind, attempts: item.attempts, err: errorInfo(err) }, "outbox message given up");
        await outbox.markFailed(item.id, this.owner, permanent ? "permanent" : "attempts", clock.now());
        if (permanent)
          await this.options.onRefused?.(item).catch((e) => logger.warn({ channel: item.channel, err: errorInfo(e) }, "refused chat not recorded"));
        return;
      }
      // The platform said how long to wait (429): that chat waits exactly that, the others go on.
      const asked = transport.retryAfterMs?.(err);
      if (asked !== undefined) {
        lane.pacer?.hold(item.chatId, asked);
        logger.info({ channel: item.channel, chat, kind: item.kind, retryInMs: asked }, "outbox message rate limited, retrying");
        await outbox.markRetry(item.id, this.owner, new Date(clock.now().getTime() + asked), "rate_limited");
        return;
      }
      const wait = Math.min(this.firstRetryMs * 2 ** (item.attempts - 1), this.maxRetryMs);
      logger.info(
        { channel: item.channel, chat, kind: item.kind, attempts: item.attempts, retryInMs: wait, err: errorInfo(err) },
        "outbox message not sent, retrying",
      );
      await outbox.markRetry(item.id, this.owner, new Date(clock.now().getTime() + wait), "send_failed");
      return;
    }
    // Not ours any more: our lease ran out while the platform took its time, and another worker took the item
    // over; or it is gone (its chat's data was erased while it was being sent), and nothing is to be recorded.
    if (!(await outbox.markSent(item.id, this.owner, clock.now(), platformId)) && (await outbox.get(item.id)) !== null) {
      logger.warn({ channel: item.channel, kind: item.kind }, "outbox message sent after its lease ran out: it may arrive twice");
    }
  }

  private async loop(channel: ChannelName, lane: Lane): Promise<void> {
    const { logger, storeUnavailable } = this.options;
    let idleMs = this.pollMs;
    const settledRound: Promise<unknown> = Promise.resolve();
    let previous = settledRound;
    try {
      while (!this.stopped) {
        if (!lane.up) {
          await this.idle(lane, this.pollMs);
          continue;
        }
        let handled = 0;
        try {
          const round = await this.round(channel);
          handled = round.count;
          // A paced lane claims its next round while this one is sent, so the rate never waits on the store.
          if (!lane.pacer) await round.done;
          else if (round.count > 0) {
            await previous;
            previous = round.done;
          }
          idleMs = this.pollMs;
        } catch (err) {
          if (!storeUnavailable?.(err)) logger.error({ channel, err: errorInfo(err) }, "outbox round failed");
          // The store is away or failing: look again later, less often each time.
          idleMs = Math.min(idleMs * 2, 60_000);
        }
        if (handled === 0 && !this.stopped && lane.up) {
          // What the round under way sends may free the next item of its chats: look again once it ends.
          const inFlight = previous !== settledRound;
          await previous;
          previous = settledRound;
          if (!inFlight) await this.idle(lane, idleMs);
        }
      }
      await previous;
    } finally {
      lane.running = undefined;
      lane.wake = undefined;
    }
  }

  /** Waits for `ms`, or less if woken (something was added, the channel came back, or stop). */
  private idle(lane: Lane, ms: number): Promise<void> {
    if (lane.woken || this.stopped) {
      lane.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      lane.wake = done;
      function done() {
        clearTimeout(timer);
        lane.wake = undefined;
        resolve();
      }
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

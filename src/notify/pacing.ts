/**
 * Keeps what the outbox sends under a platform's published limits, so a broadcast to thousands
 * never meets a 429: at most `perSecond` messages in any second overall, evenly spaced, one chat's messages at
 * least `chatGapMs` apart, and at most `groupPerMinute` in any minute to one group or channel. A
 * timer that woke a little late costs no rate: the slot it missed is made up. A 429's retry_after
 * holds that chat back. Sends are granted in the order they ask, each slot reserved when granted, so
 * concurrent sends never overrun a window.
 */

export interface PaceLimits {
  /** Messages in any second, all chats together (Telegram: about 30). */
  perSecond: number;
  /** The least time between two messages to one chat (Telegram: 1,000 ms). */
  chatGapMs: number;
  /** Messages in any minute to one group or channel (Telegram: 20). */
  groupPerMinute: number;
  /** Whether a chat is a group or channel (Telegram: a negative id). */
  isGroup(chatId: string): boolean;
}

export interface PaceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PaceClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Added to every window: the far end counts arrivals, which jitter. With a slot made up after a late
 * timer the pacer runs at the limit, and 20 ms let an arrival through early enough for a 429 (one run
 * in four of test/announcements-crash.test.ts at 300/s); 50 ms, none in eight.
 */
const MARGIN_MS = 50;
/**
 * Slots missed (a timer that woke late on a loaded machine) that are made up by sending without the
 * even spacing: one, so a timer a little late costs no rate. More arrived bunched enough for the far
 * end to count more than `perSecond` in a second after a stall (bench:broadcast at ×10: 429s with
 * two or three, none with one).
 */
const CATCH_UP_SLOTS = 1;
/** Chats remembered for their gap; older entries are dropped when this many accumulate. */
const PRUNE_AT = 10_000;

export class Pacer {
  /** Times of the latest sends overall, at most `perSecond` of them, oldest first. */
  private readonly recent: number[] = [];
  private readonly chatNext = new Map<string, number>();
  private readonly groupRecent = new Map<string, number[]>();
  private chain: Promise<void> = Promise.resolve();
  private readonly windowMs: number;
  /** When the next send may go after the one before, evenly spaced; behind now by at most CATCH_UP_SLOTS slots. */
  private nextSlot = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: PaceLimits,
    private readonly clock: PaceClock = realClock,
  ) {
    this.windowMs = 1000 + MARGIN_MS;
  }

  /** How long until this chat may get a message (0: now). */
  chatWait(chatId: string): number {
    const now = this.clock.now();
    let at = this.chatNext.get(chatId) ?? 0;
    const group = this.groupRecent.get(chatId);
    if (group && group.length >= this.limits.groupPerMinute) at = Math.max(at, group[group.length - this.limits.groupPerMinute] + 60_000 + MARGIN_MS);
    return Math.max(0, at - now);
  }

  /**
   * Resolves when a message to `chatId` may go, with its slot taken (true); or, when `still` says at its
   * turn that it should no longer go, with false and no slot taken, so the messages behind it lose no time.
   */
  async take(chatId: string, still: () => boolean = () => true): Promise<boolean> {
    const wait = this.chatWait(chatId);
    if (wait > 0) await this.clock.sleep(wait);
    // The overall window is granted in turn, one send at a time.
    const turn = this.chain.then(async () => {
      if (!still()) return false;
      await this.overall(chatId);
      return true;
    });
    this.chain = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** A 429: the chat gets nothing for `ms`. */
  hold(chatId: string, ms: number): void {
    this.chatNext.set(chatId, Math.max(this.chatNext.get(chatId) ?? 0, this.clock.now() + ms));
  }

  private async overall(chatId: string): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const chatAt = Math.max(0, (this.chatNext.get(chatId) ?? 0) - now);
      const windowAt = this.recent.length >= this.limits.perSecond ? this.recent[0] + this.windowMs - now : 0;
      // Evenly spaced, a slot missed made up: the far end counts arrivals, and a burst sent to catch
      // up after the event loop stalled arrives bunched.
      const wait = Math.max(chatAt, windowAt, this.nextSlot - now);
      if (wait <= 0) break;
      await this.clock.sleep(wait);
    }
    const now = this.clock.now();
    const slotMs = this.windowMs / this.limits.perSecond;
    this.nextSlot = Math.max(this.nextSlot, now - CATCH_UP_SLOTS * slotMs) + slotMs;
    this.recent.push(now);
    while (this.recent.length > this.limits.perSecond) this.recent.shift();
    if (this.chatNext.size >= PRUNE_AT) for (const [id, at] of this.chatNext) if (at <= now) this.chatNext.delete(id);
    this.chatNext.set(chatId, now + this.limits.chatGapMs + MARGIN_MS);
    if (this.limits.isGroup(chatId)) {
      const group = this.groupRecent.get(chatId) ?? [];
      group.push(now);
      while (group.length > this.limits.groupPerMinute) group.shift();
      this.groupRecent.set(chatId, group);
    }
  }
}

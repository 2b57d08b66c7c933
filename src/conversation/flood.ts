/**
 * The flood limit, the same on every channel: a conversation that sends more than `max` messages
 * within `windowMs` gets one polite notice, and its messages are then ignored until the pace drops
 * below the limit. Ignored messages count too, so a sender that never slows down stays ignored; a
 * person who pauses is answered again. Kept in memory, one small entry per recent conversation.
 */
import type { Clock } from "../util/clock.js";

export interface FloodLimit {
  max: number;
  windowMs: number;
}

/** `pass`: handle the message; `notice`: the first one over the limit, answered with the notice; `ignore`: dropped. */
export type FloodVerdict = "pass" | "notice" | "ignore";

/** Conversations remembered; the least recently active are forgotten beyond this. */
const REMEMBERED = 100_000;

interface Pace {
  /** When the last messages arrived (at most `max`), oldest first. */
  times: number[];
  /** Whether the notice was sent since the pace was last within the limit. */
  noticed: boolean;
}

export class FloodGate {
  private readonly paces = new Map<string, Pace>();

  constructor(
    private readonly limit: FloodLimit,
    private readonly clock: Clock,
  ) {}

  check(key: string): FloodVerdict {
    const now = this.clock.now().getTime();
    const pace = this.paces.get(key) ?? { times: [], noticed: false };
    // Most recently active last, so the first entry is the one to forget.
    this.paces.delete(key);
    this.paces.set(key, pace);
    if (this.paces.size > REMEMBERED) this.paces.delete(this.paces.keys().next().value as string);

    const since = now - this.limit.windowMs;
    while (pace.times.length && pace.times[0] <= since) pace.times.shift();
    const within = pace.times.length < this.limit.max;
    pace.times.push(now);
    if (pace.times.length > this.limit.max) pace.times.shift();
    if (within) {
      pace.noticed = false;
      return "pass";
    }
    if (pace.noticed) return "ignore";
    pace.noticed = true;
    return "notice";
  }
}

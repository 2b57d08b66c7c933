/** The one clock: injectable, so tests control time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A day in milliseconds (24 hours; a local calendar day may differ across a change of time). */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The moment `days` days (of DAY_MS) before `at`. */
export const daysBefore = (at: Date, days: number): Date => new Date(at.getTime() - days * DAY_MS);

/**
 * A clock tests move by hand. It starts at the real time, never at a fixed date: the stores expire
 * inbound ids against the real clock (nedb's and MongoDB's TTL), and a test must pass on any day.
 */
export class ManualClock implements Clock {
  private time: Date;
  constructor(start: Date = new Date()) {
    this.time = new Date(start);
  }
  now(): Date {
    return new Date(this.time);
  }
  advance(ms: number): void {
    this.time = new Date(this.time.getTime() + ms);
  }
}

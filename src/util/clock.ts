/** The one clock: injectable, so tests control time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

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

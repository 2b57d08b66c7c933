/**
 * What the dispatchers share: a sweep over what has changes whose notices are still to be queued,
 * run now when woken, again right after if woken meanwhile, and otherwise every `pollMs` (another
 * process may have left work), never two at once. One item that fails is logged and tried on the
 * next sweep; the others go on.
 */
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";

export interface SweepOptions {
  logger: Logger;
  /** Items looked at per sweep. */
  batch?: number;
  /** Pause between sweeps when nothing is pending (another process may change things). */
  pollMs?: number;
}

export abstract class SweepingDispatcher<T extends { id: string }> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  /** `what`: the kind of item (`report`, `commitment`), for log lines. */
  constructor(
    private readonly sweeping: SweepOptions,
    private readonly what: string,
  ) {}

  /** Items with changes not dispatched yet, oldest change first. */
  protected abstract pending(limit: number): Promise<T[]>;

  /** Queues what an item's changes set off and marks it done; idempotent. */
  abstract dispatch(item: T): Promise<void>;

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Something changed: sweep now (or right after the sweep under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.sweep()
      .then(() => undefined)
      .catch((err) => this.sweeping.logger.warn({ err: errorInfo(err) }, `${this.what} dispatch sweep failed`))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
          return;
        }
        this.timer = setTimeout(() => this.wake(), this.sweeping.pollMs ?? 5000);
        this.timer.unref();
      });
  }

  /** Dispatches every item with something pending; resolves with how many were done. */
  async sweep(): Promise<number> {
    let done = 0;
    for (const item of await this.pending(this.sweeping.batch ?? 100)) {
      try {
        await this.dispatch(item);
        done++;
      } catch (err) {
        this.sweeping.logger.warn({ [this.what]: item.id, err: errorInfo(err) }, `${this.what} changes not dispatched yet`);
      }
    }
    return done;
  }
}

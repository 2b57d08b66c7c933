/**
 * A sweep run now when woken, again right after if woken meanwhile, and otherwise every `pollMs`
 * (another process may have left work): how the dispatchers find changes whose notices are still
 * to be queued, without two sweeps of one kind ever running at once.
 */
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";

export class Sweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(
    private readonly sweep: () => Promise<unknown>,
    private readonly logger: Logger,
    /** What failed, for the log line. */
    private readonly what: string,
    private readonly pollMs = 5000,
  ) {}

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
      .catch((err) => this.logger.warn({ err: errorInfo(err) }, `${this.what} sweep failed`))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
          return;
        }
        this.timer = setTimeout(() => this.wake(), this.pollMs);
        this.timer.unref();
      });
  }
}

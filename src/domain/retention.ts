/**
 * The retention job: once an hour (and a minute after start), closed reports whose last change is older than
 * RETENTION_DAYS are de-identified (domain/data-rights.ts `purgeClosed`): the report stays for open
 * data and the secretariat's figures, what could name its citizen goes.
 */
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { DataRights } from "./data-rights.js";

const HOUR_MS = 60 * 60 * 1000;
const FIRST_PASS_AFTER_MS = 60 * 1000;

export class RetentionJob {
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;

  constructor(
    private readonly rights: DataRights,
    private readonly days: number,
    private readonly logger: Logger,
  ) {}

  /** The first pass a minute after start (start-up and the first messages go first), then every hour. */
  start(everyMs = HOUR_MS, firstAfterMs = FIRST_PASS_AFTER_MS): void {
    this.stop();
    this.first = setTimeout(() => void this.run(), firstAfterMs);
    this.first.unref();
    this.timer = setInterval(() => void this.run(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
    this.first = undefined;
    this.timer = undefined;
  }

  /** One pass now over every due report, oldest first in batches; resolves with how many were de-identified. */
  async run(): Promise<number> {
    let total = 0;
    try {
      total = await this.rights.purgeClosed(this.days);
      if (total) this.logger.info({ reports: total, days: this.days }, "retention: closed reports de-identified");
    } catch (err) {
      this.logger.warn({ err: errorInfo(err) }, "retention pass failed");
    }
    return total;
  }
}

/**
 * The grammY bot as we configure it: our API root and HTTP client, and the API transformers every call goes
 * through — a log line for each failed call (method and Telegram's description, never the payload),
 * Telegram's rate limits (transformer-throttler), and retries of 429s, 5xx and network errors
 * (auto-retry).
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { apiThrottler } from "@grammyjs/transformer-throttler";
import { Api, Bot, type Transformer } from "grammy";
import type { Logger } from "../../util/logger.js";
import { botApiFetch } from "./http.js";

export interface BotOptions {
  token: string;
  apiRoot: string;
  /** Respect Telegram's limits (about 30 messages a second, a short burst then one a second per chat). */
  throttle: boolean;
  logger: Logger;
}

/** Retries of one call before its failure is handed back (the conversation keeps the reply pending). */
const MAX_RETRIES = 5;
/** A 429 asking to wait longer than this is handed back rather than waited for. */
const MAX_RETRY_AFTER_SECONDS = 60;

export function createBot(options: BotOptions): Bot {
  const bot = new Bot(options.token, { client: client(options.apiRoot) });
  bot.api.config.use(logFailures(options.logger));
  if (options.throttle) bot.api.config.use(throttler());
  bot.api.config.use(autoRetry({ maxRetryAttempts: MAX_RETRIES, maxDelaySeconds: MAX_RETRY_AFTER_SECONDS }));
  return bot;
}

/** Telegram's published limits as token buckets: a chat may get a short burst, then one message a second. */
function throttler(): Transformer {
  return apiThrottler({
    global: { reservoir: 30, reservoirRefreshAmount: 30, reservoirRefreshInterval: 1000 },
    group: { maxConcurrent: 1, reservoir: 20, reservoirRefreshAmount: 20, reservoirRefreshInterval: 60_000 },
    out: { maxConcurrent: 1, reservoir: 3, reservoirIncreaseAmount: 1, reservoirIncreaseInterval: 1000, reservoirIncreaseMaximum: 3 },
  });
}

/**
 * The API the outbox sends through: the same failure log lines, but no throttler and no retries of
 * its own: the outbox paces itself under Telegram's limits and turns a 429's retry_after, or any
 * other failure, into a later attempt of that one message while the others go on.
 */
export function createOutboxApi(options: Pick<BotOptions, "token" | "apiRoot" | "logger">): Api {
  const api = new Api(options.token, client(options.apiRoot));
  api.config.use(logFailures(options.logger));
  return api;
}

/** grammY's client options: our API root, and our HTTP client (http.ts) in place of node-fetch. */
function client(apiRoot: string) {
  return { apiRoot, fetch: botApiFetch as unknown as typeof fetch };
}

/** Installed first, so it sees every attempt, including those auto-retry repeats. */
function logFailures(logger: Logger): Transformer {
  return async (prev, method, payload, signal) => {
    try {
      const result = await prev(method, payload, signal);
      if (!result.ok && method !== "getUpdates") {
        logger.warn({ channel: "telegram", method, code: result.error_code, reason: result.description }, "telegram call failed");
      }
      return result;
    } catch (err) {
      if (!signal?.aborted) logger.warn({ channel: "telegram", method, error: (err as Error).message }, "telegram call failed");
      throw err;
    }
  };
}

/** The whole running bot (HTTP server and channels, as `npm start` composes it) for end-to-end tests. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { loadConfig } from "../../src/config/settings.js";
import { type Service, type ServiceOptions, startService } from "../../src/service.js";
import { ManualClock } from "../../src/util/clock.js";
import { createLogger } from "../../src/util/logger.js";
import { FakeBotApi } from "../fakes/bot-api.js";
import { FakeWhatsApp } from "../fakes/whatsapp.js";
import { tempDir } from "./app.js";
import type { Running } from "./process.js";

/** Log lines the bot wrote, parsed. */
export class LogLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) this.lines.push(JSON.parse(line));
    done();
  }
  get text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join("\n");
  }
}

export interface RunningBot {
  service: Service;
  dataDir: string;
  logs: LogLines;
  clock: ManualClock;
  /** Stops this process-equivalent and starts another on the same data and environment. */
  restart(): Promise<RunningBot>;
  /** Stops it (once: a second call waits for the first). */
  stop(): Promise<void>;
}

export interface RunBotOptions {
  dataDir?: string;
  clock?: ManualClock;
  service?: Omit<ServiceOptions, "clock" | "logger">;
}

export async function runBot(env: Record<string, string>, options: RunBotOptions = {}): Promise<RunningBot> {
  const dataDir = options.dataDir ?? (await tempDir());
  const clock = options.clock ?? new ManualClock();
  const logs = new LogLines();
  const config = loadConfig({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", ...env });
  const service = await startService(config, { ...options.service, clock, logger: createLogger("info", logs) });
  await service.telegram?.start();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= service.stop();
    return stopped;
  };
  return {
    service,
    dataDir,
    logs,
    clock,
    async restart() {
      await stop();
      return runBot(env, { ...options, dataDir, clock });
    },
    stop,
  };
}

/** The settings that point the bot's Telegram channel at a fake Bot API (no rate limits: the fake has none). */
export function telegramEnv(fake: { token: string; url: string }, extra: Record<string, string> = {}): Record<string, string> {
  return { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, TELEGRAM_THROTTLE: "false", ...extra };
}

/**
 * The environment of a bot process (`npm start`) on `dataDir` against a fake Bot API: no web chat, no
 * digest, warnings only, and what a killed process held in the outbox goes out again after 5 s, not a minute.
 */
export function processEnv(dataDir: string, fake: { token: string; url: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    WEB_CHAT_ENABLED: "false",
    DIGEST_HOUR: "off",
    LOG_LEVEL: "warn",
    OUTBOX_LEASE_SECONDS: "5",
    ...telegramEnv(fake),
    ...extra,
  };
}

/** This test's fake Telegram Bot API and the bots started against it. */
export interface FakeTelegram {
  /** The fake Bot API of the test that runs now. */
  readonly fake: FakeBotApi;
  /** The bot this test started last (or restarted last). */
  readonly bot: RunningBot;
  /** Starts a bot against this test's fake, with `telegramEnv(fake, extra)`; it is stopped after the test, and so is every bot a restart makes of it. */
  start(extra?: Record<string, string>, options?: RunBotOptions): Promise<{ fake: FakeBotApi; bot: RunningBot }>;
}

/**
 * A fake Bot API for each test of the file (or of the `describe` it is called in): started before the
 * test, closed after it, once the bots the test started against it are stopped.
 */
export function fakeTelegramPerTest(): FakeTelegram {
  let fake: FakeBotApi | undefined;
  const bots: RunningBot[] = [];
  const track = (bot: RunningBot): RunningBot => {
    const tracked: RunningBot = { ...bot, restart: async () => track(await bot.restart()) };
    bots.push(tracked);
    return tracked;
  };
  beforeEach(async () => {
    fake = await FakeBotApi.start();
  });
  afterEach(async () => {
    for (const bot of bots.splice(0).reverse()) await bot.stop();
    await fake?.close();
    fake = undefined;
  });
  const current = (): FakeBotApi => {
    if (!fake) throw new Error("the fake Bot API runs only during a test");
    return fake;
  };
  return {
    get fake() {
      return current();
    },
    get bot() {
      const bot = bots.at(-1);
      if (!bot) throw new Error("no bot was started in this test");
      return bot;
    },
    async start(extra = {}, options = {}) {
      const bot = track(await runBot(telegramEnv(current(), extra), options));
      return { fake: current(), bot };
    },
  };
}

export { freePort } from "./ports.js";

/**
 * The settings that turn WhatsApp on against a fake client (`service.whatsappClient`): a file stands where
 * Chromium would be (the fake never starts it), no pacing.
 */
export async function fakeWhatsAppEnv(): Promise<Record<string, string>> {
  const chromium = join(await tempDir(), "chromium");
  await writeFile(chromium, "");
  return { WHATSAPP_ENABLED: "true", CHROMIUM_PATH: chromium, WHATSAPP_CHAT_INTERVAL_MS: "0", WHATSAPP_MAX_PER_MINUTE: "6000" };
}

/** One bot on Telegram (a fake Bot API) and WhatsApp (a fake, linked client), ready on both. */
async function telegramAndWhatsApp(): Promise<{ fake: FakeBotApi; network: FakeWhatsApp; bot: RunningBot }> {
  const fake = await FakeBotApi.start();
  const network = new FakeWhatsApp();
  network.linked = true;
  const bot = await runBot(telegramEnv(fake, { DIGEST_HOUR: "off", ...(await fakeWhatsAppEnv()) }), {
    service: { whatsappClient: network.factory, printQr: () => {}, whatsappReconnectMs: 20 },
  });
  await network.until(() => (bot.service.whatsapp?.state === "ready" ? true : undefined), 5000, "WhatsApp ready");
  return { fake, network, bot };
}

/**
 * One bot on Telegram and WhatsApp (`telegramAndWhatsApp`) for the whole file (or the `describe` it is
 * called in): started before its first test, stopped with its fake Bot API after the last.
 */
export function telegramAndWhatsAppPerFile(): { readonly fake: FakeBotApi; readonly network: FakeWhatsApp; readonly bot: RunningBot } {
  let running: Awaited<ReturnType<typeof telegramAndWhatsApp>> | undefined;
  beforeAll(async () => {
    running = await telegramAndWhatsApp();
  }, 60_000);
  afterAll(async () => {
    await running?.bot.stop();
    await running?.fake.close();
    running = undefined;
  });
  const current = () => {
    if (!running) throw new Error("the bot runs only while the file's tests do");
    return running;
  };
  return {
    get fake() {
      return current().fake;
    },
    get network() {
      return current().network;
    },
    get bot() {
      return current().bot;
    },
  };
}

/** The fake Bot API and the bot process (`npm start`) a test started; both stopped after it, the process with SIGKILL. */
export interface BotProcess {
  fake?: FakeBotApi;
  child?: Running;
}

/** A place for each test's fake Bot API and bot process, stopped after the test. */
export function botProcessPerTest(): BotProcess {
  const current: BotProcess = {};
  afterEach(async () => {
    current.child?.child.kill("SIGKILL");
    await current.child?.finished;
    await current.fake?.close();
    current.child = undefined;
    current.fake = undefined;
  });
  return current;
}

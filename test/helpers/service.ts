/** The whole running bot (HTTP server and channels, as `npm start` composes it) for end-to-end tests. */
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config/settings.js";
import { type Service, type ServiceOptions, startService } from "../../src/service.js";
import { ManualClock } from "../../src/util/clock.js";
import { createLogger } from "../../src/util/logger.js";
import { tempDir } from "./app.js";

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
  stop(): Promise<void>;
}

export async function runBot(
  env: Record<string, string>,
  options: { dataDir?: string; clock?: ManualClock; service?: Omit<ServiceOptions, "clock" | "logger"> } = {},
): Promise<RunningBot> {
  const dataDir = options.dataDir ?? (await tempDir());
  const clock = options.clock ?? new ManualClock();
  const logs = new LogLines();
  const config = loadConfig({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", ...env });
  const service = await startService(config, { ...options.service, clock, logger: createLogger("info", logs) });
  await service.telegram?.start();
  return {
    service,
    dataDir,
    logs,
    clock,
    async restart() {
      await service.stop();
      return runBot(env, { ...options, dataDir, clock });
    },
    stop: () => service.stop(),
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

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The settings that turn WhatsApp on against a fake client (`service.whatsappClient`): a file stands where
 * Chromium would be (the fake never starts it), no pacing.
 */
export async function fakeWhatsAppEnv(): Promise<Record<string, string>> {
  const chromium = join(await tempDir(), "chromium");
  await writeFile(chromium, "");
  return { WHATSAPP_ENABLED: "true", CHROMIUM_PATH: chromium, WHATSAPP_CHAT_INTERVAL_MS: "0", WHATSAPP_MAX_PER_MINUTE: "6000" };
}

/** A whole bot for tests: the real app on a fresh data folder, a clock the test moves, no logs. */
import { type App, type AppOptions, createApp } from "../../src/app.js";
import { ConsoleChannel } from "../../src/channels/console/adapter.js";
import type { ChatPluginOptions } from "../../src/channels/web/chat.js";
import { type Config, loadConfig } from "../../src/config/settings.js";
import { createHttpServer, type HttpContribution } from "../../src/http/server.js";
import type { Language } from "../../src/locale/languages.js";
import { ManualClock } from "../../src/util/clock.js";
import { createLogger, type Logger } from "../../src/util/logger.js";

import { tempDir } from "./temp-dirs.js";

export { tempDir };

export interface TestBot {
  app: App;
  clock: ManualClock;
  dataDir: string;
  config: Config;
  /** A console citizen talking to this bot. */
  citizen(user?: string, lang?: Language): ConsoleChannel;
  /** Stops the bot and starts a new process-equivalent on the same data. */
  restart(): Promise<TestBot>;
  close(): Promise<void>;
}

export async function startBot(
  options: { dataDir?: string; clock?: ManualClock; env?: Record<string, string>; app?: Pick<AppOptions, "store" | "retryMs"> } = {},
): Promise<TestBot> {
  const dataDir = options.dataDir ?? (await tempDir());
  const clock = options.clock ?? new ManualClock();
  const config = loadConfig({ DATA_DIR: dataDir, ...options.env });
  const app = await createApp(config, { ...options.app, clock, logger: createLogger("silent") });
  const bot: TestBot = {
    app,
    clock,
    dataDir,
    config,
    citizen: (user = "ana", lang) => new ConsoleChannel({ service: app.conversations, texts: app.texts, user, lang: lang ?? app.defaultLanguage }),
    async restart() {
      await app.close();
      return startBot({ dataDir, clock, env: options.env });
    },
    close: () => app.close(),
  };
  return bot;
}

/** The HTTP server as service.ts makes it, over this bot, with the given plugins. */
export function httpServer(bot: TestBot, plugins: HttpContribution[], logger: Logger = bot.app.logger, options: { webChat?: boolean } = {}) {
  return createHttpServer({ logger, store: bot.app.store, texts: bot.app.texts, defaultLanguage: bot.app.defaultLanguage, plugins, ...options });
}

/** The web chat's options over this bot, as service.ts gives them (`delivery`: with its stream of notices). */
export function webChatOptions(bot: TestBot, options: { delivery?: boolean } = {}): ChatPluginOptions {
  const { app } = bot;
  return {
    service: app.conversations,
    texts: app.texts,
    defaultLanguage: app.defaultLanguage,
    photoMaxBytes: app.config.PHOTO_MAX_MB * 1024 * 1024,
    publicUrl: app.publicUrl,
    ...(options.delivery ? { delivery: app.delivery } : {}),
  };
}

/** A console citizen of this bot typing lines a few seconds apart; resolves with the answer to the last. */
export function typist(b: TestBot, user: string, lang?: Language) {
  const channel = b.citizen(user, lang);
  return async (...lines: string[]) => {
    let last = "";
    for (const line of lines) {
      b.clock.advance(3000);
      last = await channel.receive(line);
    }
    return last;
  };
}

/**
 * The running bot: the app, the HTTP server and every channel the configuration turns on, started
 * and stopped in the right order. `npm start` and the end-to-end tests use this same composition.
 */
import type { FastifyInstance } from "fastify";
import { type App, type AppOptions, createApp } from "./app.js";
import { TelegramChannel } from "./channels/telegram/channel.js";
import type { Config } from "./config.js";
import { createWebServer } from "./web/server.js";

export interface Service {
  app: App;
  server: FastifyInstance;
  telegram?: TelegramChannel;
  /** What each channel is doing, for the start-up line. */
  channels(): Record<string, string>;
  stop(): Promise<void>;
}

export async function startService(config: Config, options: AppOptions = {}): Promise<Service> {
  const app = await createApp(config, options);
  const token = config.TELEGRAM_BOT_TOKEN;
  const telegram = token
    ? new TelegramChannel({ config: { ...config, TELEGRAM_BOT_TOKEN: token }, conversations: app.conversations, texts: app.texts, logger: app.logger })
    : undefined;
  const webhook = telegram?.webhook;
  const server = await createWebServer(app, {
    chat: config.WEB_CHAT_ENABLED,
    telegramWebhook: telegram && webhook ? { ...webhook, handle: (update) => telegram.handleWebhookUpdate(update) } : undefined,
  });
  try {
    await server.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    await app.close();
    throw err;
  }
  // Telegram connects in the background: a slow or unreachable Bot API never holds the rest back.
  void telegram?.start();

  return {
    app,
    server,
    telegram,
    channels() {
      const address = server.server.address();
      const port = typeof address === "object" && address ? address.port : config.PORT;
      return {
        web: config.WEB_CHAT_ENABLED ? `on at http://localhost:${port}/` : "off (set WEB_CHAT_ENABLED=true)",
        telegram: telegram ? `${telegram.state} (${telegram.mode})` : "off (set TELEGRAM_BOT_TOKEN)",
        console: "run `npm run --silent chat` in another terminal",
      };
    },
    async stop() {
      await telegram?.stop();
      await server.close();
      await app.close();
    },
  };
}

/** The HTTP server: the root only registers plugins (health, web chat, Telegram's webhook, WhatsApp's QR page). */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { App } from "../app.js";
import { type TelegramWebhookOptions, telegramWebhookPlugin } from "../channels/telegram/webhook.js";
import { type QrPageOptions, whatsappQrPagePlugin } from "../channels/whatsapp/qr-page.js";
import { chatPlugin } from "./chat.js";
import { healthPlugin } from "./health.js";

export interface WebServerOptions {
  chat: boolean;
  telegramWebhook?: TelegramWebhookOptions;
  whatsappQr?: QrPageOptions;
}

export async function createWebServer(app: App, options: WebServerOptions): Promise<FastifyInstance> {
  // Photos travel base64-encoded inside JSON: a third larger than the file, plus the envelope.
  const bodyLimit = Math.ceil(app.config.PHOTO_MAX_MB * 1024 * 1024 * 1.4) + 64 * 1024;
  const server = Fastify({
    loggerInstance: app.logger.child({ component: "http" }) as FastifyBaseLogger,
    // Request lines carry addresses of citizens: not logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
  });
  await server.register(healthPlugin, { store: app.store });
  if (options.chat) await server.register(chatPlugin, { service: app.conversations, texts: app.texts });
  if (options.telegramWebhook) await server.register(telegramWebhookPlugin, options.telegramWebhook);
  if (options.whatsappQr) await server.register(whatsappQrPagePlugin, options.whatsappQr);
  return server;
}

/**
 * Webhook mode: Telegram posts each update to a route on our own server, with the secret it was
 * given in `setWebhook`. A request without it is answered 401 and never reaches the bot.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Update } from "grammy/types";
import { z } from "zod";
import { sameSecret } from "../../util/secrets.js";

const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** The least an update must be to go further; grammY reads the rest. */
const updateSchema = z.looseObject({ update_id: z.number().int().nonnegative() });

export interface TelegramWebhookOptions {
  path: string;
  secret: string;
  handle(update: Update): Promise<void>;
}

export const telegramWebhookPlugin: FastifyPluginAsync<TelegramWebhookOptions> = async (app, { path, secret, handle }) => {
  app.post(path, async (req, reply) => {
    if (!sameSecret(req.headers[SECRET_HEADER], secret)) return reply.code(401).send({ error: "unauthorized" });
    const parsed = updateSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: "not a Telegram update" });
    await handle(parsed.data as unknown as Update);
    return reply.code(200).send({ ok: true });
  });
};

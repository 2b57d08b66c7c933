/**
 * Webhook mode: Telegram posts each update to a route on our own server, with the secret it was
 * given in `setWebhook`. A request without it is answered 401 and never reaches the bot. With it,
 * the answer is 200 whatever the update held (Telegram repeats anything else, forever): what cannot
 * be used is logged without its content and dropped. Only a channel that could not start answers
 * 503, so Telegram keeps the update for later.
 *
 * The answer may itself be a call Telegram then makes (`{"method": "answerCallbackQuery", …}`, as
 * the Bot API allows for webhooks): a button press is acknowledged without a request of its own.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Update } from "grammy/types";
import { z } from "zod";
import { useZodSchemas } from "../../http/schemas.js";
import { sameSecret } from "../../util/secrets.js";

const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** The least an update must be to go further; grammY reads the rest. */
const updateSchema = z.looseObject({ update_id: z.number().int().nonnegative() });

/** A Bot API call made in the webhook's answer: Telegram makes it, and nobody learns its result. */
export interface WebhookAnswerCall {
  method: "answerCallbackQuery";
  callback_query_id: string;
  text?: string;
}

export interface TelegramWebhookOptions {
  path: string;
  secret: string;
  /** `done`, or a call to make in the answer; `off`: Telegram should try again later. */
  handle(update: Update): Promise<"done" | "off" | WebhookAnswerCall>;
}

export const telegramWebhookPlugin: FastifyPluginAsync<TelegramWebhookOptions> = async (app, { path, secret, handle }) => {
  // Its routes declare zod schemas (see http/schemas.ts), wherever the plugin is registered.
  useZodSchemas(app);
  const call = z.object({ method: z.literal("answerCallbackQuery"), callback_query_id: z.string(), text: z.string().optional() });
  const answer = z.object({ ok: z.literal(true) }).or(z.object({ error: z.string() }));
  const schema = {
    // Any JSON the sender posts goes on to the handler: an update of a shape we cannot use is still answered 200.
    body: z.unknown(),
    headers: z.looseObject({ [SECRET_HEADER]: z.string().max(256).optional() }),
    response: { 200: call.or(answer), 401: answer, 503: answer },
  };
  app.post(path, { schema }, async (req, reply) => {
    if (!sameSecret(req.headers[SECRET_HEADER], secret)) return reply.code(401).send({ error: "unauthorized" });
    const parsed = updateSchema.safeParse(req.body);
    if (!parsed.success) {
      req.log.warn({ channel: "telegram" }, "webhook request ignored: not a Telegram update");
      return reply.code(200).send({ ok: true });
    }
    const outcome = await handle(parsed.data as unknown as Update);
    if (outcome === "off") return reply.code(503).send({ error: "telegram channel is off" });
    return reply.code(200).send(outcome === "done" ? { ok: true } : outcome);
  });
};

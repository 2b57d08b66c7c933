/**
 * `/whatsapp/webhook`, where Meta calls the bot. GET is the verification handshake Meta makes when
 * the webhook is set up (`hub.mode=subscribe`, our verify token, a challenge we echo; 403
 * otherwise). Every POST must carry `X-Hub-Signature-256`, the HMAC-SHA256 of its raw body with the
 * app secret, compared in constant time: without it, 401, and nothing reaches the bot. A signed
 * POST is answered as soon as its messages are kept in the store (200), whatever they held; 503
 * when they could not be kept or the channel is off, so Meta delivers them again later.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { useZodSchemas } from "../../../http/schemas.js";
import { sameSecret } from "../../../util/secrets.js";

export const WEBHOOK_PATH = "/whatsapp/webhook";
const SIGNATURE_HEADER = "x-hub-signature-256";
/** Meta's payloads are small; a batch of many statuses stays far under this. */
const BODY_LIMIT = 3 * 1024 * 1024;

export type WebhookOutcome = "done" | "off" | "unavailable";

export interface CloudWebhookOptions {
  verifyToken: string;
  appSecret: string;
  /** The signed payload, parsed: resolves once its messages are kept. */
  handle(payload: unknown): Promise<WebhookOutcome>;
}

/** Whether `header` is `sha256=` and the HMAC-SHA256 of `body` with `secret`, compared in constant time. */
export function validSignature(body: Buffer, header: unknown, secret: string): boolean {
  if (typeof header !== "string" || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const given = Buffer.from(header.slice(7).toLowerCase(), "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const cloudWebhookPlugin: FastifyPluginAsync<CloudWebhookOptions> = async (app, { verifyToken, appSecret, handle }) => {
  useZodSchemas(app);
  // The signature is over the bytes Meta sent: the body is kept raw here, parsed only once checked.
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

  const querystring = z.looseObject({
    "hub.mode": z.string().max(40).optional(),
    "hub.verify_token": z.string().max(512).optional(),
    "hub.challenge": z.string().max(512).optional(),
  });
  app.get(WEBHOOK_PATH, { schema: { querystring } }, async (req, reply) => {
    const q = req.query as z.infer<typeof querystring>;
    if (q["hub.mode"] !== "subscribe" || !sameSecret(q["hub.verify_token"], verifyToken) || !q["hub.challenge"]) {
      return reply.code(403).type("text/plain; charset=utf-8").send("forbidden");
    }
    return reply.code(200).type("text/plain; charset=utf-8").send(q["hub.challenge"]);
  });

  const answer = z.object({ ok: z.literal(true) }).or(z.object({ error: z.string() }));
  const schema = { body: z.unknown(), response: { 200: answer, 401: answer, 503: answer } };
  app.post(WEBHOOK_PATH, { schema }, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!validSignature(body, req.headers[SIGNATURE_HEADER], appSecret)) return reply.code(401).send({ error: "unauthorized" });
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      // Signed by Meta but not JSON: answered, or Meta repeats it for days.
      req.log.warn({ channel: "whatsapp" }, "whatsapp webhook request ignored: not JSON");
      return reply.code(200).send({ ok: true });
    }
    const outcome = await handle(payload);
    if (outcome === "off") return reply.code(503).send({ error: "whatsapp channel is off" });
    if (outcome === "unavailable") return reply.code(503).send({ error: "not kept; send it again later" });
    return reply.code(200).send({ ok: true });
  });
};

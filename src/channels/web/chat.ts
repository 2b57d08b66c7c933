/**
 * The web chat: a page on `/` and one JSON endpoint speaking to the same conversation engine.
 * Each browser keeps a random session id; the replies of a message come back in its response.
 */
import { readFileSync } from "node:fs";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { ConversationService } from "../../conversation/conversations.js";
import type { InboundContent, OutboundMessage } from "../../conversation/messages.js";
import { LANGUAGES, type Language, languageFromHint } from "../../locale/languages.js";
import type { Texts } from "../../locale/texts.js";
import { escapeHtml } from "../../util/text.js";

const PAGE = readFileSync(new URL("./chat-page.html", import.meta.url), "utf8");
const PAGE_LABELS = ["title", "placeholder", "send", "share_location", "send_photo", "location_unavailable", "connection_error"];

const messageSchema = z
  .strictObject({
    session: z.uuid(),
    id: z.uuid(),
    lang: z.enum(LANGUAGES).optional(),
    text: z.string().max(4096).optional(),
    choice: z.string().max(100).optional(),
    location: z.strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).optional(),
    photo: z.base64().optional(),
  })
  .refine((m) => [m.text, m.choice, m.location, m.photo].filter((v) => v !== undefined).length === 1, {
    message: "exactly one of text, choice, location or photo",
  });

function contentOf(m: z.infer<typeof messageSchema>): InboundContent {
  if (m.text !== undefined) return { type: "text", text: m.text };
  if (m.choice !== undefined) return { type: "choice", value: m.choice };
  if (m.location) return { type: "location", latitude: m.location.latitude, longitude: m.location.longitude };
  return { type: "photo", data: Buffer.from(m.photo ?? "", "base64") };
}

/** `?lang=` first, else the browser's first language; the same mapping every channel uses. */
function pickLanguage(query: unknown, acceptLanguage: string | undefined, fallback: Language): Language {
  return languageFromHint(typeof query === "string" ? query : acceptLanguage?.split(",")[0]?.trim(), fallback);
}

export interface ChatPluginOptions {
  service: ConversationService;
  texts: Texts;
  /** The language of a visitor whose browser asks for none we speak. */
  defaultLanguage: Language;
  /** Largest photo accepted, in bytes. */
  photoMaxBytes: number;
}

export const chatPlugin: FastifyPluginAsync<ChatPluginOptions> = async (app, { service, texts, defaultLanguage, photoMaxBytes }) => {
  // Photos travel base64-encoded inside JSON: a third larger than the file, plus the envelope.
  const bodyLimit = Math.ceil(photoMaxBytes * 1.4) + 64 * 1024;
  app.get("/", async (req, reply) => {
    const lang = pickLanguage((req.query as { lang?: unknown }).lang, req.headers["accept-language"], defaultLanguage);
    const labels = Object.fromEntries(PAGE_LABELS.map((k) => [k, texts.t(lang, `channel.${k}`)]));
    const html = PAGE.replaceAll("{{lang}}", lang)
      .replaceAll("{{title}}", escapeHtml(labels.title))
      .replace("{{labels}}", JSON.stringify(labels).replace(/</g, "\\u003c"));
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data: blob:")
      .send(html);
  });

  app.post("/api/chat/messages", { bodyLimit }, async (req, reply) => {
    const parsed = messageSchema.safeParse(req.body);
    // Even a message we cannot use is answered in its sender's language when it says which.
    const asked = z.object({ lang: z.enum(LANGUAGES) }).safeParse(req.body);
    const lang = asked.success ? asked.data.lang : pickLanguage(undefined, req.headers["accept-language"], defaultLanguage);
    if (!parsed.success) return reply.code(400).send({ error: texts.t(lang, "errors.bad_request") });
    const replies: Omit<OutboundMessage, "id">[] = [];
    let answered = false;
    const result = await service.handle(
      { channel: "web", chatId: parsed.data.session, messageId: parsed.data.id, content: contentOf(parsed.data), languageHint: parsed.data.lang },
      async (_chat, message) => {
        // Replies to a message kept during a store outage come after this response: refused here,
        // they stay pending and arrive with the visitor's next message.
        if (answered) throw new Error("the web chat request was already answered");
        replies.push({ lang: message.lang, text: message.text, choices: message.choices, request: message.request });
      },
    );
    answered = true;
    return { result, replies };
  });
};

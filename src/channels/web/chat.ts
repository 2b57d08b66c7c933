/**
 * The web chat: a page on `/`, its script and stylesheet under `/chat/`, one JSON endpoint speaking
 * to the same conversation engine, and a stream of server-sent events for what the bot says on its
 * own (a report's notices). Each browser keeps a random session id; the replies of a message come
 * back in its response. Notices wait in the outbox until the page is open: its stream delivers what
 * waited when it connects, and each new one at once.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyError, FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { type ConversationService, HANDLE_RESULTS } from "../../conversation/conversations.js";
import type { InboundContent, OutboundMessage } from "../../conversation/messages.js";
import { useZodSchemas } from "../../http/schemas.js";
import { LANGUAGES, type Language, languageOfRequest } from "../../locale/languages.js";
import type { Texts } from "../../locale/texts.js";
import type { Delivery } from "../../notify/delivery.js";
import { escapeHtml } from "../../util/text.js";
import { noticeStreamPlugin } from "./notices.js";

const PAGE = readFileSync(new URL("./chat-page.html", import.meta.url), "utf8");
/** The page's own words, by the name the page's script uses: in every language, so it can switch without a reload. */
const PAGE_LABELS: Record<string, string> = {
  title: "channel.title",
  heading: "channel.heading",
  restart: "channel.restart",
  restart_confirm: "channel.restart_confirm",
  log_label: "channel.log_label",
  input_label: "channel.input_label",
  placeholder: "channel.placeholder",
  send: "channel.send",
  waiting: "channel.waiting",
  share_location: "channel.share_location",
  send_photo: "channel.send_photo",
  location_sent: "channel.location_sent",
  photo_sent: "channel.photo_sent",
  photo_unreadable: "channel.photo_unreadable",
  photo_too_large: "errors.photo_too_large",
  location_unavailable: "channel.location_unavailable",
  location_timeout: "channel.location_timeout",
  connection_error: "channel.connection_error",
  server_error: "errors.internal",
  greeting: "channel.greeting",
};

/** A message as the page's script receives it. */
export type PageMessage = Omit<OutboundMessage, "id" | "file"> & { file?: { href: string; name: string } };

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
  // A photo may bring a text: its caption.
  .refine((m) => [m.photo === undefined ? m.text : undefined, m.choice, m.location, m.photo].filter((v) => v !== undefined).length === 1, {
    message: "exactly one of text, choice, location or photo (with a text as its caption)",
  });

/** What the page gets back: the outcome and the replies, nothing else. */
const chatAnswerSchema = z.object({
  result: z.enum(HANDLE_RESULTS),
  replies: z.array(
    z.object({
      lang: z.enum(LANGUAGES),
      text: z.string(),
      choices: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
      request: z.enum(["location", "photo"]).optional(),
      /** A photo sent now is taken though not asked for: the page offers its button. */
      takesPhoto: z.boolean().optional(),
      /** A file to download (its link on this server and the name to save it under). */
      file: z.object({ href: z.string(), name: z.string() }).optional(),
    }),
  ),
});

function contentOf(m: z.infer<typeof messageSchema>): InboundContent {
  if (m.photo !== undefined) return { type: "photo", data: Buffer.from(m.photo, "base64"), ...(m.text ? { caption: m.text } : {}) };
  if (m.text !== undefined) return { type: "text", text: m.text };
  if (m.choice !== undefined) return { type: "choice", value: m.choice };
  if (m.location) return { type: "location", latitude: m.location.latitude, longitude: m.location.longitude };
  return { type: "unsupported", kind: "other" };
}

export interface ChatPluginOptions {
  service: ConversationService;
  texts: Texts;
  /** The language of a visitor whose browser asks for none we speak. */
  defaultLanguage: Language;
  /** Largest photo accepted, in bytes. */
  photoMaxBytes: number;
  /** The public address links in replies start with; on the page they become relative to it. */
  publicUrl: string;
  /** The outbox: with it, the page's stream of notices (`GET /api/chat/events`). */
  delivery?: Delivery;
}

export const chatPlugin: FastifyPluginAsync<ChatPluginOptions> = async (app, { service, texts, defaultLanguage, photoMaxBytes, publicUrl, delivery }) => {
  // Its routes declare zod schemas (see http/schemas.ts), wherever the plugin is registered.
  useZodSchemas(app);
  // Photos travel base64-encoded inside JSON: a third larger than the file, plus the envelope.
  const bodyLimit = Math.ceil(photoMaxBytes * 1.4) + 64 * 1024;
  const labels = Object.fromEntries(LANGUAGES.map((l) => [l, Object.fromEntries(Object.entries(PAGE_LABELS).map(([name, key]) => [name, texts.t(l, key)]))]));
  // What the page's script needs, inside <script type="application/json">: no "</script>" can close it early.
  const pageData = JSON.stringify({ labels, photoMaxBytes }).replace(/</g, "\\u003c");
  const langOf = (req: { headers: { "accept-language"?: string } }, query?: unknown): Language =>
    languageOfRequest(query, req.headers["accept-language"], defaultLanguage);
  // The page asks in the chat's language (Accept-Language): a body refused before it is read (too
  // large, not JSON) is answered in it too, never with Fastify's English. Other errors go on to the
  // server's own handling.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const lang = langOf(req);
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return reply.code(413).send({ error: texts.t(lang, "errors.photo_too_large") });
    if (err.code?.startsWith("FST_ERR_CTP_")) return reply.code(400).send({ error: texts.t(lang, "errors.bad_request") });
    throw err;
  });

  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL("./public/", import.meta.url)),
    prefix: "/chat/",
    wildcard: false,
    decorateReply: false,
  });

  app.get("/", { schema: { querystring: z.object({ lang: z.string().max(20).optional() }) } }, async (req, reply) => {
    const lang = langOf(req, (req.query as { lang?: unknown }).lang);
    const t = (key: string) => escapeHtml(labels[lang][key] ?? "");
    const html = PAGE.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => (name === "lang" ? lang : name === "data" ? pageData : t(name)));
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(html);
  });

  // Links to this server's own pages open relative to the page, whatever address it was reached at.
  const ownLinks = `${publicUrl}/`;
  const relative = (text: string) => text.replaceAll(ownLinks, "/");

  /** A reply as the page shows it. */
  const forPage = (message: OutboundMessage): PageMessage => ({
    lang: message.lang,
    text: relative(message.text),
    choices: message.choices,
    request: message.request,
    ...(message.takesPhoto ? { takesPhoto: true } : {}),
    // The page offers the file as a download from its link (the file is made when it is asked for).
    ...(message.file ? { file: { href: message.file.ref, name: message.file.name } } : {}),
  });

  if (delivery) await app.register(noticeStreamPlugin, { delivery, forPage });

  // A message the schema refuses is answered 400 by the server's error handler, in its sender's language when it says which.
  app.post("/api/chat/messages", { bodyLimit, schema: { body: messageSchema, response: { 200: chatAnswerSchema } } }, async (req) => {
    const message = req.body as z.infer<typeof messageSchema>;
    const replies: PageMessage[] = [];
    let answered = false;
    const result = await service.handle(
      { channel: "web", chatId: message.session, messageId: message.id, content: contentOf(message), languageHint: message.lang },
      async (_chat, message) => {
        // A web message is answered within its request or fails in it (the runtime never keeps it
        // for later); a reply that still came after the response would stay pending for the next one.
        if (answered) throw new Error("the web chat request was already answered");
        replies.push(forPage(message));
      },
    );
    answered = true;
    return { result, replies };
  });
};

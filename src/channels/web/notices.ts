/**
 * The web chat page's stream of what the bot says on its own (a report's notices), as server-sent
 * events on `GET /api/chat/events?session=…`. The outbox keeps web chat messages until a page of
 * their session is connected (`Delivery.connect`): on connecting it gets what waited, then each new
 * one at once. A message counts as delivered only when the page acknowledges it
 * (`POST /api/chat/events/ack`): one written to a page that was closing is sent again on the next
 * visit, and the page shows each message once (by its id).
 *
 * Events: `ready` (how many messages waited for the page, told before they are sent: none, and the
 * page greets with the menu), `message` (a message, as replies are, with its `id`). Each waiting
 * message goes once the page acknowledged the one before, so on a slow connection they take a while;
 * `ready` first lets the page know at once that they are coming.
 */
import { normalizeIP } from "@fastify/rate-limit";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { OutboundMessage } from "../../conversation/messages.js";
import { useZodSchemas } from "../../http/schemas.js";
import type { Delivery } from "../../notify/delivery.js";
import type { PageMessage } from "./chat.js";

/** Between comments on an idle stream, so proxies do not close it. */
const KEEPALIVE_MS = 25_000;
/** How long a browser waits before connecting again after the stream broke. */
const RECONNECT_MS = 3000;
/** A message the page has not acknowledged within this goes back to the outbox (sent again, shown once). */
const ACK_TIMEOUT_MS = 10_000;
/**
 * Streams open at once: per session (a few tabs), per address (many citizens share one behind a
 * carrier's NAT), and in all. Each holds a connection and a file descriptor: without a bound one client
 * opening thousands used up the process's descriptors, and then the store could not write. Beyond
 * them the page is told to come back later (503); its browser connects again by itself.
 */
export const STREAM_LIMITS = { perSession: 4, perAddress: 100, total: 5000 } as const;
/** What a page told to come back later waits, in seconds. */
const STREAMS_FULL_RETRY_S = 30;

export interface NoticeStreamOptions {
  delivery: Delivery;
  /** A message as the page shows it. */
  forPage(message: OutboundMessage): PageMessage;
}

/** One open page: the messages it was sent and has not acknowledged yet. */
interface Stream {
  waiting: Map<string, { resolve(): void; reject(err: Error): void }>;
  end(): void;
}

const sessionQuery = z.strictObject({ session: z.uuid() });
const ackBody = z.strictObject({ session: z.uuid(), id: z.string().min(1).max(100) });

// A request the schemas refuse is answered 400 by the server's error handler, in the visitor's language.
export const noticeStreamPlugin: FastifyPluginAsync<NoticeStreamOptions> = async (app, { delivery, forPage }) => {
  useZodSchemas(app);
  const sessions = new Map<string, Set<Stream>>();
  // Open streams would hold the server's close forever.
  app.addHook("preClose", async () => {
    for (const streams of [...sessions.values()]) for (const stream of [...streams]) stream.end();
  });

  const byAddress = new Map<string, number>();
  let total = 0;

  app.get("/api/chat/events", { schema: { querystring: sessionQuery } }, async (req, reply) => {
    const { session } = req.query as z.infer<typeof sessionQuery>;
    // Grouped as the rate limits group them: an IPv6 host holds a whole /64.
    const address = normalizeIP(req.ip, 64);
    const ofAddress = byAddress.get(address) ?? 0;
    if (total >= STREAM_LIMITS.total || ofAddress >= STREAM_LIMITS.perAddress || (sessions.get(session)?.size ?? 0) >= STREAM_LIMITS.perSession) {
      return reply.code(503).header("retry-after", String(STREAMS_FULL_RETRY_S)).header("cache-control", "no-store").send();
    }
    total++;
    byAddress.set(address, ofAddress + 1);
    reply.hijack();
    const raw = reply.raw;
    // Helmet's headers are on this response already; these join them.
    raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" });
    raw.write(`retry: ${RECONNECT_MS}\n\n`);
    let open = true;
    const write = (chunk: string) =>
      new Promise<void>((resolve, reject) => {
        if (!open || raw.destroyed) return reject(new Error("the page's stream is closed"));
        raw.write(chunk, (err) => (err ? reject(err) : resolve()));
      });
    const stream: Stream = {
      waiting: new Map(),
      end: () => {
        if (!open) return;
        open = false;
        total--;
        const left = (byAddress.get(address) ?? 1) - 1;
        if (left > 0) byAddress.set(address, left);
        else byAddress.delete(address);
        clearInterval(keepalive);
        live.close();
        for (const w of stream.waiting.values()) w.reject(new Error("the page's stream closed before it acknowledged"));
        stream.waiting.clear();
        const streams = sessions.get(session);
        streams?.delete(stream);
        if (streams?.size === 0) sessions.delete(session);
        raw.end();
      },
    };
    const streams = sessions.get(session) ?? new Set<Stream>();
    streams.add(stream);
    sessions.set(session, streams);
    /** Resolves once the page acknowledged the message; rejects if it does not in time, or the stream closes. */
    const send = async (_chat: string, message: OutboundMessage): Promise<void> => {
      const acknowledged = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => settle(() => reject(new Error("the page did not acknowledge a message"))), ACK_TIMEOUT_MS);
        const settle = (then: () => void) => {
          clearTimeout(timer);
          stream.waiting.delete(message.id);
          then();
        };
        stream.waiting.set(message.id, { resolve: () => settle(resolve), reject: (err) => settle(() => reject(err)) });
      });
      acknowledged.catch(() => undefined);
      // A write to a page gone without a word may never call back: the acknowledgement's time limit still ends the wait.
      const written = write(`event: message\ndata: ${JSON.stringify({ id: message.id, ...forPage(message) })}\n\n`);
      written.catch(() => undefined);
      await Promise.race([written.then(() => acknowledged), acknowledged]);
    };
    const live = delivery.connect("web", session, send, (waiting) => {
      write(`event: ready\ndata: ${JSON.stringify({ waiting })}\n\n`).catch(() => undefined);
    });
    const keepalive = setInterval(() => void write(": keep-alive\n\n").catch(() => undefined), KEEPALIVE_MS);
    keepalive.unref();
    req.raw.on("close", stream.end);
    raw.on("error", stream.end);
    // Gone before the listeners were there: its place is freed now, or it would be held for good.
    if (req.raw.destroyed || raw.destroyed) stream.end();
  });

  /** The page showed a message of its stream. */
  app.post("/api/chat/events/ack", { schema: { body: ackBody } }, async (req, reply) => {
    const { session, id } = req.body as z.infer<typeof ackBody>;
    for (const stream of sessions.get(session) ?? []) stream.waiting.get(id)?.resolve();
    return reply.code(204).send();
  });
};

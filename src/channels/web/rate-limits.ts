/**
 * The web chat with limits on what browsers post, with @fastify/rate-limit (in memory, per
 * process): per address, checked before the body is read (and, for photos, a smaller number of
 * them), and per browser session, once it is.
 * Over either, the answer is 429 with a polite text in the visitor's language (the server's error
 * answer) and `retry-after`. The page itself is not limited.
 */
import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { type ChatPluginOptions, chatPlugin } from "./chat.js";

export interface ChatLimits {
  /** Requests a minute from one browser session. */
  perSession: number;
  /** Requests a minute from one address (IPv6 grouped by /64): many citizens may share one. */
  perAddress: number;
  /**
   * Large requests (photos) a minute from one address, refused before their body is read: reading and
   * checking megabytes a request, within the limit above, slowed the server for everyone.
   */
  largePerAddress: number;
}

/** A body larger than this is a photo (a text message is a few hundred bytes). */
export const LARGE_BODY_BYTES = 64 * 1024;

const MINUTE = 60_000;

function address(req: FastifyRequest): string {
  return `address:${normalizeIP(req.ip, 64)}`;
}

function session(req: FastifyRequest): string {
  const value = (req.body as { session?: unknown } | undefined)?.session;
  return typeof value === "string" ? `session:${value.slice(0, 64)}` : address(req);
}

/** Only what browsers post (messages, photos) counts. */
const notPosted = (req: FastifyRequest) => req.method !== "POST";

/** Only what is large counts: one that says so, or one sent without saying its length (chunked), which may be. */
const notLarge = (req: FastifyRequest) => {
  if (notPosted(req)) return true;
  const length = req.headers["content-length"];
  return length !== undefined && Number(length) <= LARGE_BODY_BYTES;
};

function largeFrom(req: FastifyRequest): string {
  return `large:${normalizeIP(req.ip, 64)}`;
}

/** Thrown to the server's error answer, which words it in the visitor's language. */
const tooMany = () => Object.assign(new Error("too many requests"), { statusCode: 429 });

export const limitedChatPlugin: FastifyPluginAsync<ChatPluginOptions & { limits: ChatLimits }> = async (app, { limits, ...chat }) => {
  const common = { global: true, timeWindow: MINUTE, allowList: notPosted, errorResponseBuilder: tooMany };
  await app.register(rateLimit, { ...common, max: limits.perAddress, keyGenerator: address });
  // Each further limiter runs only in its own scope (the plugin runs one limiter per request and scope).
  await app.register(async (large) => {
    await large.register(rateLimit, { ...common, allowList: notLarge, max: limits.largePerAddress, keyGenerator: largeFrom });
    await large.register(async (scoped) => {
      await scoped.register(rateLimit, { ...common, hook: "preHandler", max: limits.perSession, keyGenerator: session });
      await scoped.register(chatPlugin, chat);
    });
  });
};

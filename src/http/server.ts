/**
 * The HTTP server: Fastify with the security headers, the shared assets, the health route and one way
 * of answering failures (errors.ts).
 * Every other route comes from the plugin that a channel or feature contributes, registered by the
 * composition root (service.ts).
 */
import helmet from "@fastify/helmet";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyPluginOptions, LogController } from "fastify";
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import type { Store } from "../store/ports.js";
import type { Logger } from "../util/logger.js";
import { connectionsAllowed } from "../util/open-files.js";
import { assetsPlugin } from "./assets.js";
import { errorReplies, notFoundReplies } from "./errors.js";
import { healthPlugin } from "./health.js";
import { useZodSchemas } from "./schemas.js";

/** A plugin with the options it was made with: what a channel or feature hands to the server. */
export interface HttpContribution {
  /** Registers the plugin on the server with its options. */
  register(server: FastifyInstance): Promise<unknown>;
}

/** Pairs a plugin with its options, checked against each other. */
export function contribution<O extends FastifyPluginOptions>(plugin: FastifyPluginAsync<O>, options: O): HttpContribution {
  return { register: async (server) => server.register(plugin, options) };
}

/**
 * Every page's policy: scripts, styles and images from this server only, never inline (an injected
 * `<script>` or `style=` does nothing), no framing, forms and requests to this server only. Photos
 * shown before they are sent are `blob:`/`data:` images. No `upgrade-insecure-requests`: a
 * deployment over plain HTTP (an intranet) must still load its own scripts.
 */
export const CONTENT_SECURITY_POLICY = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:", "blob:"],
  "connect-src": ["'self'"],
  "font-src": ["'self'"],
  "object-src": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
};

export interface HttpServerOptions {
  logger: Logger;
  /** Connections held at once (default: what the open-file limit allows, util/open-files.ts). */
  maxConnections?: number;
  store: Store;
  plugins: HttpContribution[];
  /** For answers to failed requests, in the visitor's language. */
  texts: Texts;
  defaultLanguage: Language;
  /** Fastify's trustProxy (TRUST_PROXY). */
  trustProxy?: boolean | number | string;
  /** For /readyz: whether each channel the bot runs is connected. */
  channelsReady?: () => Record<string, boolean>;
  /** Whether the web chat is at the site's main address (an unknown address points there). */
  webChat?: boolean;
}

/**
 * How long closing waits for the requests under way. Fastify closes idle connections at once and
 * waits for the others, but a connection whose request never finishes arriving (half its headers:
 * a slow client, or one that holds connections open on purpose) is no request under way to Node,
 * and held the shutdown for Node's header timeout and its check (60–90 s, not SIGTERM's 10 s).
 */
const CLOSE_GRACE_MS = 5000;
/** A request's headers must all have arrived within this (a client sending them a byte at a time holds a connection). */
const HEADERS_TIMEOUT_MS = 20_000;
/** And the whole request within this: a 5 MB photo over a slow mobile connection takes under a minute. */
const REQUEST_TIMEOUT_MS = 90_000;

/** Once the server starts closing, connections still open after `graceMs` are cut. */
function cutConnectionsAfter(server: FastifyInstance, graceMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  server.addHook("preClose", async () => {
    timer = setTimeout(() => server.server.closeAllConnections(), graceMs);
    timer.unref();
  });
  server.addHook("onClose", async () => clearTimeout(timer));
}

/** Trusts the nearest `n` proxies (TRUST_PROXY=2). */
function hops(n: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < n;
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const logger = options.logger.child({ component: "http" });
  const errors = errorReplies({ texts: options.texts, defaultLanguage: options.defaultLanguage, logger });
  const server = Fastify({
    // An address the router cannot even read ("/%"): answered like any bad request, in the visitor's
    // language. Helmet's hooks do not run for it, so its own headers say the answer is inert data.
    frameworkErrors: (err, req, reply) =>
      errors(err, req, reply.header("x-content-type-options", "nosniff").header("content-security-policy", "default-src 'none'; frame-ancestors 'none'")),
    // Behind a reverse proxy, the citizen's address (for rate limits) is in X-Forwarded-For.
    trustProxy: typeof options.trustProxy === "number" ? hops(options.trustProxy) : (options.trustProxy ?? false),
    loggerInstance: logger as FastifyBaseLogger,
    // Request lines carry addresses of citizens: not logged.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: REQUEST_TIMEOUT_MS,
  });
  cutConnectionsAfter(server, CLOSE_GRACE_MS);
  // One client holding thousands of connections (streams, requests sent a byte at a time) must not
  // use up the descriptors the store writes with: the connections are bounded by the open-file limit,
  // a request's headers must arrive within HEADERS_TIMEOUT_MS and the whole of it within REQUEST_TIMEOUT_MS.
  server.server.maxConnections = options.maxConnections ?? connectionsAllowed();
  server.server.headersTimeout = HEADERS_TIMEOUT_MS;
  useZodSchemas(server);
  server.setErrorHandler(errors);
  server.setNotFoundHandler(notFoundReplies({ texts: options.texts, defaultLanguage: options.defaultLanguage }, options.webChat ?? false));
  // On every route, errors and 404s included: CSP, X-Content-Type-Options: nosniff,
  // X-Frame-Options: DENY, Referrer-Policy: no-referrer, HSTS (honoured over HTTPS only) and the rest.
  await server.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  });
  await server.register(assetsPlugin);
  await server.register(healthPlugin, { store: options.store, channelsReady: options.channelsReady });
  for (const plugin of options.plugins) await plugin.register(server);
  return server;
}

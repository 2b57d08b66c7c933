/**
 * The secretariat's web panel under `/panel`: a Fastify plugin with its own prefix, its own cookies
 * and CSRF tokens, and an `onRequest` hook that lets in only a member with a valid session (the
 * login page and the panel's assets aside). Every page is rendered on the server; htmx and Chart.js
 * are served from the project. What a member does here goes through the same domain operations
 * (domain/triage.ts, domain/plan/updates.ts) as the Telegram group, with the same permissions: a
 * report, plan or page of a municipality that is not theirs is a 404, as if it did not exist.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Member } from "../domain/model/member.js";
import { useZodSchemas } from "../http/schemas.js";
import type { Language } from "../locale/languages.js";
import { announcementRoutes } from "./announcements.js";
import { LANG_COOKIE, notFound, pageContext, panelLanguage } from "./context.js";
import { dataRequestRoutes } from "./data-requests.js";
import type { PanelDeps } from "./deps.js";
import { inboxRoutes } from "./inbox.js";
import { operationsRoutes } from "./operations.js";
import { planRoutes } from "./plan.js";
import { reportRoutes } from "./report.js";
import { SESSION_COOKIE, sessionClaim, sessionHolds, sessionValue } from "./session.js";
import { statisticsRoutes } from "./statistics.js";
import { pageWords, sendPage } from "./views.js";

export interface PanelOptions extends PanelDeps {
  /** Where it is mounted: /panel. */
  prefix: string;
}

const LOGIN_PER_MINUTE = 10;
const require = createRequire(import.meta.url);
/** The browser scripts the panel uses, from their packages (nothing from a CDN). */
const VENDOR: Record<string, Buffer> = {
  "htmx.min.js": readFileSync(join(dirname(require.resolve("htmx.org")), "htmx.min.js")),
  "chart.umd.min.js": readFileSync(join(dirname(require.resolve("chart.js")), "chart.umd.min.js")),
};

declare module "fastify" {
  interface FastifyRequest {
    /** The member of the panel's session (set by its auth hook). */
    member: Member | null;
  }
}

const loginBody = z.object({ telegramId: z.string().max(40), password: z.string().max(200), _csrf: z.string().max(200).optional() });

export const panelPlugin: FastifyPluginAsync<PanelOptions> = async (app, options) => {
  const { prefix: _prefix, ...deps } = options;
  useZodSchemas(app);
  await app.register(cookie, { secret: deps.session.key });
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(csrf, { cookieKey: "panel_csrf", cookieOpts: { path: "/panel", sameSite: "lax", httpOnly: true, signed: true } });
  await app.register(rateLimit, { global: false });
  const cookieBase = (req: FastifyRequest) => ({ path: "/panel", httpOnly: true, sameSite: "lax" as const, secure: req.protocol === "https" });

  app.decorateRequest("member", null);
  app.addHook("onRequest", async (req, reply) => {
    // Every form posts its CSRF token; the session's cookie is Lax, so no other site's form carries it either.
    const path = req.url.split("?")[0];
    const asked = (req.query as { lang?: unknown } | undefined)?.lang;
    if (typeof asked === "string" && deps.languages.includes(asked as Language))
      reply.setCookie(LANG_COOKIE, asked, { ...cookieBase(req), maxAge: 365 * 86400 });
    if (path.startsWith("/panel/assets/") || path === "/panel/login") return;
    const claim = sessionClaim(req.cookies[SESSION_COOKIE], deps.clock.now());
    const member = claim ? await deps.members.get(claim.memberId) : null;
    if (claim && member && sessionHolds(deps.session, claim, member)) {
      req.member = member;
      return;
    }
    if (req.method === "GET" || req.method === "HEAD") return reply.redirect(`/panel/login?next=${encodeURIComponent(req.url.slice(0, 500))}`, 303);
    return reply.code(401).type("text/plain; charset=utf-8").send("401");
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    // 5xx: the server's own answer (logged with an error id).
    if (status >= 500) throw err;
    const words = pageWords(deps.texts, panelLanguage(req, deps), deps.timeZone);
    const message = status === 403 ? words.t("failure.forbidden") : status === 429 ? words.t("failure.too_many") : words.t("failure.bad_request");
    return sendPage(reply, "error", { ...pageContext(req, reply, deps) }, { code: status, message }, status);
  });
  app.setNotFoundHandler((req, reply) => notFound(req, reply, deps));

  await app.register(fastifyStatic, { root: fileURLToPath(new URL("./public/", import.meta.url)), prefix: "/assets/", wildcard: false, decorateReply: false });
  for (const [name, script] of Object.entries(VENDOR)) {
    app.get(`/assets/vendor/${name}`, (_req, reply) =>
      reply.header("cache-control", "public, max-age=86400").type("text/javascript; charset=utf-8").send(script),
    );
  }

  app.get("/login", { schema: { querystring: z.object({ next: z.string().max(500).optional(), lang: z.string().max(10).optional() }) } }, (req, reply) => {
    return sendPage(reply, "login", pageContext(req, reply, deps), { next: safeNext((req.query as { next?: string }).next), failed: false });
  });

  app.post(
    "/login",
    {
      schema: { body: loginBody, querystring: z.object({ next: z.string().max(500).optional() }) },
      preValidation: app.csrfProtection,
      config: { rateLimit: { max: LOGIN_PER_MINUTE, timeWindow: 60_000 } },
    },
    async (req, reply) => {
      const body = req.body as z.infer<typeof loginBody>;
      const next = safeNext((req.query as { next?: string }).next);
      const member = await deps.members.authenticate(body.telegramId, body.password);
      if (!member) {
        deps.logger.info({ component: "panel" }, "panel login refused");
        // The form again with what went wrong (a 200: the browser shows the page, not an error).
        return sendPage(reply, "login", pageContext(req, reply, deps), { next, failed: true });
      }
      reply.setCookie(SESSION_COOKIE, sessionValue(deps.session, member, deps.clock.now()), {
        ...cookieBase(req),
        maxAge: Math.floor(deps.session.ttlMs / 1000),
      });
      deps.logger.info({ component: "panel", member: member.id }, "panel login");
      return reply.redirect(next, 303);
    },
  );

  app.post("/logout", { preValidation: app.csrfProtection }, async (req, reply) => {
    // The cookie goes, and so does every copy of it: a session copied before logging out holds no more.
    if (req.member) await deps.members.endSessions(req.member.id);
    reply.clearCookie(SESSION_COOKIE, cookieBase(req));
    return reply.redirect("/panel/login", 303);
  });

  const routes = (scoped: FastifyInstance) => {
    inboxRoutes(scoped, deps);
    reportRoutes(scoped, deps);
    statisticsRoutes(scoped, deps);
    planRoutes(scoped, deps);
    announcementRoutes(scoped, deps);
    operationsRoutes(scoped, deps);
    dataRequestRoutes(scoped, deps);
  };
  routes(app);
};

/** Where to go after login: a path of the panel only, never another site. */
function safeNext(next: string | undefined): string {
  // Printable ASCII only: a line break (or any byte a header may not carry) made the redirect fail with 500.
  return next && /^\/panel(\/[\x21-\x5b\x5d-\x7e]*)?(\?[\x21-\x7e]*)?$/.test(next) && !next.startsWith("//") ? next : "/panel/";
}

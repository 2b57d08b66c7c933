/** What every page of the panel is rendered with: the visitor's language, the member, a fresh CSRF token. */
import type { FastifyReply, FastifyRequest } from "fastify";
import { type Language, languageOfRequest } from "../locale/languages.js";
import type { PanelDeps } from "./deps.js";
import { type PageContext, pageWords, sendPage } from "./views.js";

/** The language a member chose with `?lang=` (kept in this cookie). */
export const LANG_COOKIE = "panel_lang";

/** What a page of the panel needs from its request: words, member and a fresh CSRF token. */
export function pageContext(req: FastifyRequest, reply: FastifyReply, deps: PanelDeps, section?: string): PageContext {
  const lang = panelLanguage(req, deps);
  const member = req.member ?? undefined;
  return {
    words: pageWords(deps.texts, lang, deps.timeZone),
    member,
    isAdmin: member?.role === "admin",
    csrf: reply.generateCsrf(),
    path: req.url.split("?")[0],
    section,
  };
}

export function panelLanguage(req: FastifyRequest, deps: PanelDeps): Language {
  const asked = (req.query as { lang?: unknown } | undefined)?.lang ?? req.cookies[LANG_COOKIE];
  const lang = languageOfRequest(asked, undefined, deps.defaultLanguage);
  return deps.languages.includes(lang) ? lang : deps.defaultLanguage;
}

/** A 404 page, the same for what does not exist and what the member may not see. */
export function notFound(req: FastifyRequest, reply: FastifyReply, deps: PanelDeps): FastifyReply {
  return sendPage(
    reply,
    "error",
    pageContext(req, reply, deps),
    { code: 404, message: pageWords(deps.texts, panelLanguage(req, deps), deps.timeZone).t("failure.not_found") },
    404,
  );
}

/**
 * What the HTTP server answers when a route fails. A 5xx is logged with a fresh error id (the
 * error's type, code and stack frames: never its message, which may quote what a citizen sent) and
 * answered with a short text in the visitor's language that carries the same id, so a report of
 * the problem can be matched with its log line. A 4xx the framework raises (a body too large,
 * malformed JSON) is answered in the visitor's language too, never with the framework's English, and
 * so is an address no route serves.
 */
import { randomBytes } from "node:crypto";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type Language, languageOfRequest } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import type { Logger } from "../util/logger.js";
import { escapeHtml } from "../util/text.js";
import { htmlPage } from "./page.js";

export interface ErrorReplyOptions {
  texts: Texts;
  defaultLanguage: Language;
  logger: Logger;
}

/** The visitor's language: `?lang=`, then a `lang` in the JSON body, then the browser's languages. */
export function requestLanguage(req: FastifyRequest, fallback: Language): Language {
  const query = (req.query as { lang?: unknown } | undefined)?.lang;
  const body = (req.body as { lang?: unknown } | undefined)?.lang;
  return languageOfRequest(typeof query === "string" ? query : body, req.headers["accept-language"], fallback);
}

/** Stack frames without the message line: where it failed, not what it was about. */
function frames(err: Error): string[] {
  return (err.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 8)
    .map((line) => line.trim());
}

export function errorReplies({ texts, defaultLanguage, logger }: ErrorReplyOptions) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const lang = requestLanguage(req, defaultLanguage);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status < 500) {
      const key = status === 413 ? "errors.too_large" : status === 429 ? "errors.rate_limited" : "errors.bad_request";
      return reply.code(status).send({ error: texts.t(lang, key) });
    }
    const errorId = randomBytes(5).toString("hex");
    logger.error(
      { errorId, status, method: req.method, route: req.routeOptions.url ?? "(no route)", err: { type: err.name, code: err.code, frames: frames(err) } },
      "request failed",
    );
    return reply.code(status).send({ error: texts.t(lang, "errors.server", { id: errorId }), errorId });
  };
}

/**
 * An address no route serves: 404, in the visitor's language (the panel answers its own with a page),
 * pointing to the web chat when the site has one. A browser asking for a page gets a page (with a
 * link to the chat), anything else `{"error": …}`.
 */
export function notFoundReplies({ texts, defaultLanguage }: Omit<ErrorReplyOptions, "logger">, webChat: boolean) {
  const key = webChat ? "errors.not_found" : "errors.no_such_page";
  return (req: FastifyRequest, reply: FastifyReply) => {
    const lang = requestLanguage(req, defaultLanguage);
    if ((req.method === "GET" || req.method === "HEAD") && /\btext\/html\b/.test(req.headers.accept ?? "")) {
      // The heading says it; the page adds only the way to the chat.
      const body = webChat ? `<p><a href="/">${escapeHtml(texts.t(lang, "errors.to_chat"))}</a></p>` : "";
      return reply
        .code(404)
        .type("text/html; charset=utf-8")
        .send(htmlPage({ lang, title: texts.t(lang, "errors.no_such_page"), body }));
    }
    return reply.code(404).send({ error: texts.t(lang, key) });
  };
}

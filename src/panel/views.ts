/**
 * The panel's pages: Eta templates in views/ (escaped by default), given the words of the
 * visitor's language (locales/<lang>/panel.yaml) and the names of statuses, categories and channels
 * the rest of the bot uses. Pages carry no inline script or style: the server's CSP holds.
 */
import { fileURLToPath } from "node:url";
import { Eta } from "eta";
import type { FastifyReply } from "fastify";
import type { Member } from "../domain/model/member.js";
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";

const eta = new Eta({ views: fileURLToPath(new URL("./views/", import.meta.url)), cache: true, autoEscape: true, autoTrim: [false, "nl"] });

/** What every page's template can use. */
export interface PageWords {
  lang: Language;
  /** A text of the panel (`panel.<key>`). */
  t(key: string, params?: Record<string, unknown>): string;
  status(status: string): string;
  category(category: string): string;
  channel(channel: string): string;
  /** A date and time in the deployment's time zone. */
  when(at: Date): string;
  day(at: Date): string;
}

export function pageWords(texts: Texts, lang: Language, timeZone: string): PageWords {
  const time = new Intl.DateTimeFormat(lang, { timeZone, dateStyle: "medium", timeStyle: "short" });
  const date = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return {
    lang,
    t: (key, params) => texts.t(lang, `panel.${key}`, params),
    status: (s) => texts.t(lang, `status.names.${s}`),
    category: (c) => texts.t(lang, `category.${c}`),
    channel: (c) => texts.t(lang, `secretariat.channels.${c}`),
    when: (at) => time.format(at),
    day: (at) => date.format(at),
  };
}

export interface PageContext {
  words: PageWords;
  /** The member logged in; absent on the login page. */
  member?: Member;
  isAdmin?: boolean;
  /** The CSRF token every form of the page carries. */
  csrf: string;
  /** The path of this page, for the language links. */
  path: string;
  /** Which entry of the navigation is this page. */
  section?: string;
}

export function render(template: string, context: PageContext, data: Record<string, unknown>): string {
  return eta.render(template, { ...context, ...context.words, ...data });
}

export function sendPage(reply: FastifyReply, template: string, context: PageContext, data: Record<string, unknown> = {}, status = 200): FastifyReply {
  return reply
    .code(status)
    .header("cache-control", "no-store")
    .type("text/html; charset=utf-8")
    .send(render(template, context, data));
}

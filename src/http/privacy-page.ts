/**
 * `/privacidad`: the integral privacy notice as a web page, in the visitor's language (`?lang=`,
 * else the browser's), from config/privacy/. The short notice in the chat links here.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { PRIVACY_PATH, type PrivacyNotice, type PrivacyNoticeText, privacyUrl } from "../domain/privacy-notice.js";
import { type Language, languageOfRequest } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";
import { escapeHtml } from "../util/text.js";
import { htmlPage } from "./page.js";
import { useZodSchemas } from "./schemas.js";

const LINK = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;

/** Plain text as HTML, with web addresses and e-mail addresses as links. */
function linked(text: string): string {
  return text
    .split(LINK)
    .map((part, i) => {
      if (i % 2 === 0) return escapeHtml(part);
      const href = part.includes("@") && !part.includes("://") ? `mailto:${part}` : part;
      return `<a href="${escapeHtml(href)}">${escapeHtml(part)}</a>`;
    })
    .join("");
}

function noticeBody(notice: PrivacyNoticeText, lang: Language, languages: Language[], defaultLanguage: Language, texts: Texts): string {
  const others = languages
    .filter((l) => l !== lang)
    .map(
      (l) =>
        `<a href="${escapeHtml(privacyUrl("", l, defaultLanguage))}" hreflang="${l}" lang="${l}">${escapeHtml(texts.t(l, `language.${l.split("-")[0]}`))}</a>`,
    )
    .join(" · ");
  const sections = notice.sections.map((s) => {
    const paragraphs = s.paragraphs.map((p) => `<p>${linked(p)}</p>`).join("\n");
    const items = s.items.length ? `<ul>\n${s.items.map((i) => `<li>${linked(i)}</li>`).join("\n")}\n</ul>` : "";
    return `<section>\n<h2>${escapeHtml(s.heading)}</h2>\n${paragraphs}\n${items}\n</section>`;
  });
  return [
    `<nav class="languages">${others}</nav>`,
    `<p class="meta">${escapeHtml(notice.version)}</p>`,
    notice.intro ? `<p>${linked(notice.intro)}</p>` : "",
    ...sections,
  ]
    .filter(Boolean)
    .join("\n");
}

export interface PrivacyPageOptions {
  notice: PrivacyNotice;
  /** For the names of the other languages. */
  texts: Texts;
}

export const privacyPagePlugin: FastifyPluginAsync<PrivacyPageOptions> = async (app, { notice, texts }) => {
  // Its routes declare zod schemas (see http/schemas.ts), wherever the plugin is registered.
  useZodSchemas(app);
  app.get(PRIVACY_PATH, { schema: { querystring: z.object({ lang: z.string().max(20).optional() }) } }, async (req, reply) => {
    const asked = languageOfRequest((req.query as { lang?: unknown }).lang, req.headers["accept-language"], notice.defaultLanguage);
    const { lang, text } = notice.in(asked);
    const body = noticeBody(text, lang, notice.languages, notice.defaultLanguage, texts);
    return reply
      .type("text/html; charset=utf-8")
      .header("content-language", lang)
      .send(htmlPage({ lang, title: text.title, body }));
  });
};

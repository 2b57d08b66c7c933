/**
 * `/admin/whatsapp`: the QR code to link the municipality's WhatsApp, for the administrator only
 * (ADMIN_TOKEN as `?token=` or `Authorization: Bearer`). The page refreshes itself as WhatsApp
 * rotates the code, and says when the channel is connected.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { htmlPage } from "../../http/page.js";
import { useZodSchemas } from "../../http/schemas.js";
import type { Language } from "../../locale/languages.js";
import type { Texts } from "../../locale/texts.js";
import { qrSvg } from "../../util/qr-svg.js";
import { sameSecret } from "../../util/secrets.js";
import { escapeHtml } from "../../util/text.js";
import type { WhatsAppStatus } from "./channel.js";

export interface QrPageOptions {
  /** Unset: the page answers 404, as if it did not exist. */
  adminToken?: string;
  texts: Texts;
  /** The page's language: the deployment's default. */
  lang: Language;
  status(): { state: WhatsAppStatus; qr?: string };
}

export const whatsappQrPagePlugin: FastifyPluginAsync<QrPageOptions> = async (app, { adminToken, texts, lang, status }) => {
  // Its routes declare zod schemas (see http/schemas.ts), wherever the plugin is registered.
  useZodSchemas(app);
  app.get("/admin/whatsapp", { schema: { querystring: z.object({ token: z.string().max(512).optional() }) } }, async (req, reply) => {
    if (!adminToken) return reply.code(404).send({ error: "not found" });
    const query = (req.query as { token?: unknown }).token;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const given = typeof query === "string" ? query : bearer;
    if (!sameSecret(given, adminToken)) return reply.code(401).send({ error: "unauthorized" });

    const t = (key: string) => escapeHtml(texts.t(lang, `whatsapp.admin.${key}`));
    const { state, qr } = status();
    const body =
      state === "qr" && qr ? `<p>${t("scan")}</p>${await qrSvg(qr, 320)}` : `<p>${t(state === "ready" ? "ready" : state === "off" ? "off" : "starting")}</p>`;
    // The server's Content-Security-Policy applies: the QR is inline SVG markup (no script, no style).
    const html = htmlPage({ lang, title: texts.t(lang, "whatsapp.admin.title"), body, refresh: 5 });
    return reply.header("cache-control", "no-store").type("text/html; charset=utf-8").send(html);
  });
};

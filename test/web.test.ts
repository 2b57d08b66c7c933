/** The web chat over HTTP: the page, the JSON endpoint, photo upload, bad input, health. */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chatPlugin } from "../src/channels/web/chat.js";
import { contribution } from "../src/http/server.js";
import { httpServer, startBot, type TestBot, webChatOptions } from "./helpers/app.js";

let bot: TestBot;
let server: FastifyInstance;
beforeEach(async () => {
  bot = await startBot();
  server = await httpServer(bot, [contribution(chatPlugin, webChatOptions(bot))]);
});
afterEach(async () => {
  await server.close();
  await bot.close();
});

type Reply = { text: string; choices?: { value: string; label: string }[]; request?: string };

async function post(session: string, body: Record<string, unknown>) {
  const res = await server.inject({ method: "POST", url: "/api/chat/messages", payload: { session, id: randomUUID(), ...body } });
  return { status: res.statusCode, body: res.json() as { replies: Reply[]; error?: string; result?: string } };
}

describe("web chat", () => {
  it("serves the chat page in the visitor's language", async () => {
    const es = await server.inject({ url: "/" });
    expect(es.statusCode).toBe(200);
    expect(es.body).toContain('<html lang="es-MX">');
    expect(es.body).toContain("Compartir mi ubicación");
    const en = await server.inject({ url: "/", headers: { "accept-language": "en-US,en;q=0.9" } });
    expect(en.body).toContain("Share my location");
  });

  it("reports a problem with buttons, a location and an uploaded photo", async () => {
    const s = randomUUID();
    const hello = await post(s, { text: "hola" });
    expect(hello.body.replies.at(-1)?.choices?.map((c) => c.value)).toEqual(["report", "status", "learn", "commitments", "announcements", "language"]);
    await post(s, { choice: "report" });
    const where = await post(s, { choice: "yes" });
    expect(where.body.replies.at(-1)?.request).toBe("location");
    const cat = await post(s, { location: { latitude: 19.2566, longitude: -99.6047 } });
    expect(cat.body.replies.at(-1)?.text).toContain("en Metepec");
    await post(s, { choice: "basura" });
    const photoAsk = await post(s, { text: "Contenedor de basura desbordado en el parque central" });
    expect(photoAsk.body.replies.at(-1)?.request).toBe("photo");
    const photo = (await readFile(join(import.meta.dirname, "fixtures", "bache.png"))).toString("base64");
    await post(s, { photo });
    const summary = await post(s, { choice: "contactable" });
    expect(summary.body.replies.at(-1)?.text).toContain("Foto: incluida");
    const done = await post(s, { choice: "send" });
    const folio = /folio (MET-\d{4}-000001)/.exec(done.body.replies[0].text)?.[1];
    expect(folio).toBeDefined();
    const report = await bot.app.store.reports.byFolio(folio as string);
    expect(report?.photos).toHaveLength(1);
    expect(report?.channel).toBe("web");
    const stored = await bot.app.store.media.get(report?.photos[0] ?? "");
    expect(stored?.mimeType).toBe("image/png");
  });

  it("answers malformed input with a clear message in the user's language", async () => {
    const cases = [
      { session: { $gt: "" }, id: randomUUID(), text: "x" },
      { session: randomUUID(), id: randomUUID() },
      { session: randomUUID(), id: randomUUID(), text: "a", choice: "b" },
      { session: "not-a-uuid", id: randomUUID(), text: "hola" },
      { session: randomUUID(), id: randomUUID(), text: "x".repeat(5000) },
      { session: randomUUID(), id: randomUUID(), location: { latitude: 200, longitude: 0 } },
    ];
    for (const payload of cases) {
      const res = await server.inject({ method: "POST", url: "/api/chat/messages", payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain("No entendí ese mensaje");
    }
    const en = await server.inject({ method: "POST", url: "/api/chat/messages", payload: { lang: "en" } });
    expect(en.json().error).toContain("I could not understand");
  });

  it("the same message id posted twice is processed once", async () => {
    const s = randomUUID();
    const id = randomUUID();
    const first = await server.inject({ method: "POST", url: "/api/chat/messages", payload: { session: s, id, text: "hola" } });
    const second = await server.inject({ method: "POST", url: "/api/chat/messages", payload: { session: s, id, text: "hola" } });
    expect(first.json().result).toBe("processed");
    expect(second.json()).toEqual({ result: "duplicate", replies: [] });
  });

  it("answers a photo larger than the server takes in the citizen's language, never with Fastify's English", async () => {
    const s = randomUUID();
    const photo = "A".repeat(Math.ceil(bot.app.config.PHOTO_MAX_MB * 1024 * 1024 * 1.5));
    const payload = JSON.stringify({ session: s, id: randomUUID(), lang: "es-MX", photo });
    const es = await server.inject({
      method: "POST",
      url: "/api/chat/messages",
      payload,
      headers: { "content-type": "application/json", "accept-language": "es-MX" },
    });
    expect(es.statusCode).toBe(413);
    expect(es.json()).toEqual({ error: "Esa foto es demasiado grande. Envía una más ligera, o escribe «omitir»." });
    const en = await server.inject({
      method: "POST",
      url: "/api/chat/messages",
      payload,
      headers: { "content-type": "application/json", "accept-language": "en" },
    });
    expect(en.json().error).toBe('That photo is too large. Send a lighter one, or type "skip".');
    expect(en.body).not.toContain("Payload Too Large");
    // A body that is not JSON at all is answered like any other unusable message.
    const broken = await server.inject({ method: "POST", url: "/api/chat/messages", payload: "{nope", headers: { "content-type": "application/json" } });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toContain("No entendí ese mensaje");
  });

  it("a topic to learn is a message of its own, then the question with its buttons; links to this server are relative", async () => {
    const s = randomUUID();
    await post(s, { text: "hola" });
    await post(s, { choice: "learn" });
    const topic = await post(s, { choice: "aims" });
    expect(topic.body.replies).toHaveLength(2);
    expect(topic.body.replies[0].text).toMatch(/^¿Qué busca el Gobierno Abierto\?\n/);
    expect(topic.body.replies[0].choices).toBeUndefined();
    expect(topic.body.replies[1].text).toBe("¿Qué quieres conocer?");
    expect(topic.body.replies[1].choices?.map((c) => c.value)).toContain("aims");
    await post(s, { choice: "back" });
    const notice = await post(s, { choice: "report" });
    expect(notice.body.replies.at(-1)?.text).toContain("Aviso completo: /privacidad (versión");
    expect(JSON.stringify(notice.body)).not.toContain(bot.app.publicUrl);
  });

  it("serves its script, stylesheet and favicon as files, and the page has no inline script or style", async () => {
    const page = await server.inject({ url: "/" });
    const scripts = [...page.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts).toEqual([' type="application/json" id="page-data"', ' type="module" src="/chat/chat.js"']);
    expect(page.body).not.toMatch(/<style|style=|\son\w+=/i);
    const js = await server.inject({ url: "/chat/chat.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toMatch(/javascript/);
    expect((await server.inject({ url: "/chat/chat.css" })).headers["content-type"]).toMatch(/text\/css/);
    expect((await server.inject({ url: "/favicon.ico" })).headers["content-type"]).toMatch(/image\/svg\+xml/);
    expect((await server.inject({ url: "/chat/../chat.ts" })).statusCode).toBe(404);
    // The labels of every language travel with the page, so it can switch without a reload.
    const data = JSON.parse(/<script type="application\/json" id="page-data">(.*?)<\/script>/s.exec(page.body)?.[1] ?? "{}");
    expect(data.labels.en.placeholder).toBe("Type your message");
    expect(data.labels["es-MX"].placeholder).toBe("Escribe tu mensaje");
    expect(data.photoMaxBytes).toBe(bot.app.config.PHOTO_MAX_MB * 1024 * 1024);
  });

  it("every response carries the security headers: a CSP without 'unsafe-inline', no framing, nosniff, no referrer", async () => {
    for (const url of ["/", "/chat/chat.js", "/healthz", "/no-such-page"]) {
      const res = await server.inject({ url });
      const csp = String(res.headers["content-security-policy"]);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).not.toContain("unsafe-inline");
      expect(csp, url).not.toContain("upgrade-insecure-requests");
      expect(res.headers["x-content-type-options"], url).toBe("nosniff");
      expect(res.headers["x-frame-options"], url).toBe("DENY");
      expect(res.headers["referrer-policy"], url).toBe("no-referrer");
    }
  });

  it("reports health with the store in use", async () => {
    const res = await server.inject({ url: "/healthz" });
    expect(res.json()).toEqual({ status: "ok", store: "embedded" });
  });
});

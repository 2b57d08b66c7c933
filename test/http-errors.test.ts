/** A failing request is logged with an error id and answered in the visitor's language, never with internals. */
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contribution } from "../src/http/server.js";
import { createLogger } from "../src/util/logger.js";
import { httpServer, startBot, type TestBot } from "./helpers/app.js";
import { LogLines } from "./helpers/service.js";

/** A route that fails the way a bug does, with a message that quotes a citizen's data. */
const failing: FastifyPluginAsync = async (app) => {
  app.post("/fails", async () => {
    throw new TypeError("Cannot read properties of undefined, chat 5215512345678 said «secreto»");
  });
  // A route of its own, without the web chat's handling of bodies it refuses.
  app.post("/small", { bodyLimit: 1024 }, async () => ({ ok: true }));
};

let bot: TestBot;
let server: FastifyInstance;
let logs: LogLines;
beforeEach(async () => {
  bot = await startBot();
  logs = new LogLines();
  server = await httpServer(bot, [contribution(failing, {})], createLogger("info", logs));
});
afterEach(async () => {
  await server.close();
  await bot.close();
});

describe("failed requests", () => {
  it("a 5xx is logged with an error id and no message text, and answered with that id in the visitor's language", async () => {
    const es = await server.inject({ method: "POST", url: "/fails", payload: { text: "hola" } });
    expect(es.statusCode).toBe(500);
    const body = es.json() as { error: string; errorId: string };
    expect(body.errorId).toMatch(/^[0-9a-f]{10}$/);
    expect(body.error).toContain("Tuvimos un problema técnico");
    expect(body.error).toContain(body.errorId);
    expect(es.body).not.toMatch(/Cannot read|secreto|TypeError|5215512345678/);

    const en = await server.inject({ method: "POST", url: "/fails", headers: { "accept-language": "en-US,en;q=0.8" }, payload: {} });
    expect(en.json().error).toContain("We had a technical problem");
    const fromBody = await server.inject({ method: "POST", url: "/fails", payload: { lang: "en" } });
    expect(fromBody.json().error).toContain("We had a technical problem");

    const lines = logs.lines.filter((l) => l.msg === "request failed");
    expect(lines.map((l) => l.errorId)).toEqual([body.errorId, en.json().errorId, fromBody.json().errorId]);
    expect(lines[0]).toMatchObject({ status: 500, method: "POST", route: "/fails", err: { type: "TypeError" } });
    expect(logs.text).not.toMatch(/Cannot read|secreto|5215512345678/);
  });

  it("an address no route serves is a 404 in the visitor's language, not the framework's «Route GET:/x not found»; it points to the web chat only when there is one", async () => {
    const es = await server.inject({ method: "GET", url: "/no-existe?x=<b>1</b>" });
    expect(es.statusCode).toBe(404);
    expect(es.json()).toEqual({ error: "No existe esa página." });
    const en = await server.inject({ method: "POST", url: "/nothing/here", headers: { "accept-language": "en" }, payload: {} });
    expect(en.statusCode).toBe(404);
    expect(en.json().error).toBe("There is no such page.");
    expect(es.body + en.body).not.toMatch(/Route|not found|no-existe|<b>/);
    // An address the router cannot read is a bad request in the visitor's language, not Fastify's English.
    const bad = await server.inject({ method: "GET", url: "/%", headers: { "accept-language": "es-MX" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: "No entendí ese mensaje. Vuelve a intentarlo." });
    expect(bad.headers["x-content-type-options"]).toBe("nosniff");
    expect(bad.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    // Without a web chat, a browser's page has no link to one.
    const page = await server.inject({ method: "GET", url: "/no-existe", headers: { accept: "text/html" } });
    expect(page.body).toContain("<h1>No existe esa página.</h1>");
    expect(page.body.match(/No existe esa página/g)).toHaveLength(2);
    expect(page.body).not.toContain("<a href");

    const withChat = await httpServer(bot, [], undefined, { webChat: true });
    try {
      expect((await withChat.inject({ method: "GET", url: "/no-existe" })).json()).toEqual({
        error: "No existe esa página. La del chat está en la dirección principal de este sitio.",
      });
      expect((await withChat.inject({ method: "GET", url: "/x", headers: { "accept-language": "en" } })).json().error).toBe(
        "There is no such page. The chat is at this site's main address.",
      );
      // A browser following a wrong link gets a page in its language, with the way to the chat.
      const html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
      const page = await withChat.inject({ method: "GET", url: "/reporte?x=<b>1</b>", headers: { accept: html, "accept-language": "es-MX,es" } });
      expect(page.statusCode).toBe(404);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.body).toMatch(/<html lang="es-MX">/);
      expect(page.body).toContain("<h1>No existe esa página.</h1>");
      expect(page.body).toContain('<a href="/">Ir al chat</a>');
      expect(page.body).not.toMatch(/<b>1|reporte|Route|\{"error"/);
      const english = await withChat.inject({ method: "GET", url: "/x", headers: { accept: html, "accept-language": "en" } });
      expect(english.body).toContain('<a href="/">Go to the chat</a>');
    } finally {
      await withChat.close();
    }
  });

  it("a body too large or not JSON is refused in the visitor's language, not with the framework's English", async () => {
    const big = await server.inject({ method: "POST", url: "/small", payload: { text: "A".repeat(200_000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: "Ese mensaje es demasiado grande. Si es una foto, envía una más ligera." });
    const broken = await server.inject({
      method: "POST",
      url: "/small",
      headers: { "content-type": "application/json", "accept-language": "en" },
      payload: "{not json",
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ error: "I could not understand that message. Please try again." });
  });
});

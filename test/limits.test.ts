/**
 * Limits against floods: the web chat API per session and per address (429 with a polite text),
 * a per-conversation flood limit on every channel, and no citizen record for a visitor who never
 * consents.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { limitedChatPlugin } from "../src/channels/web/rate-limits.js";
import type { InboundMessage } from "../src/conversation/messages.js";
import type { ChannelName } from "../src/domain/model/channel.js";
import { contribution } from "../src/http/server.js";
import { FakeBotApi } from "./fakes/bot-api.js";
import { httpServer, startBot, type TestBot, webChatOptions } from "./helpers/app.js";
import { type RunningBot, runBot } from "./helpers/service.js";

let bot: TestBot | undefined;
let server: FastifyInstance | undefined;
afterEach(async () => {
  await server?.close();
  await bot?.close();
  server = undefined;
  bot = undefined;
});

async function webChat(limits: { perSession: number; perAddress: number; largePerAddress?: number }): Promise<FastifyInstance> {
  bot = await startBot();
  const options = { ...webChatOptions(bot), photoMaxBytes: 1024 * 1024, limits: { largePerAddress: 1000, ...limits } };
  server = await httpServer(bot, [contribution(limitedChatPlugin, options)]);
  return server;
}

function post(s: FastifyInstance, body: Record<string, unknown>, from = "203.0.113.7", headers: Record<string, string> = {}) {
  return s.inject({ method: "POST", url: "/api/chat/messages", remoteAddress: from, headers, payload: { id: randomUUID(), ...body } });
}

describe("web chat API limits", () => {
  it("one session sending too fast gets 429 with a polite text in its language; other sessions go on", async () => {
    const s = await webChat({ perSession: 5, perAddress: 100 });
    const session = randomUUID();
    for (let i = 0; i < 5; i++) expect((await post(s, { session, text: "hola" })).statusCode).toBe(200);
    const refused = await post(s, { session, text: "hola" });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({ error: "Recibimos demasiados mensajes seguidos desde aquí. Espera un minuto, por favor, y vuelve a intentarlo." });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    const english = await post(s, { session, text: "hello", lang: "en" });
    expect(english.json().error).toBe("We received too many messages in a row from here. Please wait a minute and try again.");
    expect((await post(s, { session: randomUUID(), text: "hola" })).statusCode).toBe(200);
  });

  it("one address opening session after session is refused before its messages are read; other addresses go on", async () => {
    const s = await webChat({ perSession: 100, perAddress: 8 });
    for (let i = 0; i < 8; i++) expect((await post(s, { session: randomUUID(), text: "hola" })).statusCode).toBe(200);
    const sessions = [randomUUID(), randomUUID()];
    for (const session of sessions) {
      const refused = await post(s, { session, text: "hola" }, "203.0.113.7", { "accept-language": "en-US" });
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error).toContain("Please wait a minute");
      // Nothing of a refused request reached the conversations.
      expect(await bot?.app.store.conversations.get(`web:${session}`)).toBeNull();
    }
    expect((await post(s, { session: randomUUID(), text: "hola" }, "198.51.100.20")).statusCode).toBe(200);
  });

  it("photos from one address are fewer still, refused before they are read; its text messages go on", async () => {
    const s = await webChat({ perSession: 100, perAddress: 100, largePerAddress: 3 });
    // 200 KB of base64 where no photo is asked: read and answered, three times.
    const photo = Buffer.alloc(150 * 1024, 7).toString("base64");
    for (let i = 0; i < 3; i++) expect((await post(s, { session: randomUUID(), photo })).statusCode).toBe(200);
    const refused = await post(s, { session: randomUUID(), photo });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toContain("Espera un minuto");
    expect((await post(s, { session: randomUUID(), text: "hola" })).statusCode).toBe(200);
    expect((await post(s, { session: randomUUID(), photo }, "198.51.100.20")).statusCode).toBe(200);
    // Sent without saying its length (chunked): counted as large too.
    const chunked = await s.inject({
      method: "POST",
      url: "/api/chat/messages",
      remoteAddress: "203.0.113.7",
      headers: { "content-type": "application/json" },
      payload: Readable.from([JSON.stringify({ id: randomUUID(), session: randomUUID(), text: "hola" })]),
    });
    expect(chunked.statusCode).toBe(429);
  });
});

function message(channel: ChannelName, chatId: string, n: number, text: string): InboundMessage {
  return { channel, chatId, messageId: `${chatId}-${n}`, content: { type: "text", text } };
}

describe("flood limit per conversation", () => {
  it.each(["web", "whatsapp", "console"] as ChannelName[])(
    "on %s: one notice in the citizen's language, then silence until the pace drops",
    async (channel) => {
      bot = await startBot({ env: { FLOOD_MAX_MESSAGES: "5", FLOOD_WINDOW_SECONDS: "10" } });
      const conversations = bot.app.conversations;
      const sent: string[] = [];
      const send = async (_chat: string, m: { text: string }) => void sent.push(m.text);
      let n = 0;
      // An English citizen: the notice follows the conversation's language.
      for (const text of ["hello", "6", "2"]) expect(await conversations.handle(message(channel, "fast", n++, text), send)).toBe("processed");
      expect(sent.at(-1)).toContain("What would you like to do?");
      expect(await conversations.handle(message(channel, "fast", n++, "3"), send)).toBe("processed");
      expect(await conversations.handle(message(channel, "fast", n++, "1"), send)).toBe("processed");
      const before = sent.length;
      const results = [];
      for (let i = 0; i < 30; i++) results.push(await conversations.handle(message(channel, "fast", n++, "1"), send));
      expect(new Set(results)).toEqual(new Set(["limited"]));
      expect(sent.slice(before)).toEqual([
        "You are sending messages very fast, so I will stop reading them for a moment. Wait a little and write again; your conversation is still where it was.",
      ]);
      // Another citizen is not affected.
      expect(await conversations.handle(message(channel, "calm", 0, "hola"), send)).toBe("processed");
      // Still sending every second: still ignored.
      for (let i = 0; i < 10; i++) {
        bot.clock.advance(1000);
        expect(await conversations.handle(message(channel, "fast", n++, "1"), send)).toBe("limited");
      }
      // After a pause, the conversation goes on where it was.
      bot.clock.advance(11_000);
      expect(await conversations.handle(message(channel, "fast", n++, "menu"), send)).toBe("processed");
      expect(sent.at(-1)).toContain("What would you like to do?");
    },
  );

  it("a flood right after a report loses nothing: the report and its folio are there", async () => {
    bot = await startBot({ env: { FLOOD_MAX_MESSAGES: "12", FLOOD_WINDOW_SECONDS: "60" } });
    const ana = bot.citizen("flooder");
    let done = "";
    for (const line of ["hola", "1", "sí", "Metepec", "2", "Hay un bache enorme frente a la escuela", "omitir", "omitir", "1", "1"])
      done = await ana.receive(line);
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1] as string;
    const replies = [];
    for (let i = 0; i < 20; i++) replies.push(await ana.receive("1"));
    expect(replies.filter((r) => r.includes("muy rápido"))).toHaveLength(1);
    expect(await bot.app.store.reports.byFolio(folio)).toMatchObject({ folio, municipality: "15054" });
  });

  it("through Telegram: a burst of updates gets one notice and the bot keeps answering others", async () => {
    const fake = await FakeBotApi.start();
    let running: RunningBot | undefined;
    try {
      running = await runBot({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, TELEGRAM_THROTTLE: "false", FLOOD_MAX_MESSAGES: "6" });
      const spammer = fake.user(7001);
      for (let i = 0; i < 25; i++) await spammer.say(`spam ${i}`);
      const other = fake.user(7002);
      await other.say("hola");
      await other.expect("¿Qué quieres hacer?");
      await fake.until(() => (spammer.messages.some((m) => m.text.includes("muy rápido")) ? true : undefined));
      await running.service.app.conversations.idle();
      expect(spammer.messages.filter((m) => m.text.includes("muy rápido"))).toHaveLength(1);
      expect(spammer.messages.length).toBeLessThanOrEqual(7);
      expect(running.logs.lines.filter((l) => l.msg === "too many messages: ignored until the pace drops")).toHaveLength(1);
      expect(running.logs.text).not.toContain("spam");
    } finally {
      await running?.stop();
      await fake.close();
    }
  });
});

describe("citizen records", () => {
  it("a visitor who only greets, browses or declines leaves no citizen record; consent creates it", async () => {
    bot = await startBot();
    const visitor = bot.citizen("visitor");
    await visitor.receive("hola");
    await visitor.receive("3");
    await visitor.receive("1");
    await visitor.receive("menú");
    await visitor.receive("idioma");
    expect(await visitor.receive("2")).toContain("What would you like to do?");
    await visitor.receive("1");
    await visitor.receive("no");
    expect(await bot.app.store.citizens.get("console:visitor")).toBeNull();
    // The language chosen stays with the conversation.
    expect(await visitor.receive("hello")).toContain("What would you like to do?");

    const ana = bot.citizen("consents");
    for (const line of ["hola", "1"]) await ana.receive(line);
    expect(await bot.app.store.citizens.get("console:consents")).toBeNull();
    await ana.receive("sí");
    expect(await bot.app.store.citizens.get("console:consents")).toMatchObject({ consent: { version: expect.any(String) }, language: "es-MX" });
  });
});

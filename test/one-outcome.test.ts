/**
 * Each message has one outcome the citizen sees, whatever fails and wherever: answered; or kept
 * (Telegram, WhatsApp) and answered when the store is back; or failed, said so, and never processed
 * later. A report is filed once, however often its sending is tried again. Failures are injected
 * into a real embedded store: a full disk under it, or one call failing before or after its write.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatPlugin } from "../src/channels/web/chat.js";
import type { InboundMessage, OutboundMessage } from "../src/conversation/messages.js";
import { contribution } from "../src/http/server.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { httpServer, startBot, type TestBot, tempDir } from "./helpers/app.js";
import { connectionLost, type FaultyStore, faulty, writeConcernTimeout } from "./helpers/faulty-store.js";
import { diskFullDuring } from "./helpers/full-disk.js";

const LEASE_PASSED_MS = 3 * 60_000;
/** From the menu to the summary of a report; the next answer, "1", sends it. */
const TO_SUMMARY = ["hola", "1", "si", "Metepec", "2", "Bache enorme frente a la escuela primaria", "omitir", "omitir", "1"];

let running: TestBot | undefined;
let server: FastifyInstance | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
  await running?.close();
  running = undefined;
});

async function botWith(): Promise<{ bot: TestBot; store: FaultyStore }> {
  const dataDir = await tempDir();
  const store = faulty(await openEmbeddedStore(dataDir));
  return { bot: closedAfter(await startBot({ dataDir, app: { store, retryMs: 20 } })), store };
}

/** The bot the test ends with is closed after it. */
function closedAfter(bot: TestBot): TestBot {
  running = bot;
  return bot;
}

/** A Telegram citizen: each line a new message id; replies collected. */
function telegramCitizen(b: TestBot, chatId = "7001") {
  const sent: OutboundMessage[] = [];
  let n = 0;
  const send = async (_chat: string, m: OutboundMessage) => void sent.push(m);
  const message = (text: string, messageId = String(++n)): InboundMessage => ({ channel: "telegram", chatId, messageId, content: { type: "text", text } });
  return {
    sent,
    send,
    message,
    say: (text: string) => b.app.conversations.handle(message(text), send),
    texts: () => sent.map((m) => m.text),
  };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not met in 5 s");
}

/** The bot restarted on the same data, past the claims' lease; what it sends to Telegram citizens is collected in `sent`. */
async function restartedPastLease(bot: TestBot): Promise<{ restarted: TestBot; sent: OutboundMessage[] }> {
  const restarted = closedAfter(await bot.restart());
  const sent: OutboundMessage[] = [];
  restarted.app.delivery.register("telegram", { send: async (_chat, m) => void sent.push(m) });
  restarted.clock.advance(LEASE_PASSED_MS);
  return { restarted, sent };
}

/** The web chat's HTTP API on this bot: `post` sends a text as a new message (or under the id given). */
async function webChat(bot: TestBot) {
  const { app } = bot;
  const http = await httpServer(bot, [
    contribution(chatPlugin, {
      service: app.conversations,
      texts: app.texts,
      defaultLanguage: app.defaultLanguage,
      photoMaxBytes: 1024 * 1024,
      publicUrl: app.publicUrl,
    }),
  ]);
  server = http;
  const session = randomUUID();
  return {
    session,
    async post(text: string, id = randomUUID()) {
      const res = await http.inject({ method: "POST", url: "/api/chat/messages", payload: { session, id, text } });
      return { status: res.statusCode, body: res.json() as { result: string; replies: { lang: string; text: string }[] } };
    },
  };
}

describe("one outcome per message", () => {
  it("web chat: a message the disk could not take is answered as failed, never with a 500, and never processed later", async () => {
    const bot = closedAfter(await startBot());
    const web = await webChat(bot);
    // The disk is full when the step of the message is written (the conversation's line, which names its chat).
    diskFullDuring(`"web:${web.session}"`);
    const res = await web.post("hola");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: "failed", replies: [{ lang: "es-MX", text: expect.stringContaining("intenta de nuevo en un momento") }] });
    vi.restoreAllMocks();

    // Minutes later, nothing brings it back.
    bot.clock.advance(LEASE_PASSED_MS);
    expect(await bot.app.conversations.recover()).toBe(0);
    expect(await bot.app.store.conversations.get(`web:${web.session}`)).toBeNull();
    // Sent again, it is a new message and is answered.
    const again = await web.post("hola");
    expect(again.body.result).toBe("processed");
    expect(again.body.replies[0].text).toContain("Soy Municipio Abierto");
  });

  it("Telegram: a message the disk could not take is kept, then processed and answered once", async () => {
    const bot = closedAfter(await startBot({ app: { retryMs: 20 } }));
    const ana = telegramCitizen(bot);
    expect(await ana.say("hola")).toBe("processed");
    diskFullDuring('"messageId":"2"');
    expect(await ana.say("3")).toBe("deferred");
    expect(ana.texts().at(-1)).toContain("Tu mensaje quedó guardado");
    await until(() => bot.app.conversations.waiting === 0);
    expect(ana.texts().at(-1)).toContain("¿Qué quieres conocer?");
    bot.clock.advance(LEASE_PASSED_MS);
    expect(await bot.app.conversations.recover()).toBe(0);
    expect(ana.texts().filter((t) => t.includes("¿Qué quieres conocer?"))).toHaveLength(1);
  });

  it("a message that failed is never processed later, not even when the platform delivers it again", async () => {
    const { bot, store } = await botWith();
    const ana = telegramCitizen(bot);
    await ana.say("hola");
    store.fail("conversations", "save", { when: "before", error: () => new TypeError("a bug") });
    const menuChoice = ana.message("3");
    expect(await bot.app.conversations.handle(menuChoice, ana.send)).toBe("failed");
    expect(ana.texts().at(-1)).toContain("Tuvimos un problema técnico");
    expect(await bot.app.conversations.handle(menuChoice, ana.send)).toBe("duplicate");
    bot.clock.advance(LEASE_PASSED_MS);
    expect(await bot.app.conversations.recover()).toBe(0);
    expect(ana.texts().at(-1)).toContain("Tuvimos un problema técnico");
  });
});

describe("no second report", () => {
  it("a report saved but not acknowledged (write-concern timeout) is filed once, and the citizen gets its folio", async () => {
    const { bot, store } = await botWith();
    const ana = telegramCitizen(bot);
    for (const line of TO_SUMMARY) await ana.say(line);
    expect(ana.texts().at(-1)).toContain("Revisa tu reporte");
    store.fail("reports", "insert", { when: "after", error: writeConcernTimeout });
    expect(await ana.say("1")).toBe("deferred");
    expect(ana.texts().at(-1)).toContain("Tu mensaje quedó guardado");
    await until(() => bot.app.conversations.waiting === 0);
    const folio = /folio (MET-\d{4}-\d{6})/.exec(ana.texts().at(-1) ?? "")?.[1];
    expect(folio).toMatch(/-000001$/);
    expect(await bot.app.store.reports.count()).toBe(1);
    // One folio number spent.
    expect(await bot.app.store.counters.next(`folio:15054:${folio?.slice(4, 8)}`)).toBe(2);
  });

  it("a counter that fails mid-report keeps the message instead of telling the citizen it was not saved", async () => {
    const { bot, store } = await botWith();
    const ana = telegramCitizen(bot);
    for (const line of TO_SUMMARY) await ana.say(line);
    store.fail("counters", "next", { when: "before", error: connectionLost });
    expect(await ana.say("1")).toBe("deferred");
    await until(() => bot.app.conversations.waiting === 0);
    expect(ana.texts().at(-1)).toMatch(/folio MET-\d{4}-000001/);
    expect(await bot.app.store.reports.count()).toBe(1);
  });

  it("web chat: pressing send again after a failure finds the report the first press filed", async () => {
    const { bot, store } = await botWith();
    const web = await webChat(bot);
    for (const line of TO_SUMMARY) await web.post(line);
    store.fail("reports", "insert", { when: "after", error: writeConcernTimeout });
    const first = (await web.post("1")).body;
    expect(first.result).toBe("failed");
    expect(first.replies.at(-1)?.text).toContain("intenta de nuevo");
    const second = (await web.post("1")).body;
    expect(second.result).toBe("processed");
    expect(second.replies[0].text).toMatch(/folio MET-\d{4}-000001/);
    expect(await bot.app.store.reports.count()).toBe(1);
  });

  it("a crash between saving the report and saving the conversation files no second report when the message is processed again", async () => {
    const { bot, store } = await botWith();
    const ana = telegramCitizen(bot);
    for (const line of TO_SUMMARY) await ana.say(line);
    // The process "dies" after the report was saved: the conversation is never saved, the claim stays.
    store.fail("conversations", "save", { when: "before", error: connectionLost, times: 1000 });
    expect(await ana.say("1")).toBe("deferred");
    expect(await bot.app.store.reports.count()).toBe(1);
    const { restarted, sent } = await restartedPastLease(bot);
    expect(await restarted.app.conversations.recover()).toBe(1);
    // Its replies went to the outbox; the worker delivers them.
    await restarted.app.delivery.runOnce("telegram");
    expect(sent.at(-1)?.text).toMatch(/folio MET-\d{4}-000001/);
    expect(await restarted.app.store.reports.count()).toBe(1);
  });
});

describe("a photo's caption after a crash", () => {
  it("a photo with words under it, kept but not processed before a crash: the words are read after it, the photo asked for again", async () => {
    const { bot, store } = await botWith();
    const ana = telegramCitizen(bot);
    for (const line of ["hola", "1", "si"]) await ana.say(line);
    // The photo is on Telegram's servers: the journal keeps its caption, never the photo.
    store.fail("conversations", "save", { when: "before", error: connectionLost, times: 1000 });
    const photo: InboundMessage = {
      channel: "telegram",
      chatId: "7001",
      messageId: "with-caption",
      content: { type: "photo", data: { read: async () => Buffer.alloc(10) }, caption: "Hay un bache enorme frente a la escuela primaria en Metepec" },
    };
    expect(await bot.app.conversations.handle(photo, ana.send)).toBe("deferred");
    const { restarted, sent } = await restartedPastLease(bot);
    expect(await restarted.app.conversations.recover()).toBe(1);
    await restarted.app.delivery.runOnce("telegram");
    const texts = sent.map((m) => m.text).join("\n");
    expect(texts).toContain("No pude descargar esa foto");
    // The words answered the question waiting (where?), and the next one is asked.
    expect(texts).toContain("¿Qué tipo de problema es, en Metepec?");
  });
});

describe("no replay against a newer state", () => {
  it("a message whose step was saved but whose claim was not completed is not run again by recovery", async () => {
    const { bot, store } = await botWith();
    const ana = telegramCitizen(bot);
    await ana.say("hola");
    store.fail("inbound", "complete", { when: "before", error: connectionLost });
    // "1" opens a report: the privacy question. Replayed, "1" would answer that question.
    expect(await ana.say("1")).toBe("processed");
    expect(ana.texts().at(-1)).toContain("¿Aceptas el aviso de privacidad");
    const before = (await bot.app.store.conversations.get("telegram:7001"))?.state;
    bot.clock.advance(LEASE_PASSED_MS);
    await bot.app.conversations.recover();
    expect((await bot.app.store.conversations.get("telegram:7001"))?.state).toEqual(before);
    expect(ana.texts().at(-1)).toContain("¿Aceptas el aviso de privacidad");
    expect(await bot.app.store.inbound.unfinished(bot.clock.now(), 10)).toEqual([]);
  });
});

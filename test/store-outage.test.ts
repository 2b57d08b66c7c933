/**
 * The store goes away mid-conversation (MongoDB restarting, a network cut): the citizen is told
 * once, their messages are kept in order, and they are answered when the store is back. Nothing is
 * lost. The outage is simulated on the embedded store with the error MongoDB's driver throws.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/settings.js";
import type { InboundMessage, OutboundMessage } from "../src/conversation/messages.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { isConnectionError } from "../src/store/mongo/index.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "./helpers/app.js";
import { faulty } from "./helpers/faulty-store.js";

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function text(messageId: string, body: string): InboundMessage {
  return { channel: "telegram", chatId: "7001", messageId, content: { type: "text", text: body } };
}

/** The bot on a flaky store, a citizen's first message answered; the replies they get are collected. */
async function talking() {
  const dir = await tempDir();
  const store = faulty(await openEmbeddedStore(dir));
  app = await createApp(loadConfig({ DATA_DIR: dir }), { store, logger: createLogger("silent"), retryMs: 50 });
  const { conversations } = app;
  const sent: OutboundMessage[] = [];
  const send = async (_chat: string, m: OutboundMessage) => void sent.push(m);
  expect(await conversations.handle(text("1", "hola"), send)).toBe("processed");
  return { store, conversations, sent, send };
}

describe("store outage", () => {
  it("tells the citizen once, keeps their messages in order, and answers them when the store is back", async () => {
    const { store, conversations, sent, send } = await talking();
    store.down = true;
    expect(await conversations.handle(text("2", "1"), send)).toBe("deferred");
    expect(await conversations.handle(text("3", "sí"), send)).toBe("deferred");
    // A redelivery of a kept message is not kept twice.
    expect(await conversations.handle(text("3", "sí"), send)).toBe("duplicate");
    expect(sent.slice(1).map((m) => m.text)).toEqual([expect.stringContaining("Estamos teniendo problemas técnicos")]);
    expect(conversations.waiting).toBe(2);

    await new Promise((r) => setTimeout(r, 200));
    expect(conversations.waiting).toBe(2);
    store.down = false;
    for (let i = 0; i < 100 && conversations.waiting > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(conversations.waiting).toBe(0);

    // "1" opened the report (privacy notice and consent), "sí" gave consent: answered in that order.
    const after = sent.slice(2).map((m) => m.text);
    expect(after[0]).toContain("¿Aceptas el aviso de privacidad");
    expect(after[1]).toContain("¿En qué municipio está el problema?");
    const record = await store.conversations.get("telegram:7001");
    expect(record?.state).toMatchObject({ flow: "report", step: "where", waiting: "answer" });
    // A new message after the outage goes straight through.
    expect(await conversations.handle(text("4", "Metepec"), send)).toBe("processed");
    expect(sent.at(-1)?.text).toContain("¿Qué tipo de problema es, en Metepec?");
  });

  it("recognises the driver's connection errors, and only those", () => {
    const named = (name: string) => Object.assign(new Error("x"), { name });
    expect(isConnectionError(named("MongoServerSelectionError"))).toBe(true);
    expect(isConnectionError(named("MongoNetworkError"))).toBe(true);
    expect(isConnectionError(named("ValidationError"))).toBe(false);
    expect(isConnectionError(Object.assign(new Error("E11000 duplicate key"), { name: "MongoServerError", code: 11000 }))).toBe(false);
    expect(isConnectionError(null)).toBe(false);
  });

  it("an error the replay does not expect fails that message alone: no unhandled rejection, the citizen told, the rest answered", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { store, conversations, sent, send } = await talking();
      store.down = true;
      expect(await conversations.handle(text("2", "1"), send)).toBe("deferred");
      expect(await conversations.handle(text("3", "1"), send)).toBe("deferred");
      // Back, but the first kept message's claim is refused (not an outage): the replay must not throw.
      store.fail("inbound", "claim", {
        when: "before",
        error: () => Object.assign(new Error("Document failed validation"), { name: "MongoServerError", code: 121 }),
      });
      store.down = false;
      for (let i = 0; i < 100 && conversations.waiting > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(conversations.waiting).toBe(0);
      expect(unhandled).toEqual([]);
      const after = sent.slice(2).map((m) => m.text);
      expect(after[0]).toContain("Tuvimos un problema técnico con tu mensaje");
      // The second kept message went on: "1" opened the report (privacy notice).
      expect(after[1]).toContain("¿Aceptas el aviso de privacidad");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

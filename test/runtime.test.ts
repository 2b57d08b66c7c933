/** The conversation runtime: each message once, in order, replies never lost, a changed flow handled. */
import { afterEach, describe, expect, it } from "vitest";
import type { InboundMessage, OutboundMessage } from "../src/conversation/messages.js";
import { startBot, type TestBot } from "./helpers/app.js";

let bot: TestBot;
afterEach(() => bot?.close());

function text(chatId: string, messageId: string, body: string): InboundMessage {
  return { channel: "web", chatId, messageId, content: { type: "text", text: body } };
}

function collector() {
  const sent: OutboundMessage[] = [];
  return { sent, send: async (_chat: string, m: OutboundMessage) => void sent.push(m) };
}

describe("conversation runtime", () => {
  it("a message delivered twice is processed once, also after a restart", async () => {
    bot = await startBot();
    const { sent, send } = collector();
    expect(await bot.app.conversations.handle(text("c1", "m1", "hola"), send)).toBe("processed");
    const afterFirst = sent.length;
    expect(afterFirst).toBeGreaterThan(0);
    expect(await bot.app.conversations.handle(text("c1", "m1", "hola"), send)).toBe("duplicate");
    bot = await bot.restart();
    expect(await bot.app.conversations.handle(text("c1", "m1", "hola"), send)).toBe("duplicate");
    expect(sent).toHaveLength(afterFirst);
  });

  it("concurrent duplicates are processed once", async () => {
    bot = await startBot();
    const { sent, send } = collector();
    const results = await Promise.all(Array.from({ length: 5 }, () => bot.app.conversations.handle(text("c2", "same", "hola"), send)));
    expect(results.filter((r) => r === "processed")).toHaveLength(1);
    expect(sent.filter((m) => m.text.includes("Soy Municipio Abierto"))).toHaveLength(1);
  });

  it("messages of one conversation are handled one at a time, in order", async () => {
    bot = await startBot();
    const { sent, send } = collector();
    // Sent without waiting: the answers must still follow the order of the questions.
    await Promise.all(["hola", "3", "1", "menu", "2"].map((body, i) => bot.app.conversations.handle(text("c3", `m${i}`, body), send)));
    const texts = sent.map((m) => m.text);
    const learn = texts.findIndex((t) => t.includes("¿Qué quieres conocer?"));
    const what = texts.findIndex((t) => t.includes("nueva forma de gobernanza"));
    const folio = texts.findIndex((t) => t.includes("Escribe el folio"));
    expect(learn).toBeGreaterThan(0);
    expect(what).toBeGreaterThan(learn);
    expect(folio).toBeGreaterThan(what);
  });

  it("replies decided before a crash are sent once when the conversation resumes", async () => {
    bot = await startBot();
    const failing = async () => {
      throw new Error("network down");
    };
    // The channel fails while sending: the message is processed, its replies wait in the outbox.
    expect(await bot.app.conversations.handle(text("c4", "m1", "hola"), failing)).toBe("processed");
    expect((await bot.app.store.conversations.get("web:c4"))?.pending).toEqual([]);
    expect((await bot.app.store.outbox.unsentFor("web", "c4")).length).toBeGreaterThan(0);
    bot = await bot.restart();
    const { sent, send } = collector();
    // The step was saved: a redelivery of the same message does not run it again.
    expect(await bot.app.conversations.handle(text("c4", "m1", "hola"), send)).toBe("duplicate");
    await bot.app.conversations.handle(text("c4", "m2", "3"), send);
    const texts = sent.map((m) => m.text);
    expect(texts.filter((t) => t.includes("Soy Municipio Abierto"))).toHaveLength(1);
    expect(texts.at(-1)).toContain("¿Qué quieres conocer?");
    expect((await bot.app.store.conversations.get("web:c4"))?.pending).toEqual([]);
    expect(await bot.app.store.outbox.unsentFor("web", "c4")).toEqual([]);
  });

  it("a conversation parked on a step that no longer exists returns to the menu with an apology", async () => {
    bot = await startBot();
    const { sent, send } = collector();
    await bot.app.conversations.handle(text("c5", "m1", "hola"), send);
    const record = await bot.app.store.conversations.get("web:c5");
    if (!record) throw new Error("no conversation saved");
    await bot.app.store.conversations.save({ ...record, state: { ...(record.state as object), flow: "report", step: "removed_step", flowVersion: "old" } });
    await bot.app.conversations.handle(text("c5", "m2", "algo"), send);
    // The apology and the menu come as one message, with the menu's buttons.
    expect(sent.at(-1)?.text).toMatch(/actualizamos el asistente[\s\S]*¿Qué quieres hacer\?$/);
    expect(sent.at(-1)?.choices).toHaveLength(6);
  });

  it("unsupported content is answered kindly and the conversation stays where it was", async () => {
    bot = await startBot();
    const { sent, send } = collector();
    await bot.app.conversations.handle(text("c6", "m1", "hola"), send);
    await bot.app.conversations.handle(text("c6", "m2", "3"), send);
    await bot.app.conversations.handle({ channel: "web", chatId: "c6", messageId: "m3", content: { type: "unsupported", kind: "other" } }, send);
    expect(sent.at(-1)?.text).toMatch(/solo entiendo texto, fotos y ubicaciones[\s\S]*¿Qué quieres conocer\?$/);
  });

  it("a photo over the size limit is refused and the question asked again", async () => {
    bot = await startBot({ env: { PHOTO_MAX_MB: "0.001" } });
    const c = bot.citizen("big");
    for (const line of ["hola", "1", "si", "Metepec", "1", "La luminaria está apagada desde hace días"]) await c.receive(line);
    const big = `${bot.dataDir}/big.png`;
    const { writeFile } = await import("node:fs/promises");
    await writeFile(big, Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(5000)]));
    const out = await c.receive(`/photo ${big}`);
    expect(out).toContain("demasiado grande");
    expect(out).toContain("Si tienes una foto");
  });
});

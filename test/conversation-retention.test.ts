/**
 * Conversations are deleted whole after CONVERSATION_DAYS of silence (src/conversation/conversation-retention.ts):
 * a visitor who never accepted the privacy notice leaves nothing of their chat; a report unsent is
 * forgotten first (DRAFT_DAYS) and its citizen still told when back; reports and consent stay.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startBot, type TestBot } from "./helpers/app.js";

const DAY = 24 * 60 * 60 * 1000;
let bot: TestBot | undefined;

afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

function chat(b: TestBot, chatId: string) {
  let n = 0;
  return async (text: string): Promise<string> => {
    const now: string[] = [];
    await b.app.conversations.handle({ channel: "web", chatId, messageId: `${chatId}-${n++}`, content: { type: "text", text } }, async (_c, m) => {
      now.push(m.text);
    });
    return now.join("\n");
  };
}

const record = (b: TestBot, chatId: string) => b.app.store.conversations.get(`web:${chatId}`);

describe("conversations silent for CONVERSATION_DAYS are deleted whole", () => {
  it("a visitor who never consented is told so, and after the days nothing of their chat is left; one who wrote meanwhile keeps theirs", async () => {
    bot = await startBot({ env: { CONVERSATION_DAYS: "90" } });
    const visitor = chat(bot, "visitor");
    await visitor("hola");
    expect(await visitor("mis datos")).toContain("se borra sola si pasan 90 días sin que escribas");
    const other = chat(bot, "other");
    await other("hola");
    expect(await record(bot, "visitor")).not.toBeNull();

    bot.clock.advance(60 * DAY);
    await other("hola");
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(0);
    bot.clock.advance(31 * DAY);
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(1);
    expect(await record(bot, "visitor")).toBeNull();
    expect(await record(bot, "other")).not.toBeNull();
    expect(await bot.app.dataRights.held("web:visitor")).toMatchObject({ citizen: null, reports: [] });
    // Back, they start anew.
    expect(await visitor("hola")).toContain("Soy Municipio Abierto");
  });

  it("a report unsent is forgotten first, its citizen told when back; its conversation is deleted CONVERSATION_DAYS after that; a report sent stays", async () => {
    bot = await startBot({ env: { DRAFT_DAYS: "30", CONVERSATION_DAYS: "90" } });
    // One sends a report, another leaves one half written, a third leaves one and comes back.
    const sender = chat(bot, "sender");
    for (const line of ["hola", "1", "sí", "Metepec", "Baches y calles", "Un bache muy profundo frente al mercado", "omitir", "omitir", "1"])
      await sender(line);
    expect(await sender("1")).toMatch(/folio MET-/);
    const halfway = chat(bot, "halfway");
    for (const line of ["hola", "1", "sí", "Toluca", "Baches y calles"]) await halfway(line);
    const back = chat(bot, "back");
    for (const line of ["hola", "1", "sí", "Toluca", "Baches y calles"]) await back(line);

    // Silent 100 days (an upgrade finds such drafts): one pass forgets them, and deletes only the conversation that held none.
    bot.clock.advance(100 * DAY);
    await bot.app.conversations.retentionPass();
    expect(await record(bot, "sender")).toBeNull();
    expect(JSON.stringify((await record(bot, "halfway"))?.state)).toContain("forgotten");
    expect(await bot.app.store.reports.count()).toBe(1);
    expect((await bot.app.dataRights.held("web:sender")).reports).toHaveLength(1);
    // Back within CONVERSATION_DAYS of that, the citizen is told.
    bot.clock.advance(80 * DAY);
    expect(await back("hola")).toContain("se borró");
    bot.clock.advance(11 * DAY);
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(1);
    expect(await record(bot, "halfway")).toBeNull();
    expect(await record(bot, "back")).not.toBeNull();
  });

  it("a conversation with a person is never deleted: the Secretariado may still answer", async () => {
    bot = await startBot({ env: { CONVERSATION_DAYS: "30" } });
    // A secretariat that takes conversations (its group linked, a face to show them): the conversation waits for it.
    await bot.app.store.chats.save({
      chatId: "-100200",
      purpose: "secretariat",
      municipality: "15054",
      title: "Secretariado",
      linkedBy: "admin",
      linkedAt: bot.clock.now(),
      problem: null,
    });
    bot.app.secretariat.handoffs.setRelay({ opened: async () => 1, said: async () => {}, closed: async () => {} });
    const waiting = chat(bot, "waiting");
    await waiting("hola");
    expect(await waiting("quiero hablar con una persona")).toMatch(/aviso de privacidad/i);
    const idle = chat(bot, "idle");
    await idle("hola");
    bot.clock.advance(400 * DAY);
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(1);
    expect(await record(bot, "waiting")).not.toBeNull();
    expect(await record(bot, "idle")).toBeNull();
  });
});

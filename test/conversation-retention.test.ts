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

  it("a report unsent is forgotten first, and its citizen still told when back; then the conversation goes, the report sent stays", async () => {
    bot = await startBot({ env: { DRAFT_DAYS: "30", CONVERSATION_DAYS: "90" } });
    // One sends a report, another leaves one half written.
    const sender = chat(bot, "sender");
    for (const line of ["hola", "1", "sí", "Metepec", "Baches y calles", "Un bache muy profundo frente al mercado", "omitir", "omitir", "1"])
      await sender(line);
    expect(await sender("1")).toMatch(/folio MET-/);
    const halfway = chat(bot, "halfway");
    for (const line of ["hola", "1", "sí", "Toluca", "Baches y calles"]) await halfway(line);

    bot.clock.advance(31 * DAY);
    expect(await bot.app.conversations.forgetOldDrafts()).toBe(1);
    // Its marker is kept: the conversation is not deleted with the sender's, silent as long.
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(0);
    bot.clock.advance(60 * DAY);
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(2);
    expect(await record(bot, "sender")).toBeNull();
    expect(await bot.app.store.reports.count()).toBe(1);
    expect((await bot.app.dataRights.held("web:sender")).reports).toHaveLength(1);
  });

  it("one told of a forgotten report before the days keeps the conversation for the days again", async () => {
    bot = await startBot({ env: { DRAFT_DAYS: "30", CONVERSATION_DAYS: "30" } });
    const halfway = chat(bot, "halfway");
    for (const line of ["hola", "1", "sí", "Toluca", "Baches y calles"]) await halfway(line);
    bot.clock.advance(31 * DAY);
    expect(await bot.app.conversations.forgetOldDrafts()).toBe(1);
    expect(await halfway("hola")).toContain("se borró");
    bot.clock.advance(29 * DAY);
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(0);
    bot.clock.advance(2 * DAY);
    expect(await bot.app.conversations.deleteSilentConversations()).toBe(1);
  });
});

/**
 * The audit trail of a citizen's conversation: what happened, once per message, never the text.
 * An anonymous report leaves no trace of who sent it.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { reportIdFor } from "../src/domain/reports.js";
import { startBot, type TestBot } from "./helpers/app.js";
import { sampleReport } from "./helpers/reports.js";

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

const DESCRIPTION = "Fuga de agua frente a la casa de Juana Pérez, teléfono 7221234567";

async function fileReport(b: TestBot, user: string, identity: "1" | "2") {
  const citizen = b.citizen(user);
  for (const line of ["hola", "1", "sí", "Toluca", "3", DESCRIPTION, "2", "omitir", "omitir", identity, "1"]) {
    b.clock.advance(5000);
    await citizen.receive(line);
  }
}

describe("audit trail", () => {
  it("records consent, language and the report once each, with ids and codes only", async () => {
    bot = await startBot();
    await fileReport(bot, "ana", "1");
    const en = bot.citizen("ana");
    await en.receive("idioma");
    await en.receive("2");
    const trail = await bot.app.store.events.list({}, 50);
    expect(trail.map((e) => e.type).sort()).toEqual(["consent_recorded", "language_changed", "report_created"]);
    const created = trail.find((e) => e.type === "report_created");
    expect(created).toMatchObject({ actor: "citizen", municipality: "15106", data: { category: "agua", anonymous: false, channel: "console" } });
    const consent = trail.find((e) => e.type === "consent_recorded");
    // The trail names the citizen by a pseudonym, never by the chat id; the citizen's own entries are still found by it.
    expect(consent).toMatchObject({ citizen: expect.stringMatching(/^p:[\w-]{16,}$/), data: { version: expect.any(String) } });
    expect(await bot.app.store.events.list({ citizen: "console:ana" }, 50)).toContainEqual(consent);
    const text = JSON.stringify(trail);
    expect(text).not.toMatch(/Juana|7221234567|Fuga de agua/);
    // The stored citizen carries the consent and the language the events say.
    expect(await bot.app.store.citizens.get("console:ana")).toMatchObject({ language: "en", consent: { version: consent?.data.version } });
  });

  it("an anonymous report's trail does not say who sent it", async () => {
    bot = await startBot();
    await fileReport(bot, "beto", "2");
    const created = (await bot.app.store.events.list({ type: "report_created" }, 5))[0];
    expect(created.data.anonymous).toBe(true);
    expect(created.citizen).toBeNull();
    expect(JSON.stringify(created)).not.toContain("beto");
  });

  it("an anonymous report's id and its trail's ids are not hashes of any message id the conversation keeps", async () => {
    bot = await startBot();
    await fileReport(bot, "beto", "2");
    const [report] = await bot.app.store.reports.list({}, 5);
    expect(report.anonymous).toBe(true);
    const trail = await bot.app.store.events.list({}, 50);
    expect(trail.length).toBeGreaterThan(0);
    const kept = (await bot.app.store.conversations.get("console:beto"))?.handled ?? [];
    expect(kept.length).toBeGreaterThan(5);
    // What someone holding the store (or a backup) could compute from the ids the conversation keeps.
    const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);
    expect(kept.map((id) => reportIdFor(id))).not.toContain(report.id);
    const trailIds = new Set(trail.map((e) => e.id.split("#")[0]));
    expect(kept.filter((id) => trailIds.has(sha(id)))).toEqual([]);
  });

  it("a report saved before the ids were keyed (0.6.10) is found again when its message is tried again: no second report", async () => {
    bot = await startBot();
    const app = bot.app;
    const say = async (n: number, text: string) => {
      const out: string[] = [];
      await app.conversations.handle({ channel: "web", chatId: "x", messageId: `x-${n}`, content: { type: "text", text } }, async (_c, m) => {
        out.push(m.text);
      });
      return out.join("\n");
    };
    const lines = ["hola", "1", "sí", "Toluca", "3", "Fuga de agua frente al mercado municipal", "omitir", "omitir", "1"];
    for (const [n, line] of lines.entries()) await say(n, line);
    // The conversation as 0.6.10 saved it: the ids of the messages it handled as the platform gave them.
    const record = await app.store.conversations.get("web:x");
    await app.store.conversations.save({ ...(record as NonNullable<typeof record>), handled: lines.map((_, n) => `web:x-${n}`) });
    // As 0.6.10 filed it for the send that answers the summary (the message that brought it: x-8), before a crash.
    const earlier = sampleReport({ id: reportIdFor("web:x-8"), folio: "TOL-2026-000077", municipality: "15106", citizenId: "web:x", channel: "web" });
    await app.store.reports.insert(earlier);
    expect(await say(9, "1")).toContain(earlier.folio);
    expect(await app.store.reports.count()).toBe(1);
  });
});

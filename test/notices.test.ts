/**
 * The citizen hears back: every public change a member makes reaches the citizens following the
 * report, once, in their language, through the outbox — also when the process dies between the
 * change and its notice.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OutboundMessage } from "../src/domain/model/message.js";
import type { NewOutboxItem } from "../src/store/ports.js";
import { startBot, type TestBot } from "./helpers/app.js";
import { consentedCitizen } from "./helpers/citizens.js";
import { metepecFacilitator as metepec } from "./helpers/secretariat.js";

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

async function fileReport(b: TestBot, user: string, identity: "1" | "2", lang?: "en") {
  const citizen = b.citizen(user, lang);
  const start = lang === "en" ? ["hello", "1", "yes", "Metepec", "2"] : ["hola", "1", "sí", "Metepec", "2"];
  for (const line of [...start, "Bache enorme frente a la escuela primaria", "omitir", "omitir", identity, "1"]) {
    b.clock.advance(5000);
    await citizen.receive(line);
  }
  const [report] = await b.app.store.reports.list({ municipality: "15054" }, 1);
  return report;
}

/** A notice of the report's change `seq` to a console chat, written at `at`, as the dispatcher writes one. */
function noticeTo(chat: string, report: string, seq: number, at: Date): NewOutboxItem {
  const payload = { id: `p-${seq}`, lang: "es-MX" as const, text: "Tu reporte cambió de estado" };
  return { id: `notice:${report}:${seq}:console:${chat}`, channel: "console", chatId: chat, kind: "notice", ref: report, payload, createdAt: at, seq };
}

/** Notices the outbox delivers to console citizens, as the worker would. */
function consoleInbox(b: TestBot) {
  const got: { chat: string; message: OutboundMessage }[] = [];
  b.app.delivery.register("console", { send: async (chat, message) => void got.push({ chat, message }) });
  return {
    got,
    async deliver() {
      await b.app.dispatcher.sweep();
      while ((await b.app.delivery.runOnce("console")) > 0);
      return got.map((g) => g.message.text);
    },
  };
}

describe("notices to the citizen", () => {
  it("each public change reaches the author once, in order, with the note, the office and whether it was solved", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "ana", "1");
    const inbox = consoleInbox(bot);
    const { triage } = bot.app.secretariat;
    // A new report is nothing to tell the citizen (they got the folio).
    expect(await inbox.deliver()).toEqual([]);
    expect((await triage.changeStatus(report.id, 1, metepec, { to: "en_revision" })).ok).toBe(true);
    expect((await triage.answer(report.id, 2, metepec, "Gracias, lo revisamos esta semana")).ok).toBe(true);
    expect((await triage.addNote(report.id, 3, metepec, "Interno: llamar a Obras")).ok).toBe(true);
    expect((await triage.changeStatus(report.id, 4, metepec, { to: "canalizado", area: "obras_publicas" })).ok).toBe(true);
    expect((await triage.changeStatus(report.id, 5, metepec, { to: "resuelto", note: "Se bacheó el lunes" })).ok).toBe(true);
    const texts = await inbox.deliver();
    // The fourth asks whether it was solved: her conversation rests at the menu, so the question comes right after it.
    expect(texts).toHaveLength(5);
    expect(texts[0]).toMatch(/Tu reporte MET-\d{4}-000001 \(Baches y calles\) cambió de estado: ahora está «En revisión»/);
    expect(texts[1]).toMatch(/respondió sobre tu reporte[\s\S]*«Gracias, lo revisamos esta semana»/);
    expect(texts[2]).toMatch(/«Canalizado al área responsable»[\s\S]*Área responsable: Dirección de Obras Públicas/);
    expect(texts[3]).toMatch(/«Resuelto»[\s\S]*«Se bacheó el lunes»/);
    expect(texts[4]).toMatch(/^¿Se resolvió el problema del reporte MET-\d{4}-000001 \(Baches y calles\)\?/);
    expect(texts.join()).not.toContain("Interno");
    expect(inbox.got.every((g) => g.chat === "ana")).toBe(true);
    // Nothing goes twice however often the sweep runs.
    expect(await inbox.deliver()).toHaveLength(5);
  });

  it("in the citizen's language", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "john", "1", "en");
    const inbox = consoleInbox(bot);
    await bot.app.secretariat.triage.changeStatus(report.id, 1, metepec, { to: "canalizado", area: "obras_publicas" });
    expect(await inbox.deliver()).toEqual([expect.stringMatching(/Your report MET-\d{4}-000001 \(Potholes and streets\) changed status[\s\S]*Public Works/)]);
  });

  it("a notice written from what was read before the citizen erased their data is not sent, nor its question asked", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "ana", "1");
    const ana = bot.citizen("ana");
    await ana.receive("mis datos");
    expect(await ana.receive("Borrar mis datos")).toContain("¿Borramos tus datos?");
    expect(await ana.receive("sí")).toContain("borramos tus datos");
    // A dispatcher that read Ana among the report's citizens just before writes its notice just after.
    const notice = noticeTo("ana", report.id, 2, bot.clock.now());
    expect(await bot.app.conversations.ask(`solved-${report.folio}`, notice)).toBe(false);
    const inbox = consoleInbox(bot);
    await bot.app.delivery.enqueue([notice]);
    expect(await inbox.deliver()).toEqual([]);
    expect(await bot.app.store.outbox.get(notice.id)).toBeNull();
  });

  it("a follower without a citizen record (their data erased since) is written no notice", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "beto", "1");
    await bot.app.store.follows.add({ report: report.id, citizen: "console:dani", kind: "affected", since: bot.clock.now() });
    await bot.app.secretariat.triage.changeStatus(report.id, 1, metepec, { to: "en_revision" });
    await bot.app.dispatcher.sweep();
    expect((await bot.app.store.outbox.unsentFor("console", "beto")).length).toBeGreaterThan(0);
    expect(await bot.app.store.outbox.unsentFor("console", "dani")).toEqual([]);
  });

  it("an anonymous author who did not ask to hear back gets nothing; affected followers do", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "beto", "2");
    await consentedCitizen(bot.app.store, "console:carla", bot.clock.now());
    await bot.app.store.follows.add({ report: report.id, citizen: "console:carla", kind: "affected", since: bot.clock.now() });
    const inbox = consoleInbox(bot);
    await bot.app.secretariat.triage.changeStatus(report.id, 1, metepec, { to: "en_revision" });
    await inbox.deliver();
    expect(inbox.got.map((g) => g.chat)).toEqual(["carla"]);
  });

  it("a notice and its question that waited for the chat are not sent once the citizen said «baja»: the message is handled first", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "ana", "1");
    expect((await bot.app.secretariat.triage.changeStatus(report.id, 1, metepec, { to: "resuelto", note: "Se bacheó el lunes" })).ok).toBe(true);
    // The console, like the web chat, has no worker: the notice and its question wait for her next message.
    await bot.app.dispatcher.sweep();
    expect((await bot.app.store.outbox.unsentFor("console", "ana")).length).toBe(2);
    const answer = await bot.citizen("ana").receive("baja");
    expect(answer).toContain("ya no te enviaremos avisos");
    expect(answer).not.toMatch(/Resuelto|¿Se resolvió/);
    expect(await bot.app.store.outbox.unsentFor("console", "ana")).toEqual([]);
    const inbox = consoleInbox(bot);
    expect(await inbox.deliver()).toEqual([]);
  });

  it("a question that would follow a notice is not asked of a citizen who said «baja» after the notice was written", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "ana", "1");
    const written = bot.clock.now();
    bot.clock.advance(1000);
    // The dispatcher wrote the notice, then waited for her conversation, which was handling her «baja».
    expect(await bot.citizen("ana").receive("baja")).toContain("ya no te enviaremos avisos");
    const notice = noticeTo("ana", report.id, 9, written);
    expect(await bot.app.conversations.ask(`solved-${report.folio}`, notice)).toBe(false);
    const state = (await bot.app.store.conversations.get("console:ana"))?.state as { flow?: string } | undefined;
    expect(state?.flow).toBe("menu");
    expect(await bot.app.store.outbox.unsentFor("console", "ana")).toEqual([]);
  });

  it("what waited for the chat still goes when a message fails before its step; not when its step failed half-way", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "ana", "1");
    expect((await bot.app.secretariat.triage.changeStatus(report.id, 1, metepec, { to: "en_revision" })).ok).toBe(true);
    await bot.app.dispatcher.sweep();
    // Its step failed half-way (what it changed may decide whether the notice goes): the notice waits for the next.
    const failingStep = vi.spyOn(bot.app.store.events, "append").mockRejectedValue(new Error("disk says no"));
    try {
      const answer = await bot.citizen("ana").receive("hola");
      expect(answer).toContain("problema técnico");
      expect(answer).not.toContain("«En revisión»");
    } finally {
      failingStep.mockRestore();
    }
    expect(await bot.app.store.outbox.unsentFor("console", "ana")).toHaveLength(1);
    // It failed before its step: what waited goes, then the apology.
    const failingRead = vi.spyOn(bot.app.store.conversations, "get").mockRejectedValueOnce(new Error("disk says no"));
    try {
      const answer = await bot.citizen("ana").receive("hola");
      expect(answer).toMatch(/«En revisión»[\s\S]*problema técnico/);
    } finally {
      failingRead.mockRestore();
    }
    expect(await bot.app.store.outbox.unsentFor("console", "ana")).toEqual([]);
  });

  it("a change written just before the process died is told once after the restart", async () => {
    bot = await startBot();
    const report = await fileReport(bot, "ana", "1");
    await bot.app.dispatcher.sweep();
    // The change is written; the process dies before dispatching it.
    expect((await bot.app.secretariat.triage.changeStatus(report.id, 1, metepec, { to: "en_revision" })).ok).toBe(true);
    bot = await bot.restart();
    const inbox = consoleInbox(bot);
    expect(await inbox.deliver()).toEqual([expect.stringMatching(/«En revisión»/)]);
    // Dispatched again (a second crash after queueing, before marking): the same notice, not a second one.
    const stored = await bot.app.store.reports.byId(report.id);
    if (!stored) throw new Error("report missing");
    await bot.app.dispatcher.dispatch({ ...stored, dispatched: 1 });
    expect(await inbox.deliver()).toHaveLength(1);
  });
});

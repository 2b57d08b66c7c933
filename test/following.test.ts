/**
 * Citizens following reports: "a mí también me afecta" (counted once, in the audit trail, on the
 * report's card), an anonymous author who asked for notices (the link kept apart from the report and
 * dropped when it closes, nothing in the report or its trail leading to the chat), the open reports
 * offered before filing (recent and open only), and the question after "Resuelto" asked once.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Member } from "../src/domain/model/member.js";
import { distanceMeters, type Report } from "../src/domain/model/report.js";
import { roundedPoint } from "../src/domain/open-data.js";
import { NEARBY } from "../src/domain/reports.js";
import { startBot, type TestBot, typist } from "./helpers/app.js";

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

const member: Member = {
  id: "m-met",
  name: "Facilitadora",
  role: "admin",
  municipalities: ["15054", "15106"],
  telegramId: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

const citizen = typist;

const HERE = "/location 19.2566 -99.6047";

async function filePothole(b: TestBot, user: string): Promise<Report> {
  const say = citizen(b, user);
  const done = await say("hola", "1", "sí", HERE, "Baches y calles", "Bache profundo frente a la entrada principal", "omitir", "1", "1");
  const folio = /folio (MET-\d{4}-\d{6})/.exec(done)?.[1];
  const report = folio ? await b.app.store.reports.byFolio(folio) : null;
  if (!report) throw new Error(`no report filed:\n${done}`);
  return report;
}

/** The reports the secretariat's card is drawn for, as the Telegram group's face would get them. */
function cards(b: TestBot): Report[] {
  const drawn: Report[] = [];
  b.app.dispatcher.setCardPublisher({ publish: async (report) => void drawn.push(report) });
  return drawn;
}

describe("a mí también me afecta", () => {
  it("follows the report once, counts it on the report and its card, and records it in the audit trail", async () => {
    bot = await startBot();
    const report = await filePothole(bot, "ana");
    const drawn = cards(bot);
    const beto = citizen(bot, "beto");
    expect(await beto("hola", "1", "sí", HERE, "Baches y calles")).toContain(report.folio);
    expect(await beto("A mí también me afecta")).toContain(`te sumamos al reporte ${report.folio}`);
    const followed = await bot.app.store.reports.byId(report.id);
    expect(followed).toMatchObject({ followers: 1, version: report.version + 1, dispatchPending: true, status: "recibido" });
    // Nothing public changed: no history step, nothing to tell the citizens.
    expect(followed?.history).toHaveLength(1);
    expect(await bot.app.store.follows.forReport(report.id)).toEqual([expect.objectContaining({ citizen: "console:beto", kind: "affected" })]);
    await bot.app.dispatcher.sweep();
    expect(drawn.at(-1)).toMatchObject({ id: report.id, followers: 1 });
    expect(await bot.app.store.outbox.unsentFor("console", "ana")).toEqual([]);

    // Said again: followed once, counted once.
    expect(await beto("1", HERE, "Baches y calles", "A mí también me afecta")).toContain(`Ya sigues el reporte ${report.folio}`);
    expect((await bot.app.store.reports.byId(report.id))?.followers).toBe(1);
    const trail = await bot.app.store.events.list({ type: "report_followed" }, 10);
    // The trail names the citizen by pseudonym (never the chat id), and their id finds the entry.
    expect(trail).toEqual([expect.objectContaining({ report: report.id, citizen: expect.stringMatching(/^p:/), actor: "citizen" })]);
    expect((await bot.app.store.events.list({ citizen: "console:beto", type: "report_followed" }, 10)).map((e) => e.id)).toEqual(trail.map((e) => e.id));
  });

  it("a follow written just before a crash is counted when the citizen says it again", async () => {
    bot = await startBot();
    const report = await filePothole(bot, "ana");
    // The row was written, the process died before the count.
    await bot.app.store.follows.add({ report: report.id, citizen: "console:carla", kind: "affected", since: bot.clock.now() });
    const carla = citizen(bot, "carla");
    expect(await carla("hola", "1", "sí", HERE, "Baches y calles", "A mí también me afecta")).toContain("Ya sigues");
    expect((await bot.app.store.reports.byId(report.id))?.followers).toBe(1);
    expect(await bot.app.store.events.list({ type: "report_followed" }, 10)).toHaveLength(1);
  });

  it("only open reports of the last 60 days are offered", async () => {
    bot = await startBot();
    const old = await filePothole(bot, "ana");
    bot.clock.advance(61 * 24 * 60 * 60 * 1000);
    const recent = await filePothole(bot, "beto");
    await bot.app.secretariat.triage.changeStatus(recent.id, recent.version, member, { to: "resuelto" });
    const carla = citizen(bot, "carla");
    const answer = await carla("hola", "1", "sí", HERE, "Baches y calles");
    expect(answer).not.toContain(old.folio);
    expect(answer).not.toContain(recent.folio);
    expect(answer).toContain("Describe el problema");
  });
});

describe("a report's place is never told more closely than open data tells it", () => {
  it("twelve citizens sharing places around an anonymous report learn only its place rounded to about 100 m", async () => {
    bot = await startBot();
    // An anonymous report from a doorway (not on open data's grid of 0.001°).
    const door = { latitude: 19.28268, longitude: -99.65568 };
    const say = citizen(bot, "vecina");
    const done = await say(
      "hola",
      "1",
      "sí",
      `/location ${door.latitude} ${door.longitude}`,
      "Agua potable",
      "Fuga de agua en la banqueta frente a mi casa",
      "omitir",
      "2",
      "1",
    );
    expect(done).toMatch(/folio TOL-/);
    const published = roundedPoint(door);
    // Probes on a circle of 100 m around it, as in the attack: each distance told is the one to the rounded
    // place (as the bot says it: up to the next 10 m), and only reports within 150 m of that place are offered.
    const told: number[] = [];
    for (let i = 0; i < 12; i++) {
      const angle = (i * Math.PI) / 6;
      const probe = { latitude: door.latitude + 0.0009 * Math.sin(angle), longitude: door.longitude + 0.00095 * Math.cos(angle) };
      const answer = await citizen(bot, `sonda${i}`)("hola", "1", "sí", `/location ${probe.latitude} ${probe.longitude}`, "Agua potable");
      const meters = /a unos (\d+) m/.exec(answer)?.[1];
      const toPublished = distanceMeters(probe, published);
      if (toPublished > NEARBY.meters) {
        expect(meters, answer).toBeUndefined();
        continue;
      }
      expect(Number(meters), answer).toBe(Math.max(10, Math.ceil(toPublished / 10) * 10));
      told.push(Number(meters));
    }
    expect(told.length).toBeGreaterThan(6);
  });
});

describe("anonymous, with notices", () => {
  const PHONE = "5217221234567";
  const chatId = `${PHONE}@c.us`;

  async function fileAnonymously(b: TestBot): Promise<Report> {
    const lines = ["hola", "1", "sí", "Toluca", "Agua potable", "Fuga de agua frente al mercado desde el lunes", "omitir", "omitir", "3", "1"];
    for (const [i, text] of lines.entries()) {
      b.clock.advance(3000);
      // WhatsApp's message ids carry the chat's address.
      await b.app.conversations.handle({ channel: "whatsapp", chatId, messageId: `false_${chatId}_3EB0${i}`, content: { type: "text", text } }, async () => {});
    }
    const [report] = await b.app.store.reports.list({ municipality: "15106" }, 1);
    return report;
  }

  it("nothing in the report, its card or its audit trail leads to the chat; the link lives apart and goes when the report closes", async () => {
    bot = await startBot();
    const drawn = cards(bot);
    const report = await fileAnonymously(bot);
    expect(report).toMatchObject({ anonymous: true, contactable: false, citizenId: null });
    expect(JSON.stringify(report)).not.toContain(PHONE);
    expect(await bot.app.store.follows.forReport(report.id)).toEqual([expect.objectContaining({ citizen: `whatsapp:${chatId}`, kind: "anonymous_author" })]);

    const { triage } = bot.app.secretariat;
    await triage.changeStatus(report.id, report.version, member, { to: "en_revision" });
    await bot.app.dispatcher.sweep();
    expect((await bot.app.store.outbox.unsentFor("whatsapp", chatId)).map((i) => i.payload.text)).toEqual([
      expect.stringMatching(/Tu reporte TOL-\d{4}-000001 \(Agua potable\) cambió de estado: ahora está «En revisión»/),
    ]);
    await triage.changeStatus(report.id, report.version + 1, member, { to: "no_procede", note: "Es una toma particular" });
    await bot.app.dispatcher.sweep();
    expect(await bot.app.store.follows.forReport(report.id)).toEqual([]);

    // The report's trail (its ids included: a WhatsApp message id holds the number) names nobody; the
    // citizen's own consent is theirs, and says nothing of the report.
    const trail = await bot.app.store.events.list({ report: report.id }, 100);
    expect(trail.map((e) => e.type).sort()).toEqual(["report_created", "status_changed", "status_changed"]);
    expect(JSON.stringify(trail)).not.toContain(PHONE);
    const theirs = await bot.app.store.events.list({ citizen: `whatsapp:${chatId}` }, 100);
    expect(theirs.map((e) => [e.type, e.report])).toEqual([["consent_recorded", null]]);
    expect(drawn.length).toBeGreaterThan(0);
    expect(JSON.stringify(drawn)).not.toContain(PHONE);
    expect(JSON.stringify(await bot.app.store.reports.byId(report.id))).not.toContain(PHONE);
  });

  it("erasing the citizen's data erases their words from it too, as «Borrar mis datos» promises, while the report stays open", async () => {
    bot = await startBot();
    const report = await fileAnonymously(bot);
    expect(report.description).toContain("Fuga de agua frente al mercado");
    const erased = await bot.app.dataRights.erase(`whatsapp:${chatId}`);
    expect(erased.reports).toBe(1);
    const after = await bot.app.store.reports.byId(report.id);
    expect(after).toMatchObject({ description: "", address: null, status: report.status });
    expect(after?.purgedAt).toBeInstanceOf(Date);
    expect(await bot.app.store.follows.forReport(report.id)).toEqual([]);
  });
});

describe("after «Resuelto»", () => {
  it("the question is asked once, also when the dispatch is done again after a crash", async () => {
    bot = await startBot();
    const report = await filePothole(bot, "ana");
    await bot.app.dispatcher.sweep();
    const before = (await bot.app.store.reports.byId(report.id)) as Report;
    await bot.app.secretariat.triage.changeStatus(report.id, before.version, member, { to: "resuelto" });
    await bot.app.dispatcher.sweep();
    const waiting = await bot.app.store.outbox.unsentFor("console", "ana");
    // The question is part of the notice (a «baja» since withdraws both), about the same report.
    expect(waiting.map((i) => [i.kind, i.ref])).toEqual([
      ["notice", report.id],
      ["notice", report.id],
    ]);
    expect(waiting[1].payload.choices?.map((c) => c.value)).toEqual(["solved", "not_solved", "later"]);
    // She answers later; her conversation rests at the menu again.
    expect(await citizen(bot, "ana")("Responder después")).toContain("¿Qué quieres hacer?");
    // The dispatch is done again (the process died before it was marked done): nothing new.
    const stored = (await bot.app.store.reports.byId(report.id)) as Report;
    await bot.app.dispatcher.dispatch({ ...stored, dispatched: before.version });
    expect(await bot.app.store.outbox.unsentFor("console", "ana")).toEqual([]);
  });
});

/**
 * The secretariat moves a commitment along — a milestone done with its evidence, a date moved with
 * its reason, an indicator updated — and everyone who hears of it gets one notice per change, in
 * their language, through the outbox: its followers and the citizens of the reports linked to it,
 * once each even with several reasons, also when the process dies between the change and its
 * notices. Members of another municipality are refused; "baja" stops it all.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Citizens } from "../src/domain/citizens.js";
import type { Member } from "../src/domain/model/member.js";
import type { OutboundMessage } from "../src/domain/model/message.js";
import { startBot, type TestBot } from "./helpers/app.js";
import { consentedCitizen } from "./helpers/citizens.js";
import { dayFrom, importPlan, metepecPlan } from "./helpers/plans.js";

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

const member = (id: string, municipalities: string[], role: Member["role"] = "autoridad"): Member => ({
  id,
  name: `Persona ${id}`,
  role,
  municipalities,
  telegramId: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const metepec = member("m-met", ["15054"]);
const toluca = member("m-tol", ["15106"]);

/** Says each line in turn, a few seconds apart; resolves with the last answer. */
async function say(b: TestBot, user: string, lines: string[], lang?: "en"): Promise<string> {
  const citizen = b.citizen(user, lang);
  let last = "";
  for (const line of lines) {
    b.clock.advance(3000);
    last = await citizen.receive(line);
  }
  return last;
}

/** What the outbox delivers to console citizens, as the worker would, after the dispatchers ran. */
function consoleInbox(b: TestBot) {
  const got: { chat: string; message: OutboundMessage }[] = [];
  b.app.delivery.register("console", { send: async (chat, message) => void got.push({ chat, message }) });
  return {
    got,
    async deliver() {
      await b.app.dispatcher.sweep();
      await b.app.commitmentDispatcher.sweep();
      while ((await b.app.delivery.runOnce("console")) > 0);
      return got.map((g) => `${g.chat}: ${g.message.text}`);
    },
  };
}

/** Ana follows commitment 1 through the conversation (privacy notice accepted on the way). */
async function anaFollows(b: TestBot): Promise<void> {
  const last = await say(b, "ana", ["hola", "4", "Metepec", "1", "1", "sí"]);
  expect(last).toContain("Listo: te avisaremos por este chat de los avances de este compromiso");
}

async function fileReport(b: TestBot, user: string): Promise<string> {
  await say(b, user, ["hola", "1", "sí", "Metepec", "1", "La luminaria de la esquina lleva semanas apagada", "omitir", "omitir", "1", "1"]);
  const [report] = await b.app.store.reports.byCitizen(`console:${user}`, 1);
  return report.folio;
}

describe("a commitment's changes reach who follows it", () => {
  it("following in the turn that records the consent stores the citizen first: a turn that fails after the follow still leaves them hearing of it", async () => {
    bot = await startBot();
    await importPlan(bot.app, metepecPlan(bot.clock.now()));
    expect(await say(bot, "ana", ["hola", "4", "Metepec", "1", "1"])).toContain("Aviso de privacidad");
    // The end of the turn that records the consent, where a citizen is kept, fails (the follow is written by then).
    const keep = vi.spyOn(Citizens.prototype, "keep").mockRejectedValueOnce(new Error("disk says no"));
    try {
      await say(bot, "ana", ["sí"]);
    } finally {
      keep.mockRestore();
    }
    expect(await bot.app.store.commitmentFollows.get("15054-1", "console:ana")).not.toBeNull();
    expect(await bot.app.store.citizens.get("console:ana")).toMatchObject({ consent: { version: expect.any(String) } });
    const inbox = consoleInbox(bot);
    const c = await bot.app.store.commitments.get("15054-1");
    expect((await bot.app.secretariat.commitments.markMilestoneDone("15054-1", c?.version as number, metepec, 2, "https://example.org/tablero")).ok).toBe(true);
    expect((await inbox.deliver()).map((t) => t.split(":")[0])).toEqual(["ana"]);
  });

  it("a milestone done: each follower and each linked report's citizen hears once, in their language, with the evidence and the new progress", async () => {
    bot = await startBot();
    await importPlan(bot.app, metepecPlan(bot.clock.now()));
    await anaFollows(bot);
    // Beto filed a report linked to the commitment, and follows the commitment too: one notice.
    const folio = await fileReport(bot, "beto");
    await bot.app.plans.link(folio, "1");
    expect(await bot.app.plans.link(folio, "15054-1")).toMatchObject({ already: true });
    await say(bot, "beto", ["compromisos", "1", "1"]);
    // John, in English, follows it; Carla says "a mí también me afecta" of Beto's report.
    await say(bot, "john", ["commitments", "Metepec", "1", "1", "yes"], "en");
    const report = await bot.app.store.reports.byFolio(folio);
    await consentedCitizen(bot.app.store, "console:carla", bot.clock.now());
    await bot.app.store.follows.add({ report: report?.id as string, citizen: "console:carla", kind: "affected", since: bot.clock.now() });
    const inbox = consoleInbox(bot);
    expect(await inbox.deliver()).toEqual([]);

    const c = await bot.app.store.commitments.get("15054-1");
    const done = await bot.app.secretariat.commitments.markMilestoneDone("15054-1", c?.version as number, metepec, 2, "https://example.org/tablero");
    expect(done.ok).toBe(true);
    const texts = await inbox.deliver();
    expect(texts.map((t) => t.split(":")[0]).sort()).toEqual(["ana", "beto", "carla", "john"]);
    const ana = texts.find((t) => t.startsWith("ana:"));
    expect(ana).toContain("📌 Compromiso 1 de Metepec: «Colonias iluminadas»");
    expect(ana).toContain("✓ Se cumplió el hito «Tablero en línea»");
    expect(ana).toContain("Evidencia: https://example.org/tablero");
    expect(ana).toContain("Avance: ▓▓▓░░ 75 %");
    expect(ana).toContain("escribe «baja»");
    expect(texts.find((t) => t.startsWith("john:"))).toMatch(
      /Commitment 1 of Metepec[\s\S]*The milestone "Tablero en línea" was done[\s\S]*Progress: ▓▓▓░░ 75 %/,
    );
    // However often the sweeps run, nothing goes twice.
    expect(await inbox.deliver()).toHaveLength(4);
    const trail = await bot.app.store.events.list({ type: "milestone_done" }, 5);
    expect(trail).toEqual([
      expect.objectContaining({ actor: "m-met", municipality: "15054", data: expect.objectContaining({ commitment: "15054-1", milestone: 2 }) }),
    ]);
    expect(await bot.app.store.events.list({ type: "report_linked" }, 5)).toHaveLength(1);
  });

  it("a date moved says the reason; an indicator says its values; a refused operation writes nothing", async () => {
    bot = await startBot();
    await importPlan(bot.app, metepecPlan(bot.clock.now()));
    await anaFollows(bot);
    const inbox = consoleInbox(bot);
    const { commitments } = bot.app.secretariat;
    const later = dayFrom(bot.clock.now(), 120);
    expect(await commitments.moveMilestone("15054-1", 1, metepec, 2, later, "   ")).toMatchObject({ ok: false, problem: "reason_required" });
    expect(await commitments.moveMilestone("15054-1", 1, metepec, 2, "2026-02-30", "Lluvias")).toMatchObject({ ok: false, problem: "bad_date" });
    expect(await commitments.markMilestoneDone("15054-1", 1, metepec, 1, "https://example.org/x")).toMatchObject({ ok: false, problem: "already_done" });
    expect(await commitments.markMilestoneDone("15054-1", 1, metepec, 2, "no es un enlace")).toMatchObject({ ok: false, problem: "bad_link" });
    expect(await commitments.moveMilestone("15054-1", 1, metepec, 2, later, "Las lluvias retrasaron la obra")).toMatchObject({ ok: true });
    // Written on the version the member saw: a second member on the old version is told it is outdated.
    expect(await commitments.updateIndicator("15054-1", 1, metepec, 1, 80)).toMatchObject({ ok: false, problem: "outdated" });
    expect(await commitments.updateIndicator("15054-1", 2, metepec, 1, 80)).toMatchObject({ ok: true });
    const texts = await inbox.deliver();
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/📅 El hito «Tablero en línea» cambió de fecha: del .+ al .+\. Motivo: «Las lluvias retrasaron la obra»/);
    expect(texts[1]).toContain("📊 El indicador «Luminarias funcionando» pasó de 72 a 80 % (meta: 95 %).");
    expect((await bot.app.store.commitments.get("15054-1"))?.milestones[1]).toMatchObject({ due: later, reason: "Las lluvias retrasaron la obra" });
  });

  it("a member of another municipality is refused: nothing written, nothing in the trail, nobody told", async () => {
    bot = await startBot();
    await importPlan(bot.app, metepecPlan(bot.clock.now()));
    await anaFollows(bot);
    const inbox = consoleInbox(bot);
    const { commitments } = bot.app.secretariat;
    const before = await bot.app.store.commitments.get("15054-1");
    expect(await commitments.markMilestoneDone("15054-1", 1, toluca, 2, "https://example.org/x")).toMatchObject({ ok: false, problem: "not_allowed" });
    expect(await commitments.moveMilestone("15054-1", 1, toluca, 2, "2099-01-01", "porque sí")).toMatchObject({ ok: false, problem: "not_allowed" });
    expect(await commitments.updateIndicator("15054-1", 1, toluca, 1, 99)).toMatchObject({ ok: false, problem: "not_allowed" });
    expect(await bot.app.store.commitments.get("15054-1")).toEqual(before);
    expect(await bot.app.store.events.list({ type: "milestone_done" }, 5)).toEqual([]);
    expect(await inbox.deliver()).toEqual([]);
    // An admin of every municipality may act.
    expect(await commitments.updateIndicator("15054-1", 1, member("root", ["*"], "admin"), 1, 90)).toMatchObject({ ok: true });
  });

  it("a change written just before the process died is told once after the restart", async () => {
    bot = await startBot();
    await importPlan(bot.app, metepecPlan(bot.clock.now()));
    await anaFollows(bot);
    // The change is written; the process dies before its notices are queued.
    expect((await bot.app.secretariat.commitments.markMilestoneDone("15054-1", 1, metepec, 2, "https://example.org/t")).ok).toBe(true);
    expect(await bot.app.store.outbox.unsentFor("console", "ana")).toEqual([]);
    bot = await bot.restart();
    const inbox = consoleInbox(bot);
    expect(await inbox.deliver()).toEqual([expect.stringMatching(/^ana: [\s\S]*Se cumplió el hito «Tablero en línea»/)]);
    // Dispatched again (a crash after queueing, before marking): the same notice, not a second one.
    const stored = await bot.app.store.commitments.get("15054-1");
    await bot.app.commitmentDispatcher.dispatch({ ...(stored as NonNullable<typeof stored>), dispatched: 1 });
    expect(await inbox.deliver()).toHaveLength(1);
    // So is a change an import made while the bot was stopped.
    const plan = metepecPlan(bot.clock.now());
    plan.commitments[0].milestones[1].done = dayFrom(bot.clock.now(), -1);
    plan.commitments[0].milestones[2].done = dayFrom(bot.clock.now(), 0);
    await bot.close();
    bot = await startBot({ dataDir: bot.dataDir, clock: bot.clock });
    await importPlan(bot.app, plan);
    bot = await bot.restart();
    const again = consoleInbox(bot);
    expect(await again.deliver()).toEqual([expect.stringMatching(/^ana: [\s\S]*«Informe final»[\s\S]*▓▓▓▓▓ 100 %/)]);
  });

  it("«baja» stops every notice, of commitments and reports; following again afterwards is told", async () => {
    bot = await startBot();
    await importPlan(bot.app, metepecPlan(bot.clock.now()));
    const folio = await fileReport(bot, "ana");
    // The municipality of her report is where she looks; she consented with the report.
    expect(await say(bot, "ana", ["compromisos", "1", "1"])).toContain("Sigues este compromiso");
    await bot.app.plans.link(folio, "1");
    const report = await bot.app.store.reports.byFolio(folio);
    const inbox = consoleInbox(bot);
    expect(await say(bot, "ana", ["baja"])).toContain("ya no te enviaremos avisos");
    expect(await bot.app.store.commitmentFollows.forCitizen("console:ana")).toEqual([]);
    expect(await bot.app.store.events.list({ type: "notices_stopped", citizen: "console:ana" }, 5)).toHaveLength(1);
    bot.clock.advance(1000);
    await bot.app.secretariat.commitments.markMilestoneDone("15054-1", 2, metepec, 2, "https://example.org/t");
    await bot.app.secretariat.triage.changeStatus(report?.id as string, 1, metepec, { to: "en_revision" });
    expect(await inbox.deliver()).toEqual([]);
    // Following again: told again.
    bot.clock.advance(1000);
    expect(await say(bot, "ana", ["compromisos", "1", "1"])).toContain("Sigues este compromiso");
    expect(await bot.app.secretariat.commitments.updateIndicator("15054-1", 3, metepec, 1, 90)).toMatchObject({ ok: true });
    expect(await inbox.deliver()).toEqual([expect.stringMatching(/^ana: [\s\S]*«Luminarias funcionando» pasó de 72 a 90/)]);
    // Typed by someone who never consented: told plainly, nothing stored for them.
    expect(await say(bot, "visitante", ["baja"])).toContain("ya no te enviaremos avisos");
    expect(await bot.app.store.citizens.get("console:visitante")).toBeNull();
  });
});

describe("the example plan", () => {
  it("is never shown without --demo: imported as a real plan it is refused, and citizens see none", async () => {
    bot = await startBot();
    const example = (await import("node:fs")).readFileSync("examples/plan-de-accion.example.yaml", "utf8");
    const { readPlanFile } = await import("../src/domain/plan/plan-file.js");
    const read = readPlanFile("examples/plan-de-accion.example.yaml", example);
    await expect(bot.app.plans.import(read.plan, read.where)).rejects.toThrow(/this file is an example \(example: true\): load it with plan import --demo/);
    expect(await bot.app.store.plans.list()).toEqual([]);
    const answer = await say(bot, "ana", ["hola", "4", "Metepec"]);
    expect(answer).toContain("Metepec todavía no tiene registrado aquí un Plan de Acción");
    expect(answer).toContain("Pasos para realizar un ejercicio de Gobierno Abierto");
    expect(answer).toContain("¡Instala un Secretariado Técnico Municipal!");
    expect(answer).toContain("(722) 226 1980");
    expect(answer).not.toMatch(/Colonias iluminadas|EJEMPLO/);
    // With --demo it is there, marked as an example on every page.
    await bot.app.plans.import(read.plan, read.where, { demo: true });
    const list = await say(bot, "ana", ["compromisos de Metepec"]);
    expect(list).toContain("⚠️ EJEMPLO: este plan es de demostración");
    expect(await say(bot, "ana", ["1"])).toMatch(/EJEMPLO[\s\S]*📌 Compromiso 1: Colonias iluminadas/);
    // A real plan file is not loaded with --demo.
    await expect(importPlan(bot.app, metepecPlan(bot.clock.now()), "plan.yaml", { demo: true })).rejects.toThrow(/--demo loads only the shipped example/);
  });
});

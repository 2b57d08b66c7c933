/**
 * The plan's commitments in the Secretariado Técnico's Telegram group, end to end through the
 * production adapter and the fake Bot API: `/compromisos` lists them, a commitment's buttons mark a
 * milestone done (evidence asked), move a date (date and reason asked) and update an indicator
 * (value asked); each change is an event and reaches the commitment's follower once; members of
 * another municipality and strangers are refused and nothing changes.
 */
import { describe, expect, it } from "vitest";
import { type BotMessage, buttons, type FakeGroup } from "./fakes/bot-api.js";
import { dayFrom, importPlan, metepecPlan } from "./helpers/plans.js";
import { addMembers, cardOf, linkedGroup, people, telegramReport } from "./helpers/secretariat.js";
import { fakeTelegramPerTest } from "./helpers/service.js";

const METEPEC_GROUP = -1001000000054;

const telegram = fakeTelegramPerTest();

/** The alert or toast of the press after `before` answers. */
async function answered(before: number): Promise<{ text?: string; show_alert?: boolean }> {
  const { fake } = telegram;
  await fake.until(() => (fake.callsOf("answerCallbackQuery").length > before ? true : undefined));
  return (fake.callsOf("answerCallbackQuery").at(-1)?.payload ?? {}) as { text?: string; show_alert?: boolean };
}

async function press(group: FakeGroup, who: (typeof people)[keyof typeof people], label: string, on: BotMessage) {
  const before = telegram.fake.callsOf("answerCallbackQuery").length;
  await group.press(who, label, on);
  return answered(before);
}

/** A message of the group as it is now (edits included). */
function now(group: FakeGroup, id: number): BotMessage {
  return group.messages.find((m) => m.message_id === id) as BotMessage;
}

function shows(group: FakeGroup, id: number, text: string): Promise<BotMessage> {
  return telegram.fake.until(() => (now(group, id)?.text.includes(text) ? now(group, id) : undefined), 5000, `message ${id} showing ${text}`);
}

function arrived(group: FakeGroup, count: number, text: string): Promise<BotMessage> {
  return telegram.fake.until(() => group.messages.slice(count).find((m) => m.text.includes(text)), 5000, `a message with ${text}`);
}

describe("/compromisos in the secretariat's group", () => {
  it("a member marks a milestone done, moves a date and updates an indicator; each change reaches the follower once", async () => {
    const { fake, bot } = await telegram.start({ DIGEST_HOUR: "off" });
    await addMembers(bot);
    const app = bot.service.app;
    await importPlan(app, metepecPlan(bot.clock.now()));
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");

    // A citizen follows commitment 1.
    const rosa = fake.user(7001);
    await rosa.say("/start c-15054-1");
    await rosa.press("Seguir este compromiso");
    await rosa.press("Sí");
    await rosa.expect("Sigues este compromiso");

    // Someone of another municipality, or nobody of the secretariat, is refused.
    let count = group.messages.length;
    await group.say(people.tomas, "/compromisos");
    await arrived(group, count, "Solo los integrantes del Secretariado Técnico de Metepec pueden atender sus compromisos");
    count = group.messages.length;
    await group.say(people.stranger, "/compromisos");
    await arrived(group, count, "Solo los integrantes del Secretariado Técnico de Metepec");

    count = group.messages.length;
    await group.say(people.beatriz, "/compromisos");
    const list = await arrived(group, count, "📋 Plan de Acción de Metepec — Metepec");
    expect(list.text).toContain("1. Colonias iluminadas");
    expect(list.text).toMatch(/▓░░░░ 25 % · En proceso/);
    expect(list.text).toContain("2. Obra pública a la vista");
    expect(buttons(list)).toEqual(["1", "2"]);

    expect((await press(group, people.beatriz, "1", list)).show_alert).toBeFalsy();
    let view = await shows(group, list.message_id, "📌 Compromiso 1: Colonias iluminadas");
    expect(view.text).toContain("✓ 1. Censo publicado — cumplido el");
    expect(view.text).toContain("• 1. Luminarias funcionando: 65 → 72 → 95 %");
    expect(buttons(view)).toEqual(["✅ Hito 2", "📅 Hito 2", "✅ Hito 3", "📅 Hito 3", "📈 Indicador 1", "◀ Compromisos"]);

    // Tomás, of Toluca, cannot act here.
    const refused = await press(group, people.tomas, "✅ Hito 2", view);
    expect(refused).toMatchObject({ show_alert: true, text: expect.stringContaining("Solo los integrantes del Secretariado Técnico de Metepec") });

    // Milestone 2 done: the evidence is asked; a reply without a link is asked again.
    count = group.messages.length;
    await press(group, people.beatriz, "✅ Hito 2", view);
    const ask = await arrived(group, count, "✅ Hito 2 de «Colonias iluminadas»: Tablero en línea (Beatriz López)");
    expect(ask.reply_markup?.force_reply).toBe(true);
    count = group.messages.length;
    await group.reply(people.beatriz, ask, "ya quedó");
    await arrived(group, count, "Necesito un enlace público que empiece con https://");
    await group.reply(people.beatriz, ask, "Evidencia: https://example.org/tablero");
    await shows(group, ask.message_id, "✅ «Colonias iluminadas»: hito 2 cumplido, por Beatriz López.");
    view = await shows(group, list.message_id, "▓▓▓░░ 75 %");
    const notice = await rosa.expect("Se cumplió el hito «Tablero en línea»");
    expect(notice.text).toContain("https://example.org/tablero");

    // A press on what the view showed before is outdated: refused, nothing changes.
    const before = (await app.store.commitments.get("15054-1"))?.version ?? 0;
    const stale = fake.callsOf("answerCallbackQuery").length;
    await group.pressData(people.carlos, `km|15054-1|${before - 1}|3`, view);
    expect(await answered(stale)).toMatchObject({ show_alert: true, text: expect.stringContaining("cambió") });
    expect((await app.store.commitments.get("15054-1"))?.version).toBe(before);

    // Carlos moves milestone 3 with its reason; the date needs a reason.
    count = group.messages.length;
    await press(group, people.carlos, "📅 Hito 3", view);
    const move = await arrived(group, count, "📅 Hito 3 de «Colonias iluminadas»: Informe final");
    count = group.messages.length;
    await group.reply(people.carlos, move, "31/12/2099");
    await arrived(group, count, "Escribe también el motivo después de la fecha");
    await group.reply(people.carlos, move, "31/12/2099 Se amplió el alcance a todas las colonias");
    await shows(group, move.message_id, "✅ «Colonias iluminadas»: el hito 3 ahora vence el");
    await rosa.expect("Se amplió el alcance a todas las colonias");

    // The indicator takes a number as members write it.
    view = await shows(group, list.message_id, "31 dic 2099");
    count = group.messages.length;
    await press(group, people.carlos, "📈 Indicador 1", view);
    const value = await arrived(group, count, "📈 «Luminarias funcionando» de «Colonias iluminadas» está en 72 %");
    count = group.messages.length;
    await group.reply(people.carlos, value, "muchas");
    await arrived(group, count, "Responde a mi pregunta solo con un número");
    await group.reply(people.carlos, value, "80 %");
    await shows(group, value.message_id, "Luminarias funcionando ahora en 80 %");
    await shows(group, list.message_id, "• 1. Luminarias funcionando: 65 → 80 → 95 %");
    await rosa.expect(/72 a 80/);

    // Each change once to the follower, and once in the audit trail with who did it.
    await app.commitmentDispatcher.sweep();
    await new Promise((r) => setTimeout(r, 200));
    expect(rosa.messages.filter((m) => m.text.includes("Se cumplió el hito «Tablero en línea»"))).toHaveLength(1);
    expect(rosa.messages.filter((m) => m.text.includes("Se amplió el alcance"))).toHaveLength(1);
    const trail = await app.store.events.list({ municipality: "15054" }, 50);
    const changes = trail.filter((e) => ["milestone_done", "milestone_moved", "indicator_updated"].includes(e.type));
    expect(changes.map((e) => e.type).sort()).toEqual(["indicator_updated", "milestone_done", "milestone_moved"]);
    const c = await app.store.commitments.get("15054-1");
    expect(c?.milestones.map((m) => m.done !== null)).toEqual([true, true, false]);
    expect(c?.milestones[2].due).toBe("2099-12-31");
    expect(c?.milestones[2].due).not.toBe(dayFrom(bot.clock.now(), 200));
  });

  it("a report's card links it to a commitment: the card says so, and the report's citizen hears of the commitment's changes", async () => {
    const { fake, bot } = await telegram.start({ DIGEST_HOUR: "off" });
    const { beatriz } = await addMembers(bot);
    const app = bot.service.app;
    await importPlan(app, metepecPlan(bot.clock.now()));
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    const card = await fake.until(() => cardOf(group, folio));
    expect(buttons(card)).toContain("🎯 Vincular a un compromiso");

    expect(await press(group, people.tomas, "🎯 Vincular a un compromiso", card)).toMatchObject({ show_alert: true });
    await press(group, people.beatriz, "🎯 Vincular a un compromiso", card);
    const choices = await fake.until(() => (buttons(cardOf(group, folio)).includes("1. Colonias iluminadas") ? cardOf(group, folio) : undefined));
    expect(buttons(choices)).toEqual(["1. Colonias iluminadas", "2. Obra pública a la vista", "↩️ Volver"]);
    expect(await press(group, people.beatriz, "1. Colonias iluminadas", choices as BotMessage)).toMatchObject({
      text: expect.stringContaining("compromiso 1"),
    });
    const linked = await fake.until(() =>
      cardOf(group, folio)?.text.includes("🎯 Compromiso 1 del Plan de Acción: Colonias iluminadas") ? cardOf(group, folio) : undefined,
    );
    expect(buttons(linked)).toContain("🎯 Vincular a un compromiso");
    const report = await app.store.reports.byFolio(folio);
    expect((await app.store.commitments.get("15054-1"))?.reports).toEqual([report?.id]);
    expect((await app.store.events.list({ type: "report_linked" }, 5)).map((e) => e.actor)).toEqual([beatriz.id]);

    // Ana, who reported it, hears of the commitment's next change.
    const version = (await app.store.commitments.get("15054-1"))?.version as number;
    expect((await app.secretariat.commitments.markMilestoneDone("15054-1", version, beatriz, 2, "https://example.org/tablero")).ok).toBe(true);
    await ana.expect("Se cumplió el hito «Tablero en línea»");
  });

  it("a municipality without a plan is told how to load one; outside a linked group the command says where it works", async () => {
    const { fake, bot } = await telegram.start({ DIGEST_HOUR: "off" });
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    let count = group.messages.length;
    await group.say(people.beatriz, "/compromisos");
    await arrived(group, count, "Metepec todavía no tiene un Plan de Acción cargado");
    const other = fake.group(-1001000000999, "Vecinos");
    await other.addBot(people.beatriz);
    count = other.messages.length;
    await other.say(people.beatriz, "/compromisos");
    await fake.until(() => other.messages.slice(count).find((m) => m.text.includes("en el grupo del Secretariado Técnico de tu municipio")));
  });
});

/**
 * Commitments on Telegram, through the production adapter against the fake Bot API: a deep link
 * `?start=c-15054-1` opens the commitment, Seguir asks for consent and follows it, and the
 * secretariat's milestone done reaches the citizen once; /baja stops it.
 */
import { describe, expect, it } from "vitest";
import type { Member } from "../src/domain/model/member.js";
import type { BotMessage } from "./fakes/bot-api.js";
import { importPlan, metepecPlan } from "./helpers/plans.js";
import { fakeTelegramPerTest } from "./helpers/service.js";

const telegram = fakeTelegramPerTest();

const buttons = (m: BotMessage) => m.reply_markup?.inline_keyboard?.flat().map((b) => b.text) ?? [];
const metepec: Member = {
  id: "m-met",
  name: "Ana",
  role: "facilitador",
  municipalities: ["15054"],
  telegramId: "2001",
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

describe("commitments on telegram", () => {
  it("a deep link opens the commitment; Seguir follows it after consent; a milestone done arrives once; /baja stops notices", async () => {
    const { fake, bot } = await telegram.start();
    const app = bot.service.app;
    await importPlan(app, metepecPlan(bot.clock.now()));
    const rosa = fake.user(7001);
    await rosa.say("/start c-15054-1");
    const detail = await rosa.expect("📌 Compromiso 1: Colonias iluminadas");
    expect(detail.text).toMatch(/▓░░░░ 25 % · En proceso/);
    expect(detail.text).toContain("✓ Censo publicado — cumplido el");
    expect(detail.text).toContain("• Luminarias funcionando: 65 → 72 → 95 %");
    const ask = await rosa.expect("¿Quieres recibir un aviso");
    expect(buttons(ask)).toEqual(["Seguir este compromiso", "Ver los compromisos", "Volver al menú"]);
    await rosa.press("Seguir este compromiso");
    await rosa.expect("¿Aceptas el aviso de privacidad para seguir este compromiso?");
    await rosa.press("Sí");
    const following = await rosa.expect("Sigues este compromiso");
    expect(buttons(following)).toEqual(["Dejar de seguir", "Ver los compromisos", "Volver al menú"]);
    expect(await app.store.commitmentFollows.forCommitment("15054-1")).toEqual([expect.objectContaining({ citizen: "telegram:7001" })]);

    // The command menu has the commitments and the word to stop notices, in both languages.
    const menus = fake.callsOf("setMyCommands").map((c) => ((c.payload as { commands: { command: string }[] }).commands ?? []).map((x) => x.command));
    expect(menus.some((m) => m.includes("compromisos") && m.includes("baja"))).toBe(true);
    expect(menus.some((m) => m.includes("commitments") && m.includes("unsubscribe"))).toBe(true);

    const before = rosa.messages.length;
    expect((await app.secretariat.commitments.markMilestoneDone("15054-1", 1, metepec, 2, "https://example.org/tablero")).ok).toBe(true);
    const notice = await rosa.expect("Se cumplió el hito «Tablero en línea»");
    expect(notice.text).toContain("Avance: ▓▓▓░░ 75 %");
    // Once: sweeps find nothing more to send.
    await app.commitmentDispatcher.sweep();
    await new Promise((r) => setTimeout(r, 200));
    expect(rosa.messages.slice(before).filter((m) => m.text.includes("Tablero en línea"))).toHaveLength(1);

    await rosa.say("/baja");
    await rosa.expect("ya no te enviaremos avisos");
    await app.secretariat.commitments.updateIndicator("15054-1", 2, metepec, 1, 90);
    await app.commitmentDispatcher.sweep();
    await new Promise((r) => setTimeout(r, 200));
    expect(rosa.messages.some((m) => m.text.includes("pasó de 72 a 90"))).toBe(false);
  });
});

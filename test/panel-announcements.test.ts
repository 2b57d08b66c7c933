/**
 * Announcements in the panel: a facilitator composes one, sees the preview exactly as it will be
 * sent with how many it reaches, confirms, and follows its delivery; a scheduled one is cancelled;
 * refusals say why in the member's language; who may not announce sees no form and is refused.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loggedInAs } from "./helpers/panel.js";
import { addMembers, METEPEC, TOLUCA } from "./helpers/secretariat.js";
import { type RunningBot, runBot } from "./helpers/service.js";
import { seedSubscribers } from "./helpers/subscribers.js";

let bot: RunningBot;
beforeEach(async () => {
  bot = await runBot({});
  await addMembers(bot);
});
afterEach(async () => {
  await bot.stop();
});

const PAGE = `/panel/announcements?municipality=${METEPEC}`;
/** The text of a page without its tags, entities read. */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
/** A date and time a week from the bot's clock, as a browser's datetime-local field sends it (central Mexico). */
const nextWeek = () =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: "America/Mexico_City", dateStyle: "short", timeStyle: "short" })
    .format(new Date(bot.clock.now().getTime() + 7 * 86_400_000))
    .replace(" ", "T");

describe("announcements in the panel", () => {
  it("a facilitator previews an announcement as it will be sent, confirms it, and sees it queued for every subscriber once", async () => {
    const { app } = bot.service;
    await seedSubscribers(app.store, { count: 3, first: 800_000, municipality: METEPEC, now: bot.clock.now() });
    const beatriz = await loggedInAs(bot, "2001");
    const empty = await beatriz.get(PAGE);
    expect(empty.statusCode).toBe(200);
    expect(textOf(empty.body)).toContain("Aún no hay avisos de Metepec.");

    const form = { municipality: METEPEC, text: "Sesión del Secretariado Técnico:\nmartes 10:00 en el cabildo.", audience: ["subscribers"], when: "" };
    const preview = await beatriz.submit(PAGE, "/panel/announcements/preview", form);
    expect(preview.statusCode).toBe(200);
    const shown = textOf(preview.body);
    expect(shown).toContain("📣 Aviso de Metepec");
    expect(shown).toContain("Para dejar de recibirlos escribe «baja».");
    expect(shown).toContain("Sale ahora a 0 grupos o canales y 3 personas suscritas. ¿Lo envío?");
    // Nothing is sent by a preview.
    expect(await app.secretariat.announcements.list(METEPEC, 10)).toEqual([]);

    // The preview's own form sends exactly what was previewed, line breaks and all.
    const token = /name="_csrf" value="([^"]+)"/.exec(preview.body)?.[1] ?? "";
    const hidden = /<form method="post" action="\/panel\/announcements" [^>]*>([\s\S]*?)<\/form>/.exec(preview.body)?.[1] ?? "";
    const text = /name="text" value="([^"]*)"/.exec(hidden)?.[1].replace(/&#39;/g, "'") ?? "";
    expect(text).toBe(form.text);
    const sent = await beatriz.request("POST", "/panel/announcements", { ...form, text, _csrf: token });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/panel/announcements?municipality=${METEPEC}&ok=scheduled&id=A-1`);
    const [status] = await app.secretariat.announcements.list(METEPEC, 10);
    expect(status.announcement).toMatchObject({ id: "A-1", text: form.text, audiences: ["subscribers"], createdBy: expect.any(String) });
    await vi.waitFor(async () => expect((await app.secretariat.announcements.status("A-1"))?.announcement.state).toBe("queued"), { timeout: 5000 });
    const counts = (await app.secretariat.announcements.status("A-1"))?.counts;
    expect(counts && counts.sent + counts.pending + counts.failed).toBe(3);
    const list = textOf((await beatriz.get(`${PAGE}&ok=scheduled&id=A-1`)).body);
    expect(list).toContain("Aviso A-1 registrado");
    expect(list).toMatch(/A-1 (en envío|enviado) Personas suscritas \d \d \d Sesión del Secretariado Técnico/);
  });

  it("refusals say why and keep what was typed; a scheduled one shows its time and is cancelled before it", async () => {
    const beatriz = await loggedInAs(bot, "2001");
    const base = { municipality: METEPEC, text: "Taller de co-creación el sábado", audience: ["groups", "subscribers"], when: "" };
    const cases: [Record<string, string | string[]>, string][] = [
      [{ ...base, text: "   " }, "El aviso no tiene texto."],
      [{ ...base, audience: [] }, "Elige a quién va el aviso."],
      [{ ...base, when: "2020-01-01T10:00" }, "Esa hora ya pasó."],
      [{ ...base, when: "mañana temprano" }, "No entendí esa fecha."],
      [{ ...base, text: "x".repeat(4500) }, "El aviso es demasiado largo"],
    ];
    for (const [form, why] of cases) {
      const res = await beatriz.submit(PAGE, "/panel/announcements/preview", form);
      expect(res.statusCode, why).toBe(400);
      expect(textOf(res.body), why).toContain(why);
    }
    const kept = await beatriz.submit(PAGE, "/panel/announcements/preview", { ...base, audience: [] });
    expect(kept.body).toContain("Taller de co-creación el sábado</textarea>");

    const later = { ...base, when: nextWeek() };
    const preview = textOf((await beatriz.submit(PAGE, "/panel/announcements/preview", later)).body);
    expect(preview).toMatch(/Sale el \S+/);
    expect((await beatriz.submit(PAGE, "/panel/announcements", later)).statusCode).toBe(303);
    const scheduled = textOf((await beatriz.get(PAGE)).body);
    expect(scheduled).toMatch(/A-1 programado para/);
    expect(scheduled).toContain("Cancelar A-1");

    const cancelled = await beatriz.submit(PAGE, "/panel/announcements/cancel", { municipality: METEPEC, id: "A-1" });
    expect(cancelled.headers.location).toBe(`/panel/announcements?municipality=${METEPEC}&ok=cancelled&id=A-1`);
    expect((await bot.service.app.secretariat.announcements.status("A-1"))?.announcement.state).toBe("cancelled");
    const again = await beatriz.submit(PAGE, "/panel/announcements/cancel", { municipality: METEPEC, id: "A-1" });
    expect(textOf((await beatriz.get(again.headers.location as string)).body)).toContain("El aviso A-1 ya salió o fue cancelado.");
    expect(textOf((await beatriz.get(`${PAGE}&lang=en`)).body)).toContain("Announcements · Metepec");
  });

  it("an authority sees the list without a form and may not post; another municipality's member gets a 404; a form without its CSRF token a 403", async () => {
    const beatriz = await loggedInAs(bot, "2001");
    const form = { municipality: METEPEC, text: "Aviso", audience: ["subscribers"], when: "" };
    expect((await beatriz.submit(PAGE, "/panel/announcements", form)).statusCode).toBe(303);

    const carlos = await loggedInAs(bot, "2002");
    const seen = await carlos.get(PAGE);
    expect(seen.statusCode).toBe(200);
    expect(seen.body).toContain("A-1");
    expect(seen.body).not.toContain('action="/panel/announcements/preview"');
    expect((await carlos.submit(PAGE, "/panel/announcements/preview", form)).statusCode).toBe(404);
    expect((await carlos.submit(PAGE, "/panel/announcements", form)).statusCode).toBe(404);

    const tomas = await loggedInAs(bot, "3001");
    expect((await tomas.get(PAGE)).statusCode).toBe(404);
    expect((await tomas.submit(`/panel/announcements?municipality=${TOLUCA}`, "/panel/announcements", form)).statusCode).toBe(404);
    expect(
      (await tomas.submit(`/panel/announcements?municipality=${TOLUCA}`, "/panel/announcements/cancel", { municipality: METEPEC, id: "A-1" })).statusCode,
    ).toBe(404);
    expect(textOf((await tomas.get("/panel/announcements")).body)).toContain("Aún no hay avisos de Toluca.");

    expect((await beatriz.request("POST", "/panel/announcements", form)).statusCode).toBe(403);
    expect((await bot.service.app.secretariat.announcements.list(undefined, 10)).map((s) => s.announcement.id)).toEqual(["A-1"]);
  });
});

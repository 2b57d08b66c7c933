/**
 * "mis datos" → "Descargar mis datos" hands over the file itself where the channel can: a document on
 * Telegram (against the fake Bot API) and WhatsApp (the fake whatsapp-web.js client), named with the
 * date, captioned in the citizen's language, whose JSON holds their reports and nothing of anyone
 * else's; a download on the web chat; the link on the console. The link works after a restart.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { calendarDate } from "../src/domain/plan/progress.js";
import { telegramReport } from "./helpers/secretariat.js";
import { telegramAndWhatsAppPerFile } from "./helpers/service.js";

const both = telegramAndWhatsAppPerFile();

const today = () => calendarDate(both.bot.service.app.clock.now(), both.bot.service.app.deployment.timeZone);

describe("the file of mis datos", () => {
  it("Telegram: a JSON document named with the date, captioned in the citizen's language, holding their reports and nobody else's", async () => {
    const ana = both.fake.user(7301);
    const other = both.fake.user(7302);
    const mine = await telegramReport(ana);
    const theirs = await telegramReport(other);
    await ana.say("mis datos");
    await ana.expect("Esto es todo lo que guardamos sobre ti");
    await ana.press("Descargar mis datos");
    const sent = await both.fake.until(() => ana.messages.find((m) => m.document), 5000, "a document", ana.chatId);
    expect(sent.document?.name).toBe(`mis-datos-${today()}.json`);
    expect(sent.text).toBe(`Tus datos en el bot de Gobierno Abierto, al ${today()} (JSON).`);
    const file = JSON.parse(sent.document?.content.toString("utf8") ?? "{}");
    expect(file.citizen).toMatchObject({ channel: "telegram", language: "es-MX" });
    expect(file.reports.map((r: { folio: string }) => r.folio)).toEqual([mine]);
    const text = JSON.stringify(file);
    expect(text).not.toContain(theirs);
    expect(text).not.toContain("7302");
    // The question comes back after the file.
    await ana.expect("¿Qué quieres hacer con tus datos?");
  });

  it("WhatsApp: a document with its caption (whatsapp-web.js MessageMedia)", async () => {
    const wa = both.network.citizen("5217221112233");
    const say = async (line: string) => {
      const before = wa.messages.length;
      wa.say(line);
      await both.network.until(() => (wa.messages.length > before ? true : undefined), 5000, "an answer on WhatsApp");
      await new Promise((r) => setTimeout(r, 30));
    };
    for (const line of ["hola", "1", "sí", "Metepec", "1", "La luminaria de la esquina está apagada", "omitir", "omitir", "1", "1"]) {
      await say(line);
      if (wa.messages.at(-1)?.content.includes("Es otro problema")) await say("Es otro problema");
    }
    expect(wa.messages.map((m) => m.content).join("\n")).toMatch(/folio MET-\d{4}-\d{6}/);
    await say("mis datos");
    await say("1");
    const sent = await both.network.until(() => wa.messages.find((m) => m.document), 5000, "a document");
    expect(sent.document).toMatchObject({ name: `mis-datos-${today()}.json`, mimetype: "application/json", asDocument: true });
    expect(sent.content).toBe(`Tus datos en el bot de Gobierno Abierto, al ${today()} (JSON).`);
    const file = JSON.parse(sent.document?.data.toString("utf8") ?? "{}");
    expect(file.citizen).toMatchObject({ channel: "whatsapp" });
    expect(file.reports).toHaveLength(1);
    expect(file.reports[0].description).toBe("La luminaria de la esquina está apagada");
  });

  it("web chat: a download from the bot's own address; console: the link", async () => {
    const session = randomUUID();
    let last: { replies: { text: string; file?: { href: string; name: string } }[] } = { replies: [] };
    for (const text of ["hola", "1", "sí", "Metepec", "1", "Hay basura tirada en la banqueta", "omitir", "omitir", "1", "1", "mis datos", "1"]) {
      const res = await both.bot.service.server.inject({ method: "POST", url: "/api/chat/messages", payload: { session, id: randomUUID(), text } });
      expect(res.statusCode).toBe(200);
      last = res.json();
      if (last.replies.some((r) => r.text.includes("Es otro problema"))) {
        await both.bot.service.server.inject({ method: "POST", url: "/api/chat/messages", payload: { session, id: randomUUID(), text: "Es otro problema" } });
      }
    }
    const withFile = last.replies.find((r) => r.file);
    expect(withFile?.file?.name).toBe(`mis-datos-${today()}.json`);
    expect(withFile?.file?.href).toMatch(/^\/mis-datos\/[\w-]+$/);
    const download = await both.bot.service.server.inject({ method: "GET", url: withFile?.file?.href as string });
    expect(download.statusCode).toBe(200);
    expect(download.json().reports[0].description).toBe("Hay basura tirada en la banqueta");

    const app = both.bot.service.app;
    const consoleCitizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user: "archivo", lang: "es-MX" });
    await consoleCitizen.receive("hola");
    await consoleCitizen.receive("1");
    await consoleCitizen.receive("sí");
    await consoleCitizen.receive("menú");
    const shown = (await consoleCitizen.receive("mis datos")) + (await consoleCitizen.receive("1"));
    expect(shown).toMatch(/Aquí está el archivo con todos tus datos \(JSON\), válido por 15 minutos:\nhttp:\/\/\S+\/mis-datos\/[\w-]+/);
  });
});

/**
 * Seeded personal data — a name, phone numbers, a CURP, an e-mail — sent through every flow a citizen
 * types in (report: description and typed address, the sensitive-data warning kept; status lookups,
 * free text at the menu, "mis datos", "hablar" without a group) on every channel (console, web chat
 * over HTTP, Telegram against the fake Bot API, WhatsApp against the fake client), and then looked for
 * in the logs, the audit trail, the command line's report list and the open data (Open311 JSON and XML,
 * CSV, GeoJSON): none of it may be there. The WhatsApp chat's own number is the citizen's address: it is
 * looked for too in all of them — the audit trail names citizens by a keyed pseudonym, and "mis datos"
 * still finds the WhatsApp citizen's entries through it.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { adminDeps } from "../src/app.js";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { runAdmin } from "../src/secretariat/admin-commands.js";
import { telegramAndWhatsAppPerFile } from "./helpers/service.js";

const SEED = {
  name: "Rosalinda Quintero Barragán",
  surname: "Quintero",
  phone: "722 555 0199",
  phoneDigits: "7225550199",
  curp: "QUBR800101MMCNRS09",
  email: "rosalinda.quintero@example.com",
};
const WHATSAPP_NUMBER = "5217229876543";
const description = `Soy ${SEED.name}, mi cel es ${SEED.phone}, mi CURP ${SEED.curp} y mi correo ${SEED.email}: hay un bache enorme frente a mi casa`;
const address = `Casa de ${SEED.name}, tel ${SEED.phone}`;
/** What a citizen types in each flow after the report: lookups, free text, "mis datos", "hablar". */
const afterwards = [`mi folio es ${SEED.curp}`, SEED.email, `me llamo ${SEED.name}`, "mis datos", "1", "menú", "hablar", "menú", `${SEED.phone} ${SEED.email}`];

const both = telegramAndWhatsAppPerFile();

/** The report flow's answers, as typed: municipality by name, the description kept despite the warning, a typed address. */
const reportLines = ["hola", "1", "sí", "Metepec", "2", description, "Dejarla así", "omitir", address, "1", "1"];

/** Types every line; a report of the same problem nearby offered first is answered «Es otro problema». */
async function drive(send: (line: string) => Promise<string>): Promise<string> {
  let all = "";
  for (const line of [...reportLines, ...afterwards]) {
    let out = await send(line);
    if (out.includes("Es otro problema")) out += await send("Es otro problema");
    all += out;
  }
  return all;
}

describe("seeded personal data through every flow and channel", () => {
  it("console", async () => {
    const app = both.bot.service.app;
    const citizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user: "rosalinda", lang: "es-MX" });
    expect(await drive((line) => citizen.receive(line))).toMatch(/folio MET-\d{4}-\d{6}/);
  });

  it("web chat", async () => {
    const session = randomUUID();
    const text = await drive(async (line) => {
      const res = await both.bot.service.server.inject({ method: "POST", url: "/api/chat/messages", payload: { session, id: randomUUID(), text: line } });
      expect(res.statusCode).toBe(200);
      return JSON.stringify(res.json());
    });
    expect(text).toMatch(/folio MET-\d{4}-\d{6}/);
  });

  it("Telegram", async () => {
    const ana = both.fake.user(7001, { first_name: SEED.name });
    const text = await drive(async (line) => {
      await ana.say(line);
      await ana.expect(/[\s\S]/);
      // Replies of one answer may come as several messages: give the rest a moment.
      await new Promise((r) => setTimeout(r, 50));
      return ana.replies.map((m) => `${m.text} ${JSON.stringify(m.reply_markup ?? {})}`).join("\n");
    });
    expect(text).toMatch(/folio MET-\d{4}-\d{6}/);
  });

  it("WhatsApp", async () => {
    const wa = both.network.citizen(WHATSAPP_NUMBER);
    const text = await drive(async (line) => {
      const before = wa.messages.length;
      wa.say(line);
      await both.network.until(() => (wa.messages.length > before ? true : undefined), 5000, "an answer on WhatsApp");
      await new Promise((r) => setTimeout(r, 50));
      return wa.messages
        .slice(before)
        .map((m) => m.content)
        .join("\n");
    });
    expect(text).toMatch(/folio MET-\d{4}-\d{6}/);
  });

  it("none of it is in the logs, the audit trail, the command line's list or the open data", async () => {
    const app = both.bot.service.app;
    const reports = await app.store.reports.list({}, 100);
    // The reports were filed, each with the seeded description (kept for the secretariat).
    expect(reports.filter((r) => r.description.includes(SEED.curp)).length).toBeGreaterThanOrEqual(4);
    const get = async (url: string) => (await both.bot.service.server.inject({ method: "GET", url })).body;
    const places: Record<string, string> = {
      logs: both.bot.logs.text,
      events: JSON.stringify(await app.store.events.list({}, 10_000)),
      "admin reports list": (await runAdmin(["reports", "list"], adminDeps(app))).stdout,
      "admin arco list": (await runAdmin(["arco", "list"], adminDeps(app))).stdout,
      "open311 json": await get("/open311/v2/requests.json"),
      "open311 xml": await get("/open311/v2/requests.xml"),
      csv: await get("/open-data/requests.csv"),
      geojson: await get("/open-data/requests.geojson"),
    };
    const seeds = [SEED.name, SEED.surname, SEED.phone, SEED.phoneDigits, SEED.curp, SEED.email, "Casa de"];
    for (const [place, text] of Object.entries(places)) {
      expect(text.length, place).toBeGreaterThan(0);
      for (const seed of seeds) expect(text.includes(seed), `${seed} in ${place}`).toBe(false);
      expect(text.includes(WHATSAPP_NUMBER), `the WhatsApp number in ${place}`).toBe(false);
    }
    // The trail still has the WhatsApp citizen's entries, found from their chat id (for "mis datos").
    const held = await app.dataRights.held(`whatsapp:${WHATSAPP_NUMBER}@c.us`);
    expect(held.events.map((e) => e.type)).toContain("consent_recorded");
    // And the Telegram user's name, which Telegram sends with every update, is kept nowhere.
    const all = JSON.stringify(await app.store.reports.list({}, 100)) + JSON.stringify(await app.store.citizens.get("telegram:7001"));
    expect(all.includes(`"first_name"`)).toBe(false);
  });
});

/**
 * The Secretariado Técnico in its Telegram group, end to end: the production Telegram adapter and
 * the secretariat's face against the fake Bot API, with the clock controlled. Members of Metepec and
 * Toluca; a Metepec group (and a Toluca one); citizens on the console and on Telegram.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { type BotMessage, FakeBotApi, type FakeGroup, type FakeUser } from "./fakes/bot-api.js";
import { addMembers, buttons, cardOf, linkedGroup, METEPEC, people, TOLUCA } from "./helpers/secretariat.js";
import { type RunningBot, runBot } from "./helpers/service.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const METEPEC_GROUP = -1001000000054;
const TOLUCA_GROUP = -1001000000106;

let fake: FakeBotApi;
let bot: RunningBot | undefined;

beforeEach(async () => {
  fake = await FakeBotApi.start();
});
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await fake.close();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, TELEGRAM_THROTTLE: "false", DIGEST_HOUR: "off", ...extra };
}

/** The answer to the last press in the group: what the member saw in the alert. */
function lastAnswer(): { text?: string; show_alert?: boolean } {
  return (fake.callsOf("answerCallbackQuery").at(-1)?.payload ?? {}) as { text?: string; show_alert?: boolean };
}

async function answered(before: number): Promise<{ text?: string; show_alert?: boolean }> {
  await fake.until(() => (fake.callsOf("answerCallbackQuery").length > before ? true : undefined));
  return lastAnswer();
}

/** A console citizen files an anonymous report of a pothole in Metepec; resolves with its folio. */
async function consoleReport(user = "luis"): Promise<string> {
  const app = (bot as RunningBot).service.app;
  const citizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user, lang: "es-MX" });
  let out = "";
  for (const line of ["hola", "1", "sí", "Metepec", "2", "Hay un bache enorme frente a la escuela primaria", "omitir", "omitir", "2", "1"]) {
    out += await citizen.receive(line);
  }
  const folio = /folio (MET-\d{4}-\d{6})/.exec(out)?.[1];
  if (!folio) throw new Error(`no folio in:\n${out}`);
  return folio;
}

/** A Telegram citizen files a report (with follow-up, or anonymous) with a photo; resolves with its folio. */
async function telegramReport(ana: FakeUser, options: { anonymous?: boolean; photo?: boolean } = {}): Promise<string> {
  await ana.say("/reportar");
  await ana.press("Sí");
  await ana.expect("Comparte tu ubicación");
  await ana.say("Metepec");
  await ana.press("Alumbrado público");
  await ana.expect("Describe el problema");
  await ana.say("La luminaria de la esquina lleva dos semanas apagada");
  await ana.expect("envíala ahora");
  if (options.photo) await ana.sendPhoto(await readFile(join(FIXTURES, "bache.png")));
  else await ana.press("Omitir");
  await ana.expect("¿Cómo quieres enviar tu reporte?");
  await ana.press(options.anonymous ? /Anónimo/ : "Con seguimiento por este chat");
  await ana.press("Enviar reporte");
  const created = await ana.expect(/folio (MET-\d{4}-\d{6})/);
  return /folio (MET-\d{4}-\d{6})/.exec(created.text)?.[1] as string;
}

describe("linking a Telegram group", () => {
  it("a facilitador links it with /vincular; anyone else gets a polite refusal and nothing changes; /desvincular undoes it", async () => {
    bot = await runBot(env());
    await addMembers(bot);
    const chats = bot.service.app.secretariat.chats;
    const group = fake.group(METEPEC_GROUP, "Secretariado Metepec");
    await group.addBot(people.beatriz);
    const hello = await fake.until(() => group.messages.find((m) => m.text.includes("Soy Municipio Abierto")));
    expect(hello.text).toContain("/vincular@MunicipioAbiertoBot Metepec");
    expect(hello.text).toContain("modo de privacidad");

    const reply = async (from: (typeof people)[keyof typeof people], text: string, expected: string | RegExp) => {
      const before = group.messages.length;
      await group.say(from, text);
      return fake.until(() => group.messages.slice(before).find((m) => (typeof expected === "string" ? m.text.includes(expected) : expected.test(m.text))));
    };
    await reply(people.stranger, "/vincular Metepec", "solo un facilitador o administrador del Secretariado Técnico puede vincular");
    await reply(people.tomas, "/vincular Metepec", "solo un facilitador o administrador del Secretariado Técnico de Metepec");
    await reply(people.carlos, "/vincular Metepec", "solo un facilitador o administrador del Secretariado Técnico de Metepec");
    await reply(people.beatriz, "/vincular Narnia", "No encontré el municipio «Narnia»");
    await reply(people.beatriz, "/vincular 99999", "No encontré el municipio «99999»");
    await reply(people.beatriz, "/vincular", "Escribe /vincular seguido del municipio");
    expect(await chats.get(String(METEPEC_GROUP), "secretariat")).toBeNull();

    // Meant for another bot: not ours to answer.
    const quiet = group.messages.length;
    await group.say(people.beatriz, "/vincular@OtroBot Metepec");
    const done = await reply(people.beatriz, "/vincular@MunicipioAbiertoBot 15054", "Este grupo es ahora el del Secretariado Técnico de Metepec");
    expect(group.messages.slice(quiet).filter((m) => m.message_id < done.message_id)).toEqual([]);
    expect(await chats.get(String(METEPEC_GROUP), "secretariat")).toMatchObject({ municipality: METEPEC, title: "Secretariado Metepec", problem: null });
    const [linked] = await bot.service.app.store.events.list({ type: "chat_linked" }, 5);
    expect(linked).toMatchObject({ municipality: METEPEC, actor: expect.any(String) });

    // A redelivered update changes nothing: no second answer.
    const count = group.messages.length;
    await fake.redeliver(fake.history.at(-1) as Record<string, unknown>);
    await reply(people.stranger, "/desvincular", "solo un facilitador o administrador del Secretariado Técnico de Metepec puede desvincular");
    expect(group.messages.length).toBe(count + 1);
    expect(await chats.get(String(METEPEC_GROUP), "secretariat")).not.toBeNull();

    await reply(people.beatriz, "/desvincular", "dejó de ser el del Secretariado Técnico de Metepec");
    expect(await chats.get(String(METEPEC_GROUP), "secretariat")).toBeNull();
    await reply(people.beatriz, "/desvincular", "no está vinculado");
  });

  it("removed from the group, the link says so and one line is logged; added back, the group is told it is back", async () => {
    bot = await runBot(env());
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    await group.removeBot(people.beatriz);
    const chats = bot.service.app.secretariat.chats;
    await expect.poll(async () => (await chats.get(String(METEPEC_GROUP), "secretariat"))?.problem).toBe("removed");
    const lines = bot.logs.lines.filter((l) => String(l.msg).includes("removed from a linked group"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ municipality: METEPEC });
    expect(bot.logs.text).not.toContain(String(METEPEC_GROUP));
    expect(bot.logs.text).not.toContain("Secretariado Metepec");

    // A report meanwhile waits in the store; nothing is sent to a group the bot is not in.
    const sent = fake.callsOf("sendMessage").length;
    await consoleReport();
    await bot.service.app.dispatcher.sweep();
    expect(fake.callsOf("sendMessage").length).toBe(sent);

    await group.addBot(people.beatriz);
    await fake.until(() => group.messages.find((m) => m.text.includes("De vuelta en el grupo del Secretariado Técnico de Metepec")));
    expect((await chats.get(String(METEPEC_GROUP), "secretariat"))?.problem).toBeNull();
  });
});

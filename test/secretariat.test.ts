import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { type BotMessage, buttons, type FakeGroup } from "./fakes/bot-api.js";
import { addMembers, cardOf, linkedGroup, METEPEC, people, telegramReport } from "./helpers/secretariat.js";
import { fakeTelegramPerTest } from "./helpers/service.js";

const _FIXTURES = join(import.meta.dirname, "fixtures");
const METEPEC_GROUP = -1001000000054;
const TOLUCA_GROUP = -1001000000106;

const telegram = fakeTelegramPerTest();

/** No digest unless a test asks for one: it would come at an hour that depends on when the test runs. */
const start = (extra: Record<string, string> = {}) => telegram.start({ DIGEST_HOUR: "off", ...extra });

/** The answer to the last press in the group: what the member saw in the alert. */
function lastAnswer(): { text?: string; show_alert?: boolean } {
  return (telegram.fake.callsOf("answerCallbackQuery").at(-1)?.payload ?? {}) as { text?: string; show_alert?: boolean };
}

async function answered(before: number): Promise<{ text?: string; show_alert?: boolean }> {
  await telegram.fake.until(() => (telegram.fake.callsOf("answerCallbackQuery").length > before ? true : undefined));
  return lastAnswer();
}

/** A console citizen files an anonymous report of a pothole in Metepec; resolves with its folio. */
async function consoleReport(user = "luis"): Promise<string> {
  const app = telegram.bot.service.app;
  const citizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user, lang: "es-MX" });
  let out = "";
  for (const line of ["hola", "1", "sí", "Metepec", "2"]) out += await citizen.receive(line);
  // A report of the same problem nearby is offered first: this one is another.
  if (out.includes("¿Es el mismo problema?")) out += await citizen.receive("Es otro problema");
  for (const line of ["Hay un bache enorme frente a la escuela primaria", "omitir", "omitir", "2", "1"]) out += await citizen.receive(line);
  const folio = /folio (MET-\d{4}-\d{6})/.exec(out)?.[1];
  if (!folio) throw new Error(`no folio in:\n${out}`);
  return folio;
}

describe("linking a Telegram group", () => {
  it("a facilitador links it with /vincular; anyone else gets a polite refusal and nothing changes; /desvincular undoes it", async () => {
    const { fake, bot } = await start();
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

    // In the secretariat's group, the bot answers what it does there: a mention, a reply that answers nothing it asked.
    const mention = "@MunicipioAbiertoBot ¿qué haces?";
    await fake.push({
      message: {
        message_id: fake.nextMessageId(METEPEC_GROUP),
        date: 0,
        chat: group.chat,
        from: people.carlos,
        text: mention,
        entities: [{ type: "mention", offset: 0, length: 20 }],
      },
    });
    await fake.until(() => group.messages.filter((m) => m.text.includes("Soy Municipio Abierto")).at(1));
    const before = group.messages.length;
    await group.reply(people.carlos, done, "¡Gracias!");
    await fake.until(() => group.messages.slice(before).find((m) => m.text.startsWith("No sé a qué corresponde esta respuesta")));
    expect(group.messages.some((m) => m.reply_markup?.inline_keyboard?.flat().some((b) => b.url))).toBe(false);

    await reply(people.beatriz, "/desvincular", "dejó de ser el del Secretariado Técnico de Metepec");
    expect(await chats.get(String(METEPEC_GROUP), "secretariat")).toBeNull();
    await reply(people.beatriz, "/desvincular", "no está vinculado");
  });

  it("a public group, or one the announcements go to, is never the secretariat's; moving the secretariat to another group is confirmed first", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const chats = bot.service.app.secretariat.chats;
    const say = async (group: ReturnType<typeof fake.group>, text: string, expected: string) => {
      const before = group.messages.length;
      await group.say(people.beatriz, text);
      return fake.until(() => group.messages.slice(before).find((m) => m.text.includes(expected)));
    };
    const secretariat = fake.group(METEPEC_GROUP, "Secretariado Metepec");
    await secretariat.addBot(people.beatriz);
    await say(secretariat, "/vincular Metepec", "Este grupo es ahora el del Secretariado Técnico de Metepec");
    // /ayuda there says what the group does and its commands.
    const help = await say(secretariat, "/ayuda", "Este es el grupo del Secretariado Técnico de Metepec");
    expect(help.text).toContain("/aviso");
    expect(help.text).toContain("/compromisos");

    // A neighbours' group with a public link, and one linked for the announcements: refused, nothing moves.
    const open = fake.group(-1001000000777, "Vecinos de Metepec", "vecinosmetepec");
    await open.addBot(people.beatriz);
    await say(open, "/vincular Metepec", "No vinculé este grupo");
    // Not linked yet: /ayuda says how to link it, for which purpose.
    const hello = await say(open, "/ayuda", "Soy Municipio Abierto");
    expect(hello.text).toContain("/vincular_avisos");
    const announcing = fake.group(-1001000000778, "Avisos Metepec");
    await announcing.addBot(people.beatriz);
    await say(announcing, "/vincular_avisos Metepec", "avisos");
    await say(announcing, "/vincular Metepec confirmar", "No vinculé este grupo");
    expect(await chats.secretariatOf(METEPEC)).toMatchObject({ chatId: String(METEPEC_GROUP) });

    // Another private group: asked first, with the command that confirms; confirmed, the reports move there.
    const other = fake.group(-1001000000779, "Secretariado Metepec (nuevo)");
    await other.addBot(people.beatriz);
    const asked = await say(other, "/vincular Metepec", "ya tiene su grupo del Secretariado Técnico («Secretariado Metepec»)");
    expect(asked.text).toContain("/vincular Metepec confirmar");
    expect(await chats.secretariatOf(METEPEC)).toMatchObject({ chatId: String(METEPEC_GROUP) });
    await say(other, "/vincular Metepec confirmar", "Este grupo es ahora el del Secretariado Técnico de Metepec");
    expect(await chats.secretariatOf(METEPEC)).toMatchObject({ chatId: String(other.id) });
    await fake.until(() => secretariat.messages.find((m) => m.text.includes("se vinculó otro grupo")));
  });

  it("removed from the group, the link says so and one line is logged; added back, the group is told it is back", async () => {
    const { fake, bot } = await start();
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
    // The report that waited gets its card.
    await fake.until(() => group.messages.find((m) => m.text.includes("Un reporte abierto del municipio no tenía tarjeta en este grupo")));
    expect(group.messages.filter((m) => m.text.startsWith("🗂 MET-"))).toHaveLength(1);
  });
});

describe("a secretariat group given a public link", () => {
  it("gets no more cards nor citizens' words, is told once how to fix it, and one line is logged; linked again once private, the reports that waited get their cards", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const chats = bot.service.app.secretariat.chats;
    const ana = fake.user(5001);
    const first = await telegramReport(ana);
    await fake.until(() => cardOf(group, first));

    // An admin gives the group a public link: Telegram tells the bot nothing. The next card finds it.
    group.setPublicLink("vecinos_metepec");
    bot.clock.advance(11 * 60_000);
    const second = await telegramReport(fake.user(5002));
    await expect.poll(async () => (await chats.get(String(METEPEC_GROUP), "secretariat"))?.problem).toBe("public");
    await fake.until(() => group.messages.find((m) => m.text.includes("Este grupo ahora tiene un enlace público")));
    // Nothing more reaches it: a card, its edits, a conversation with a person.
    const third = await telegramReport(fake.user(5003));
    await bot.service.app.dispatcher.sweep();
    const luis = fake.user(5004);
    await luis.say("quiero hablar con una persona del secretariado de metepec");
    await bot.service.app.dispatcher.sweep();
    expect(cardOf(group, second)).toBeUndefined();
    expect(cardOf(group, third)).toBeUndefined();
    expect(group.messages.filter((m) => m.text.includes("enlace público"))).toHaveLength(1);
    expect(group.messages.some((m) => m.text.includes("quiere hablar") || m.text.includes("#"))).toBe(false);
    const lines = bot.logs.lines.filter((l) => String(l.msg).includes("public link now"));
    expect(lines).toHaveLength(1);
    expect(bot.logs.text).not.toContain("vecinos_metepec");

    // Private again and linked again: the reports that waited get their cards, and the group is told how many.
    group.setPublicLink(null);
    await group.say(people.beatriz, "/vincular Metepec");
    await expect.poll(async () => (await chats.get(String(METEPEC_GROUP), "secretariat"))?.problem).toBeNull();
    await fake.until(() => group.messages.find((m) => m.text.includes("2 reportes abiertos del municipio no tenían tarjeta en este grupo")));
    expect(cardOf(group, second)).toBeDefined();
    expect(cardOf(group, third)).toBeDefined();
    expect(group.messages.filter((m) => m.text.startsWith(`🗂 ${first}`))).toHaveLength(1);
    const fourth = await telegramReport(fake.user(5005));
    await fake.until(() => cardOf(group, fourth));
  });
});

describe("report cards", () => {
  it("a report filed on the console appears as one card in Metepec's group only, with what the secretariat needs and nothing of an anonymous sender", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const metepec = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const toluca = await linkedGroup(fake, TOLUCA_GROUP, "Secretariado Toluca", people.tomas, "Toluca");
    const tolucaBefore = toluca.messages.length;
    const folio = await consoleReport("luis");
    const card = await fake.until(() => cardOf(metepec, folio));
    expect(card.text.split("\n").slice(0, 6)).toEqual([
      `🗂 ${folio} · Baches y calles`,
      "📍 Metepec · hace un momento · consola",
      expect.stringMatching(/^Recibido: /),
      "📝 Hay un bache enorme frente a la escuela primaria",
      "👥 Afecta a 1 persona",
      "👤 Anónimo",
    ]);
    expect(card.text).toContain("📌 Estado: Recibido");
    expect(buttons(card)).toEqual([
      "🔎 En revisión",
      "🏢 Canalizar",
      "🛠 En atención",
      "✅ Resuelto",
      "⛔ No procede",
      "🔁 Duplicado",
      "💬 Responder",
      "🔒 Nota interna",
      "🌐 Publicar texto",
    ]);
    expect(card.text).not.toContain("luis");
    // One card, in Metepec's group only; publishing the same version again changes nothing.
    await bot.service.app.dispatcher.sweep();
    const report = await bot.service.app.store.reports.byFolio(folio);
    await bot.service.secretariat?.cards.publish(report as NonNullable<typeof report>);
    expect(metepec.messages.filter((m) => m.text.includes(folio))).toHaveLength(1);
    expect(toluca.messages.length).toBe(tolucaBefore);
    expect(fake.callsOf("editMessageText").filter((c) => c.payload.chat_id === METEPEC_GROUP)).toHaveLength(0);
    // The trail and the logs name nobody.
    const events = await bot.service.app.store.events.list({ report: report?.id }, 10);
    expect(JSON.stringify(events)).not.toContain("luis");
    expect(bot.logs.text).not.toContain("luis");
    expect(bot.logs.text).not.toContain("bache enorme");
  });

  it("a Telegram report with a photo is a photo with its caption, names its sender only when not anonymous, and links its map", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana, { photo: true });
    const card = await fake.until(() => cardOf(group, folio));
    expect(card.photo?.bytes).toBeGreaterThan(0);
    expect(card.text.length).toBeLessThanOrEqual(1024);
    expect(card.text).toContain("👤 Telegram, usuario 5001 (con seguimiento)");
    expect(card.text).toContain("📍 Metepec · hace un momento · Telegram");
    expect(card.text).toContain("🏠 Av. Juárez 12, col. Centro");

    const eve = fake.user(5050);
    const hidden = await telegramReport(eve, { anonymous: true });
    const anonymous = await fake.until(() => cardOf(group, hidden));
    expect(anonymous.text).toContain("👤 Anónimo");
    expect(anonymous.text).not.toContain("5050");
    const report = await bot.service.app.store.reports.byFolio(hidden);
    expect(JSON.stringify(await bot.service.app.store.events.list({ report: report?.id }, 10))).not.toContain("5050");
    // As a number of its own: a log line's time may hold the digits (…905050).
    expect(bot.logs.text).not.toMatch(/\b5050\b/);

    // A shared location is a link to the map.
    await bot.service.app.store.reports.update(
      { ...(report as NonNullable<typeof report>), location: { latitude: 19.2566, longitude: -99.6047 }, version: 2 },
      1,
    );
    await bot.service.secretariat?.cards.refresh((await bot.service.app.store.reports.byFolio(hidden)) as NonNullable<typeof report>);
    expect(cardOf(group, hidden)?.text).toContain("🗺 https://www.openstreetmap.org/?mlat=19.25660&mlon=-99.60470#map=18/19.25660/-99.60470");
  });
});

describe("a group that takes no photos", () => {
  it("still gets the card, as text, with its buttons", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    fake.failNext("sendPhoto", { error_code: 400, description: "Bad Request: not enough rights to send photos to the chat" });
    const folio = await telegramReport(fake.user(5002), { photo: true });
    const card = await fake.until(() => cardOf(group, folio));
    expect(card.photo).toBeUndefined();
    expect(card.text).toContain("📍 Metepec");
    expect(buttons(card).length).toBeGreaterThan(0);
    expect(fake.callsOf("sendPhoto")).toHaveLength(1);
  });
});

/** Presses a button of the folio's card as it is now; resolves with the answer to the press. */
async function pressOnCard(group: FakeGroup, who: (typeof people)[keyof typeof people], folio: string, label: string | RegExp) {
  const card = await telegram.fake.until(() => {
    const c = cardOf(group, folio);
    return c && buttons(c).some((b) => (typeof label === "string" ? b === label : label.test(b))) ? c : undefined;
  });
  const before = telegram.fake.callsOf("answerCallbackQuery").length;
  await group.press(who, label, card);
  return answered(before);
}

/** Waits for the card to show `line`. */
function cardShows(group: FakeGroup, folio: string, line: string): Promise<BotMessage> {
  return telegram.fake.until(
    () => {
      const c = cardOf(group, folio);
      return c?.text.includes(line) ? c : undefined;
    },
    5000,
    `the card of ${folio} showing ${line}`,
  );
}

/** The bot's question in the group after a press (a ForceReply message). */
function question(group: FakeGroup, pattern: string): Promise<BotMessage> {
  return telegram.fake.until(
    () => [...group.messages].reverse().find((m) => m.reply_markup?.force_reply && m.text.includes(pattern)),
    5000,
    `a question ${pattern}`,
  );
}

describe("the lifecycle through the card's buttons", () => {
  it("each press moves the report, the card is edited in place, and each public change reaches the Telegram citizen once", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    const first = structuredClone(await fake.until(() => cardOf(group, folio)));
    const store = bot.service.app.store;

    expect(await pressOnCard(group, people.beatriz, folio, "🔎 En revisión")).toMatchObject({ text: "Listo: En revisión." });
    let card = await cardShows(group, folio, "📌 Estado: En revisión");
    expect(card.message_id).toBe(first.message_id);
    expect(card.text).toContain("✍️ Último cambio: Beatriz López");
    expect(buttons(card)).toEqual([
      "🏢 Canalizar",
      "🛠 En atención",
      "✅ Resuelto",
      "⛔ No procede",
      "🔁 Duplicado",
      "💬 Responder",
      "🔒 Nota interna",
      "🌐 Publicar texto",
    ]);
    await ana.expect(`Tu reporte ${folio} (Alumbrado público) cambió de estado: ahora está «En revisión»`);

    // Canalizar asks the office, on the card itself.
    expect(await pressOnCard(group, people.carlos, folio, "🏢 Canalizar")).toMatchObject({ text: "Elige el área en los botones de la tarjeta." });
    card = await fake.until(() => (buttons(cardOf(group, folio)).includes("Dirección de Obras Públicas") ? cardOf(group, folio) : undefined));
    expect(buttons(card)).toContain("↩️ Volver");
    await pressOnCard(group, people.carlos, folio, "Dirección de Obras Públicas");
    card = await cardShows(group, folio, "🏢 Canalizado a: Dirección de Obras Públicas");
    expect(card.text).toContain("✍️ Último cambio: Carlos Ruiz");
    await ana.expect("Área responsable: Dirección de Obras Públicas.");

    await pressOnCard(group, people.beatriz, folio, "🛠 En atención");
    await cardShows(group, folio, "📌 Estado: En atención");
    await ana.expect("ahora está «En atención»");

    // Responder: the templates of the status, picked by their number, or any text.
    expect(await pressOnCard(group, people.beatriz, folio, "💬 Responder")).toMatchObject({ text: "Te pregunté en el grupo; responde a ese mensaje." });
    const ask = await question(group, `Respuesta pública para ${folio}`);
    expect(ask.reply_markup).toMatchObject({ force_reply: true, selective: true });
    expect(ask.entities).toEqual([expect.objectContaining({ type: "text_mention", user: expect.objectContaining({ id: people.beatriz.id }) })]);
    expect(ask.text).toContain(`1. El área responsable ya está trabajando en tu reporte ${folio}.`);
    // A number that picks no template listed is never sent to the citizen as the answer: the question stays open.
    await group.reply(people.beatriz, ask, "7");
    await fake.until(() => (group.messages.some((m) => m.text.startsWith("No hay una plantilla 7")) ? true : undefined));
    expect(group.messages.find((m) => m.message_id === ask.message_id)?.text.startsWith("✅")).toBe(false);
    await group.reply(people.beatriz, ask, "1");
    await fake.until(() => (group.messages.find((m) => m.message_id === ask.message_id)?.text.startsWith("✅") ? true : undefined));
    await ana.expect(`«El área responsable ya está trabajando en tu reporte ${folio}.»`);
    await cardShows(group, folio, "respuesta pública — «El área responsable ya está trabajando");

    // An internal note stays in the group.
    await pressOnCard(group, people.carlos, folio, "🔒 Nota interna");
    const note = await question(group, `Nota interna para ${folio}`);
    await group.reply(people.carlos, note, "Obras confirma cuadrilla el martes");
    await cardShows(group, folio, "Carlos Ruiz");
    await cardShows(group, folio, "Obras confirma cuadrilla el martes");

    await pressOnCard(group, people.beatriz, folio, "✅ Resuelto");
    card = await cardShows(group, folio, "📌 Estado: Resuelto");
    expect(buttons(card)).toEqual(["🛠 En atención", "🔎 En revisión", "💬 Responder", "🔒 Nota interna", "🌐 Publicar texto"]);
    await ana.expect(`¿Se resolvió el problema del reporte ${folio}`);

    // Each notice exactly once, the note never.
    await bot.service.app.dispatcher.sweep();
    const said = (text: string) => ana.messages.filter((m) => m.text.includes(text)).length;
    expect([said("«En revisión»"), said("Área responsable"), said("«En atención»"), said("respondió sobre tu reporte"), said("«Resuelto»")]).toEqual([
      1, 1, 1, 1, 1,
    ]);
    expect(said("cuadrilla")).toBe(0);
    // One card all along, and every change in the audit trail with who did it.
    expect(group.messages.filter((m) => m.text.startsWith(`🗂 ${folio}`))).toHaveLength(1);
    const report = await store.reports.byFolio(folio);
    const trail = await store.events.list({ report: report?.id }, 20);
    expect(trail.map((e) => e.type).sort()).toEqual([
      "answer_published",
      "note_added",
      "report_created",
      "status_changed",
      "status_changed",
      "status_changed",
      "status_changed",
    ]);
    expect(JSON.stringify(trail)).not.toContain("cuadrilla");

    // The first snapshot of the card is outdated: refused with an alert, nothing changes, the card is refreshed.
    const version = report?.version;
    const edits = fake.calls.length;
    expect(
      await (async () => {
        const before = fake.callsOf("answerCallbackQuery").length;
        await group.press(people.beatriz, "⛔ No procede", first);
        return answered(before);
      })(),
    ).toMatchObject({ show_alert: true, text: "Esta tarjeta ya no estaba al día y la actualicé. Revisa el estado y vuelve a intentarlo." });
    await fake.until(() =>
      fake.calls.slice(edits).some((c) => c.method === "editMessageText" && c.payload.message_id === first.message_id) ? true : undefined,
    );
    expect((await store.reports.byFolio(folio))?.version).toBe(version);
  });

  it("an answer typed while another member moved the report is sent on the report as it is now; one typed while another answered is not", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    await pressOnCard(group, people.beatriz, folio, "💬 Responder");
    const mine = await question(group, `Respuesta pública para ${folio} (Beatriz`);
    await pressOnCard(group, people.carlos, folio, "🔎 En revisión");
    await cardShows(group, folio, "📌 Estado: En revisión");
    await group.reply(people.beatriz, mine, "Gracias, ya lo estamos revisando.");
    await ana.expect("«Gracias, ya lo estamos revisando.»");
    await cardShows(group, folio, "Gracias, ya lo estamos revisando.");
    // Two members answering at once: the second is told the report changed, not sent twice.
    await pressOnCard(group, people.beatriz, folio, "💬 Responder");
    const first = await question(group, `Respuesta pública para ${folio} (Beatriz`);
    await pressOnCard(group, people.carlos, folio, "💬 Responder");
    const second = await question(group, `Respuesta pública para ${folio} (Carlos`);
    await group.reply(people.carlos, second, "Mañana pasa la cuadrilla.");
    await ana.expect("«Mañana pasa la cuadrilla.»");
    const before = group.messages.length;
    await group.reply(people.beatriz, first, "Pasamos el jueves.");
    await fake.until(() => group.messages.slice(before).find((m) => m.text.includes("cambió mientras escribías")));
    await bot.service.app.dispatcher.sweep();
    expect(ana.messages.some((m) => m.text.includes("Pasamos el jueves"))).toBe(false);
  });

  it("a notice that arrives while the citizen is asked for a location leaves the location's keyboard in place", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    // A second report, up to the question of the exact place (a keyboard with «📍 Enviar mi ubicación»).
    await ana.say("/reportar");
    await ana.expect("Comparte tu ubicación");
    await ana.say("Metepec");
    await ana.press("Baches y calles");
    const next = await ana.expect(/Describe el problema|el mismo problema\?/);
    if (next.text.includes("el mismo problema?")) await ana.press("Es otro problema");
    await ana.expect("Describe el problema");
    await ana.say("Un bache enorme en la esquina de la escuela");
    await ana.press("Omitir");
    await ana.expect("ubicación exacta");
    const toAna = () => fake.callsOf("sendMessage").filter((c) => c.payload.chat_id === 5001 || c.payload.chat_id === "5001");
    const asked = toAna().length;
    await pressOnCard(group, people.beatriz, folio, "🔎 En revisión");
    await ana.expect(`Tu reporte ${folio} (Alumbrado público) cambió de estado`);
    expect(
      toAna()
        .slice(asked)
        .map((c) => c.payload.reply_markup ?? null),
    ).toEqual([null]);
    // The keyboard still answers the question.
    await ana.shareLocation(19.2619, -99.6043);
    await ana.expect("¿Cómo quieres enviar tu reporte?");
  });

  it("a member of another municipality, or someone who is not a member, is refused with an alert and nothing changes", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const folio = await consoleReport();
    for (const who of [people.tomas, people.stranger]) {
      expect(await pressOnCard(group, who, folio, "✅ Resuelto")).toEqual(
        expect.objectContaining({ show_alert: true, text: "Solo los integrantes del Secretariado Técnico de Metepec pueden atender este reporte." }),
      );
      expect(await pressOnCard(group, who, folio, "💬 Responder")).toMatchObject({ show_alert: true });
    }
    const report = await bot.service.app.store.reports.byFolio(folio);
    expect(report).toMatchObject({ status: "recibido", version: 1 });
    expect(group.messages.filter((m) => m.reply_markup?.force_reply)).toHaveLength(0);
    // A reply by Tomás to Beatriz's question is refused too.
    await pressOnCard(group, people.beatriz, folio, "🔒 Nota interna");
    const note = await question(group, "Nota interna");
    await group.reply(people.tomas, note, "Yo también opino");
    await fake.until(() => group.messages.find((m) => m.text.startsWith("Solo los integrantes del Secretariado Técnico de Metepec")));
    expect((await bot.service.app.store.reports.byFolio(folio))?.notes).toEqual([]);
  });

  it("a report marked a duplicate: whoever heard of it follows the original from then on, and the original counts them", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const original = await telegramReport(ana);
    const bea = fake.user(5002);
    const repeated = await telegramReport(bea);
    await cardShows(group, original, "👥 Afecta a 1 persona");

    await pressOnCard(group, people.beatriz, repeated, "🔁 Duplicado");
    await group.reply(people.beatriz, await question(group, `¿De qué folio es duplicado ${repeated}?`), original);
    await bea.expect(`Se le da seguimiento en el folio ${original}`);
    await cardShows(group, original, "👥 Afecta a 2 personas");

    // One who said «baja» is not brought back by it; an anonymous author who hears back follows it, named in no event.
    const dan = fake.user(5003);
    const stopped = await telegramReport(dan);
    await dan.say("baja");
    await dan.expect("Listo");
    const carla = fake.user(5004);
    const hidden = await telegramReport(carla, { anonymous: "follow" });
    for (const folio of [stopped, hidden]) {
      await pressOnCard(group, people.beatriz, folio, "🔁 Duplicado");
      await group.reply(people.beatriz, await question(group, `¿De qué folio es duplicado ${folio}?`), original);
      await cardShows(group, folio, `🔁 Duplicado de ${original}`);
    }
    await carla.expect(`Se le da seguimiento en el folio ${original}`);
    await cardShows(group, original, "👥 Afecta a 3 personas");
    const store = bot.service.app.store;
    const followed = await store.events.list({ type: "report_followed", report: (await store.reports.byFolio(original))?.id }, 10);
    expect(followed).toHaveLength(1);

    // The original moves: those who hear of it are told, once each; not who said «baja».
    await pressOnCard(group, people.carlos, original, "🔎 En revisión");
    await ana.expect(`${original} (Alumbrado público) cambió de estado: ahora está «En revisión»`);
    await bea.expect(`${original} (Alumbrado público) cambió de estado: ahora está «En revisión»`);
    await carla.expect(`${original} (Alumbrado público) cambió de estado: ahora está «En revisión»`);
    await bot.service.app.dispatcher.sweep();
    expect(bea.messages.filter((m) => m.text.includes(`${original} (Alumbrado público) cambió de estado`))).toHaveLength(1);
    expect(dan.messages.some((m) => m.text.includes(`${original} (Alumbrado público) cambió de estado`))).toBe(false);
  });

  it("No procede asks the reason and Duplicado the folio; a wrong folio is asked again", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const original = await consoleReport("luis");
    const repeated = await consoleReport("marta");

    await pressOnCard(group, people.beatriz, repeated, "🔁 Duplicado");
    const which = await question(group, `¿De qué folio es duplicado ${repeated}?`);
    await group.reply(people.beatriz, which, "MET-2026-999999");
    await fake.until(() => group.messages.find((m) => m.text.includes("No encontré el folio «MET-2026-999999»")));
    await group.reply(people.beatriz, which, `${original.toLowerCase()}, lo atendemos ahí`);
    await cardShows(group, repeated, `🔁 Duplicado de ${original}`);
    expect(await bot.service.app.store.reports.byFolio(repeated)).toMatchObject({
      status: "duplicado",
      duplicateOf: original,
      history: expect.arrayContaining([expect.objectContaining({ status: "duplicado", note: "lo atendemos ahí" })]),
    });

    await pressOnCard(group, people.beatriz, original, "⛔ No procede");
    const why = await question(group, `Motivo de «No procede» para ${original}`);
    expect(why.text).toContain("1. Tu reporte");
    await group.reply(people.beatriz, why, "Es una vialidad estatal: corresponde a la Junta de Caminos");
    await cardShows(group, original, "📌 Estado: No procede");
    expect((await bot.service.app.store.reports.byFolio(original))?.history.at(-1)?.note).toBe("Es una vialidad estatal: corresponde a la Junta de Caminos");
  });
});

describe("the citizen answers the secretariat back", () => {
  it("after a public answer its author is asked whether to answer: what they type reaches the card's group, and a member's reply to it reaches them", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    const card = await fake.until(() => cardOf(group, folio));

    await pressOnCard(group, people.carlos, folio, "💬 Responder");
    const ask = await question(group, `Respuesta pública para ${folio}`);
    await group.reply(people.carlos, ask, "¿Nos puede decir entre qué calles está la luminaria exactamente?");
    await ana.expect("entre qué calles está la luminaria");
    await ana.expect("¿Quieres responderle al Secretariado Técnico?");

    // Typed straight away, without pressing a button: it is the answer, kept on the report and told in the group under the card.
    await ana.say("entre av. tecnologico y calle leona vicario, frente a la farmacia");
    await ana.expect("Se la hice llegar al Secretariado Técnico de Metepec");
    const relayed = await fake.until(() => group.messages.find((m) => m.text.startsWith(`💬 ${folio}: quien lo reportó respondió`)));
    expect(relayed.text).toContain("«entre av. tecnologico y calle leona vicario, frente a la farmacia»");
    expect(relayed.reply_to).toBe(card.message_id);
    expect((await bot.service.app.store.reports.byFolio(folio))?.notes.at(-1)).toMatchObject({ by: "citizen", text: expect.stringContaining("leona vicario") });
    const [event] = await bot.service.app.store.events.list({ type: "citizen_replied" }, 5);
    expect(JSON.stringify(event)).not.toContain("leona");
    await cardShows(group, folio, "leona vicario");

    // A member's reply to it is a new public answer, and asks again.
    await group.reply(people.carlos, relayed, "Gracias, mañana pasa la cuadrilla.");
    await ana.expect("«Gracias, mañana pasa la cuadrilla.»");
    await ana.expect("¿Quieres responderle al Secretariado Técnico?");
    await ana.press("No, gracias");
    await ana.expect(`Cuando haya novedades de tu reporte ${folio}, te aviso por aquí`);
    expect(group.messages.filter((m) => m.text.startsWith(`💬 ${folio}: quien lo reportó respondió`))).toEqual([relayed]);
    await fake.until(() => group.messages.find((m) => m.text.startsWith(`✅ ${folio}: respuesta enviada a la ciudadanía por Carlos`)));

    // Someone else typing the link (t.me/<bot>?start=reply-…) is not asked, and cannot write on it.
    const stranger = fake.user(5002);
    await stranger.say(`/start reply-${folio}`);
    const menu = await stranger.expect("¿Qué quieres hacer?");
    expect(menu.text).not.toContain("responderle");
  });

  it("an author's replies wait for the secretariat after a few: the link opened again says so, and the next answer opens them again", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    const answer = async (text: string) => {
      await pressOnCard(group, people.carlos, folio, "💬 Responder");
      await group.reply(people.carlos, await question(group, `Respuesta pública para ${folio}`), text);
      await ana.expect("¿Quieres responderle al Secretariado Técnico?");
      bot.clock.advance(60_000);
    };
    const relayed = () => group.messages.filter((m) => m.text.startsWith(`💬 ${folio}: quien lo reportó respondió`)).length;
    await answer("¿Entre qué calles está la luminaria?");
    for (const [n, text] of [
      "entre Hidalgo y Juárez",
      "está justo enfrente de la farmacia del centro",
      "la luminaria de enfrente tampoco prende desde el lunes",
    ].entries()) {
      // The first after the question; the others through the link typed again (t.me/<bot>?start=reply-…).
      if (n > 0) {
        await ana.say(`/start reply-${folio}`);
        await ana.expect("¿Quieres responderle al Secretariado Técnico?");
      }
      await ana.say(text);
      await ana.expect("Se la hice llegar");
      await fake.until(() => relayed() === n + 1 || undefined);
      bot.clock.advance(60_000);
    }
    await ana.say(`/start reply-${folio}`);
    await ana.expect(`Ya le enviaste varios mensajes al Secretariado Técnico sobre tu reporte ${folio}`);
    await ana.say("oigan ya vengan");
    await bot.service.app.dispatcher.sweep();
    expect(relayed()).toBe(3);
    expect((await bot.service.app.store.reports.byFolio(folio))?.notes.filter((n) => n.by === "citizen")).toHaveLength(3);
    // The secretariat answers: she may write again.
    await answer("Gracias, mañana pasa la cuadrilla.");
    await ana.say("perfecto, mañana estaremos esperando a la cuadrilla");
    await ana.expect("Se la hice llegar");
    await fake.until(() => relayed() === 4 || undefined);
  });

  it("a citizen's reply landing while a member writes a reason does not make the member's question out of date", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    await pressOnCard(group, people.carlos, folio, "💬 Responder");
    await group.reply(people.carlos, await question(group, `Respuesta pública para ${folio}`), "¿Sigue apagada?");
    await ana.expect("¿Quieres responderle al Secretariado Técnico?");
    await cardShows(group, folio, "¿Sigue apagada?");
    await pressOnCard(group, people.beatriz, folio, "⛔ No procede");
    const why = await question(group, `Motivo de «No procede» para ${folio}`);
    await ana.say("sí, sigue apagada desde el martes en la noche");
    await fake.until(() => group.messages.find((m) => m.text.startsWith(`💬 ${folio}: quien lo reportó respondió`)));
    await group.reply(people.beatriz, why, "Es una luminaria de la CFE, no del municipio");
    await cardShows(group, folio, "📌 Estado: No procede");
    expect(group.messages.some((m) => m.text.includes("cambió mientras escribías"))).toBe(false);
  });

  it("an anonymous author who hears back is asked, one who does not hears nothing; the reply goes with the citizen's data when erased", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const answer = async (folio: string, text: string) => {
      await pressOnCard(group, people.carlos, folio, "💬 Responder");
      await group.reply(people.carlos, await question(group, `Respuesta pública para ${folio}`), text);
      await cardShows(group, folio, text);
    };
    const bob = fake.user(5003);
    const silent = await telegramReport(bob, { anonymous: true });
    const carla = fake.user(5004);
    const heard = await telegramReport(carla, { anonymous: "follow" });
    await answer(silent, "Gracias, lo revisamos.");
    await answer(heard, "¿Sigue apagada?");
    await carla.expect("«¿Sigue apagada?»");
    await carla.expect("¿Quieres responderle al Secretariado Técnico?");
    await bot.service.app.dispatcher.sweep();
    expect(bob.messages.some((m) => m.text.includes("respondió") || m.text.includes("responderle"))).toBe(false);

    // Ana's reply, then her data erased: the report keeps no word of hers; the members' notes stay.
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    await pressOnCard(group, people.carlos, folio, "🔒 Nota interna");
    await group.reply(people.carlos, await question(group, `Nota interna para ${folio}`), "Revisar con Obras");
    await cardShows(group, folio, "Revisar con Obras");
    await answer(folio, "¿Sigue apagada la luminaria?");
    await ana.expect("¿Quieres responderle al Secretariado Técnico?");
    await ana.press("Responder");
    await ana.expect("Escribe tu respuesta para el Secretariado Técnico");
    await ana.say("sí, sigue apagada, mi número es 722 555 0199");
    await ana.expect("Se la hice llegar");
    expect((await bot.service.app.store.reports.byFolio(folio))?.notes.map((n) => n.by)).toEqual([expect.any(String), "citizen"]);
    // Hers, so in what «mis datos» gives her.
    const held = await bot.service.app.dataRights.held("telegram:5001");
    expect(held.reports.find((r) => r.folio === folio)?.replies).toEqual([{ at: expect.any(String), text: "sí, sigue apagada, mi número es 722 555 0199" }]);
    await ana.say("borrar mis datos");
    await ana.press("Sí");
    await ana.expect("Listo, borramos tus datos");
    expect(await bot.service.app.store.reports.byFolio(folio)).toMatchObject({
      citizenId: null,
      notes: [expect.objectContaining({ text: "Revisar con Obras" })],
    });
  });
});

describe("publishing a report's public text for open data", () => {
  it("🌐 Publicar texto asks for it with the description as suggestion; a text with personal data is refused and explained; open data then shows it", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const folio = await consoleReport("luis");
    const card = await fake.until(() => cardOf(group, folio));
    expect(buttons(card)).toContain("🌐 Publicar texto");
    // Not a member of Metepec: refused, nothing asked.
    expect(await pressOnCard(group, people.tomas, folio, "🌐 Publicar texto")).toMatchObject({ show_alert: true });
    expect(group.messages.filter((m) => m.reply_markup?.force_reply)).toHaveLength(0);

    await pressOnCard(group, people.carlos, folio, "🌐 Publicar texto");
    const ask = await question(group, `Texto público de ${folio} para datos abiertos`);
    expect(ask.reply_markup).toMatchObject({ force_reply: true, selective: true });
    expect(ask.text).toContain("1. Hay un bache enorme frente a la escuela primaria");
    await group.reply(people.carlos, ask, "Bache frente a la primaria; avisar al 722 555 0199");
    await fake.until(() => group.messages.find((m) => m.text.startsWith("No lo guardé: el texto parece tener un teléfono")));
    expect((await bot.service.app.store.reports.byFolio(folio))?.publication ?? null).toBeNull();
    // The question is still open: "1" publishes the suggestion.
    await group.reply(people.carlos, ask, "1");
    await fake.until(() => (group.messages.find((m) => m.message_id === ask.message_id)?.text.startsWith("✅") ? true : undefined));
    await cardShows(group, folio, "🌐 Texto público (datos abiertos): Hay un bache enorme frente a la escuela primaria");
    const open = await bot.service.server.inject({ method: "GET", url: `/open311/v2/requests/${folio}.json` });
    expect(open.json()[0]).toMatchObject({ service_request_id: folio, description: "Hay un bache enorme frente a la escuela primaria" });
    const trail = await bot.service.app.store.events.list({ type: "report_published" }, 5);
    expect(trail).toEqual([expect.objectContaining({ report: expect.any(String), data: expect.objectContaining({ description: true }) })]);
  });

  it("a description with personal data is not offered as the suggestion", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const app = bot.service.app;
    const citizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user: "pepe", lang: "es-MX" });
    let out = "";
    for (const line of ["hola", "1", "sí", "Metepec", "2"]) out += await citizen.receive(line);
    if (out.includes("¿Es el mismo problema?")) out += await citizen.receive("Es otro problema");
    for (const line of ["Bache en mi calle, llámenme al 722 555 0199", "Dejarla así", "omitir", "omitir", "2", "1"]) out += await citizen.receive(line);
    const folio = /folio (MET-\d{4}-\d{6})/.exec(out)?.[1] as string;
    expect(folio).toBeDefined();
    await fake.until(() => cardOf(group, folio));
    await pressOnCard(group, people.beatriz, folio, "🌐 Publicar texto");
    const ask = await question(group, `Texto público de ${folio}`);
    expect(ask.text).not.toContain("722 555 0199");
    expect(ask.text).not.toContain("Sugerencia");
    await group.reply(people.beatriz, ask, "Bache en una calle de la colonia");
    await cardShows(group, folio, "🌐 Texto público (datos abiertos): Bache en una calle de la colonia");
  });
});

describe("after the change", () => {
  it("a reopened report comes back as a new card with its history; the old card loses its buttons", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    await pressOnCard(group, people.beatriz, folio, "✅ Resuelto");
    const old = await cardShows(group, folio, "📌 Estado: Resuelto");
    await ana.expect(`¿Se resolvió el problema del reporte ${folio}`);
    const report = await bot.service.app.store.reports.byFolio(folio);
    // The citizen says it is not solved (the citizen's side calls the same operation).
    expect((await bot.service.app.secretariat.triage.reopen(report?.id as string)).ok).toBe(true);
    const fresh = await fake.until(() => {
      const c = cardOf(group, folio);
      return c && c.message_id !== old.message_id ? c : undefined;
    });
    expect(fresh.text).toContain("📌 Estado: En atención");
    expect(fresh.text).toContain("♻️ Reabierto: la ciudadanía dice que el problema sigue.");
    expect(fresh.text).toMatch(/Historial:\n• .*: Recibido\n• .*: Resuelto\n• .*: reabierto por la ciudadanía/);
    expect(buttons(fresh)).toContain("✅ Resuelto");
    const retired = await fake.until(() => {
      const m = group.messages.find((x) => x.message_id === old.message_id);
      return m?.text.includes("Reabierto: sigue en su tarjeta nueva") ? m : undefined;
    });
    expect(buttons(retired)).toEqual([]);
    // The citizen is not told of their own reopening.
    expect(ana.messages.filter((m) => m.text.includes("cambió de estado")).length).toBe(1);
  });

  it("an anonymous report's folio holder saying it is not solved brings it back as a new card to decide on, once; the report stays resolved", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5002);
    const folio = await telegramReport(ana, { anonymous: true });
    await pressOnCard(group, people.beatriz, folio, "✅ Resuelto");
    const old = await cardShows(group, folio, "📌 Estado: Resuelto");
    const report = await bot.service.app.store.reports.byFolio(folio);
    // Two holders of the folio, linked in no way, say «no» (the citizen's side calls the same operation).
    const { triage } = bot.service.app.secretariat;
    expect((await triage.dispute(report?.id as string)).ok).toBe(true);
    expect((await triage.dispute(report?.id as string)).ok).toBe(true);
    const fresh = await fake.until(() => {
      const c = cardOf(group, folio);
      return c && c.message_id !== old.message_id ? c : undefined;
    });
    expect(fresh.text).toContain("📌 Estado: Resuelto");
    expect(fresh.text).toContain("⚠️ Alguien con el folio de este reporte anónimo dice que el problema sigue. Revísalo y, si corresponde, reábrelo.");
    expect(fresh.text).toMatch(/Historial:\n• .*: Recibido\n• .*: Resuelto\n• .*: alguien con el folio dijo que sigue sin resolverse$/m);
    // The group decides: it may reopen it from the card.
    expect(buttons(fresh)).toContain("🛠 En atención");
    const retired = await fake.until(() => {
      const m = group.messages.find((x) => x.message_id === old.message_id);
      return m?.text.includes("⚠️ Puesto en duda: sigue en su tarjeta nueva.") ? m : undefined;
    });
    expect(buttons(retired)).toEqual([]);
    const after = await bot.service.app.store.reports.byFolio(folio);
    expect(after?.status).toBe("resuelto");
    expect(after?.history.filter((h) => h.kind === "disputed")).toHaveLength(1);
    expect(await bot.service.app.store.events.list({ report: after?.id, type: "resolution_disputed" }, 10)).toHaveLength(1);
    // Only one new card, and nobody was told of it.
    expect(group.messages.filter((m) => m.text.includes(folio)).length).toBe(2);
    expect(ana.messages.filter((m) => m.text.includes("sigue sin resolverse")).length).toBe(0);
  });

  it("disputes come back as new cards up to ten an hour in a group; beyond, the card is edited in place", async () => {
    const { fake, bot } = await start();
    const members = await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const { triage } = bot.service.app.secretariat;
    const folios: string[] = [];
    for (let i = 0; i < 11; i++) folios.push(await telegramReport(fake.user(5200 + i), { anonymous: true }));
    const before = new Map<string, number>();
    for (const folio of folios) {
      const report = await bot.service.app.store.reports.byFolio(folio);
      expect((await triage.changeStatus(report?.id as string, report?.version as number, members.beatriz, { to: "resuelto" })).ok).toBe(true);
      before.set(folio, (await cardShows(group, folio, "📌 Estado: Resuelto")).message_id);
    }
    for (const folio of folios) {
      const report = await bot.service.app.store.reports.byFolio(folio);
      expect((await triage.dispute(report?.id as string)).ok).toBe(true);
    }
    const warned = (folio: string) => cardOf(group, folio)?.text.includes("⚠️ Alguien con el folio") === true;
    await fake.until(() => (folios.every(warned) ? true : undefined));
    const renewed = folios.filter((folio) => cardOf(group, folio)?.message_id !== before.get(folio));
    expect(renewed).toEqual(folios.slice(0, 10));
    // The eleventh is shown on its own card, edited: it keeps its buttons to reopen it.
    const last = cardOf(group, folios[10]);
    expect(last?.message_id).toBe(before.get(folios[10]));
    expect(buttons(last)).toContain("🛠 En atención");
  });

  it("a crash between a status change and its card and notice: both happen exactly once after the restart", async () => {
    const { fake } = telegram;
    let { bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001);
    const folio = await telegramReport(ana);
    await fake.until(() => cardOf(group, folio));
    // The process dies right after the change is written: nothing it sets off has run.
    await bot.service.app.dispatcher.stop();
    await pressOnCard(group, people.beatriz, folio, "🔎 En revisión");
    expect((await bot.service.app.store.reports.byFolio(folio))?.dispatchPending).toBe(true);
    expect(cardOf(group, folio)?.text).toContain("📌 Estado: Recibido");
    bot = await bot.restart();
    await cardShows(group, folio, "📌 Estado: En revisión");
    await ana.expect("ahora está «En revisión»");

    // And a crash after the card and notice went out but before the report was marked done: nothing twice.
    const store = bot.service.app.store;
    const mark = store.reports.markDispatched.bind(store.reports);
    let failures = 1;
    store.reports.markDispatched = async (id, version) => {
      if (failures-- > 0) throw new Error("the process died here");
      return mark(id, version);
    };
    await pressOnCard(group, people.beatriz, folio, "🛠 En atención");
    await cardShows(group, folio, "📌 Estado: En atención");
    await ana.expect("ahora está «En atención»");
    expect((await store.reports.byFolio(folio))?.dispatchPending).toBe(true);
    const edits = fake.callsOf("editMessageText").length;
    await bot.service.app.dispatcher.sweep();
    await bot.service.app.delivery.runOnce("telegram");
    expect((await store.reports.byFolio(folio))?.dispatchPending).toBe(false);
    expect(fake.callsOf("editMessageText").length).toBe(edits);
    const said = (text: string) => ana.messages.filter((m) => m.text.includes(text)).length;
    expect([said("«En revisión»"), said("«En atención»")]).toEqual([1, 1]);
    expect(group.messages.filter((m) => m.text.startsWith(`🗂 ${folio}`))).toHaveLength(1);
  });
});

describe("hablar: a conversation with a person", () => {
  it("reaches the group as a card; the citizen's messages go there and a member's replies come back, until the citizen leaves", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5001, { first_name: "Ana María" });
    await ana.say("quiero hablar con una persona");
    // Asked for a person, not for a report: the consent says what it is for.
    await ana.expect("¿Aceptas el aviso de privacidad para que el Secretariado Técnico lea tus mensajes y te conteste por este chat?");
    expect(ana.messages.map((m) => m.text).join("\n")).not.toContain("continuar con tu reporte");
    await ana.press("Sí");
    await ana.expect("¿Con el Secretariado Técnico de qué municipio quieres hablar?");
    await ana.say("metepek");
    await ana.expect("avisé al Secretariado Técnico de Metepec");
    const card = await fake.until(() => group.messages.find((m) => m.text.startsWith("🙋 Alguien pide hablar")));
    expect(card.text).toMatch(/\(H-[0-9A-F]{6}\)/);
    expect(card.text).toContain("Canal: Telegram · Idioma: Español");
    expect(buttons(card)).toEqual(["Cerrar conversación"]);

    await ana.say("Hola, en mi calle no ha pasado la basura en dos semanas");
    await ana.expect("✓ Enviado al Secretariado");
    const relayed = await fake.until(() => group.messages.find((m) => m.text.includes("no ha pasado la basura")));
    expect(relayed.text).toMatch(/^💬 H-[0-9A-F]{6}: Hola, en mi calle/);
    expect(relayed.reply_to).toBe(card.message_id);
    // The group never sees who the citizen is.
    expect(group.messages.map((m) => m.text).join("\n")).not.toMatch(/\b5001\b|Ana María/);

    // A member answers by replying; a member of another municipality cannot.
    await group.reply(people.beatriz, relayed, "Hola, ¿en qué colonia? Lo pasamos a Servicios Públicos");
    await ana.expect("Secretariado Técnico de Metepec:\nHola, ¿en qué colonia? Lo pasamos a Servicios Públicos");
    await fake.until(() => fake.reactions.find((r) => r.chat_id === METEPEC_GROUP));
    await group.reply(people.tomas, card, "Soy de Toluca");
    await fake.until(() =>
      group.messages.find((m) => m.text.startsWith("Solo los integrantes del Secretariado Técnico de Metepec pueden atender esta conversación")),
    );
    await ana.say("Colonia Centro, calle Juárez");
    await fake.until(() => group.messages.find((m) => m.text.includes("Colonia Centro, calle Juárez")));
    expect(ana.messages.filter((m) => m.text.includes("Soy de Toluca"))).toHaveLength(0);
    expect(ana.messages.filter((m) => m.text.includes("¿en qué colonia?"))).toHaveLength(1);

    // An hour later (longer than a conversation's timeout) the conversation is still open.
    bot.clock.advance(60 * 60 * 1000);
    await group.reply(people.carlos, card, "Mañana pasa el camión");
    await ana.expect("Mañana pasa el camión");
    await ana.say("Gracias");
    await fake.until(() => group.messages.find((m) => m.text.endsWith(": Gracias")));

    // The citizen leaves with "menú": the group is told, and nothing more goes there.
    await ana.say("menú");
    await ana.expect("Terminaste la conversación con el Secretariado Técnico.");
    await ana.expect("¿Qué quieres hacer?");
    await fake.until(() => group.messages.find((m) => m.text.includes("la persona terminó la conversación")));
    expect(group.messages.find((m) => m.message_id === card.message_id)?.reply_markup?.inline_keyboard ?? []).toEqual([]);
    const before = group.messages.length;
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    expect(group.messages.length).toBe(before);
    // Nothing of what was said, nor who said it, reaches the logs or the trail.
    expect(bot.logs.text).not.toMatch(/basura|colonia|Ana María|\b5001\b/i);
    const trail = await bot.service.app.store.events.list({ municipality: METEPEC }, 50);
    expect(trail.map((e) => e.type)).toEqual(expect.arrayContaining(["handoff_requested", "handoff_replied", "handoff_closed"]));
    expect(JSON.stringify(trail)).not.toMatch(/basura|colonia/i);
  });

  it("a member closes it: the citizen is told once, and their next message goes back to the menu", async () => {
    const { fake, bot } = await start();
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const ana = fake.user(5002);
    await ana.say("/hablar");
    await ana.press("Sí");
    await ana.say("Metepec");
    const card = await fake.until(() => group.messages.find((m) => m.text.startsWith("🙋 Alguien pide hablar")));
    const before = fake.callsOf("answerCallbackQuery").length;
    await group.press(people.tomas, "Cerrar conversación", card);
    expect(await answered(before)).toMatchObject({ show_alert: true });
    await group.press(people.beatriz, "Cerrar conversación", card);
    await ana.expect("El Secretariado Técnico de Metepec cerró la conversación");
    await fake.until(() => group.messages.find((m) => m.text.includes("conversación cerrada por Beatriz López")));
    await ana.say("¿sigue ahí alguien?");
    await ana.expect("La conversación con el Secretariado Técnico terminó.");
    await ana.expect("¿Qué quieres hacer?");
    expect(ana.messages.filter((m) => m.text.includes("cerró la conversación"))).toHaveLength(1);
    // A municipality without a group: nobody to reach, said plainly.
    await ana.say("hablar");
    await ana.say("Toluca");
    await ana.expect("el Secretariado Técnico de Toluca no atiende conversaciones por este chat");
    // Asked for a person of a municipality: the consent is for that, and the municipality named is kept.
    const luis = fake.user(5004);
    await luis.say("quiero hablar con alguien de Metepec");
    await luis.expect("¿Aceptas el aviso de privacidad para que el Secretariado Técnico lea tus mensajes");
    await luis.press("Sí");
    await luis.expect("avisé al Secretariado Técnico de Metepec");
    const said = luis.messages.map((m) => m.text).join("\n");
    expect(said).not.toContain("continuar con tu reporte");
    expect(said).not.toContain("¿Con el Secretariado Técnico de qué municipio");
  });

  it("with no secretariat group linked anywhere, or only one the bot can no longer use, says so at once: no consent, no municipality asked for nothing", async () => {
    const { fake, bot } = await start();
    // The one group linked was left by the bot: it cannot be used.
    await bot.service.app.store.chats.save({
      chatId: String(METEPEC_GROUP),
      purpose: "secretariat",
      municipality: METEPEC,
      title: "Secretariado Metepec",
      linkedBy: "admin",
      linkedAt: bot.clock.now(),
      problem: "removed",
    });
    const ana = fake.user(5003);
    await ana.say("quiero hablar con una persona");
    await ana.expect("Por ahora ningún Secretariado Técnico atiende conversaciones por este chat");
    await ana.expect("¿Qué quieres hacer?");
    const said = ana.messages.map((m) => m.text).join("\n");
    expect(said).not.toContain("¿Aceptas el aviso de privacidad");
    expect(said).not.toContain("¿Con el Secretariado Técnico de qué municipio");
  });
});

describe("the daily digest", () => {
  it("each group gets one a day at the hour set, with new, open and overdue reports, even across restarts", async () => {
    // At hour 0 the day's digest is always due: the test does not depend on the time it runs.
    const { fake } = telegram;
    let { bot } = await start({ DIGEST_HOUR: "0" });
    await addMembers(bot);
    const group = await linkedGroup(fake, METEPEC_GROUP, "Secretariado Metepec", people.beatriz, "Metepec");
    const toluca = await linkedGroup(fake, TOLUCA_GROUP, "Secretariado Toluca", people.tomas, "Toluca");
    const older = await consoleReport("luis");
    await fake.until(() => cardOf(group, older));
    // Three days in "recibido", where two are allowed (config/statuses.yaml).
    bot.clock.advance(3 * 24 * 60 * 60 * 1000);
    const newer = await consoleReport("marta");
    await fake.until(() => cardOf(group, newer));
    // A data request (ARCO) that waits for a person: a line of Metepec's digest only.
    const request = await bot.service.app.dataRights.record("rectification", { id: "console:marta", municipality: METEPEC }, "pending");
    const digest = bot.service.secretariat?.digest;
    expect(await digest?.runOnce()).toBe(2);
    const sent = await fake.until(() => group.messages.find((m) => m.text.startsWith("📊 Resumen diario del Secretariado Técnico de Metepec")));
    // The first digest covers the last day: the older report is not new any more.
    expect(sent.text).toContain(`🆕 1 reporte nuevo desde el último resumen:\n• ${newer}: Baches y calles\n`);
    expect(sent.text).toContain("📂 Abiertos por estado:\n• Recibido: 2");
    expect(sent.text).toContain(`⏰ Atrasados:\n• ${older}: Recibido desde hace 3 días (plazo 2)`);
    expect(sent.text).not.toContain(`• ${newer}: Recibido desde`);
    expect(sent.text).toContain(`🔐 1 solicitud de datos personales (ARCO) espera a una persona; vence el ${request.deadline}.`);
    const tolucaDigest = await fake.until(() => toluca.messages.find((m) => m.text.includes("🆕 Ningún reporte nuevo desde el último resumen.")));
    expect(tolucaDigest.text).not.toContain("ARCO");

    // Once a day, whatever the restarts.
    expect(await digest?.runOnce()).toBe(0);
    bot = await bot.restart();
    expect(await bot.service.secretariat?.digest.runOnce()).toBe(0);
    expect(group.messages.filter((m) => m.text.startsWith("📊"))).toHaveLength(1);
    // The next day, the next one: new since the last digest only.
    bot.clock.advance(24 * 60 * 60 * 1000);
    expect(await bot.service.secretariat?.digest.runOnce()).toBe(2);
    const next = await fake.until(() => group.messages.filter((m) => m.text.startsWith("📊"))[1]);
    expect(next.text).toContain("🆕 Ningún reporte nuevo desde el último resumen.");
    expect(next.text).toMatch(new RegExp(`⏰ Atrasados:\\n• ${older}: Recibido desde hace 4 días \\(plazo 2\\)\\n\\n🔐 1 solicitud`));
    expect(next.text).not.toContain(`• ${newer}: Recibido desde`);
  });
});

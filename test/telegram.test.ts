/**
 * The Telegram channel end to end: the production adapter (grammY, runner, auto-retry, throttler)
 * against a fake Bot API on 127.0.0.1, with users who press buttons, share locations and send photos.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buttons, type FakeUser } from "./fakes/bot-api.js";
import { fakeTelegramPerTest, freePort } from "./helpers/service.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
/** The Infoem office, in Metepec. */
const METEPEC = { latitude: 19.2566, longitude: -99.6047 };

const telegram = fakeTelegramPerTest();

/** From /start to a folio, through buttons, a shared location and a photo. */
async function reportWithButtons(ana: FakeUser): Promise<string> {
  await ana.say("/start");
  const menu = await ana.expect("¿Qué quieres hacer?");
  expect(buttons(menu)).toEqual([
    "Reportar un problema",
    "Consultar mi reporte",
    "Conocer el Gobierno Abierto",
    "Compromisos de mi municipio",
    "Avisos de mi municipio",
    "Idioma / Language",
  ]);
  await ana.press("Reportar un problema");
  await ana.expect("Aviso de privacidad");
  await ana.expect("¿Aceptas el aviso de privacidad");
  await ana.press("Sí");
  const where = await ana.expect("Comparte tu ubicación");
  expect(where.reply_markup?.keyboard).toEqual([[{ text: "📍 Enviar mi ubicación", request_location: true }]]);
  await ana.shareLocation(METEPEC.latitude, METEPEC.longitude);
  const category = await ana.expect(/tipo de problema.*en Metepec/s);
  expect(buttons(category)).toContain("Alumbrado público");
  await ana.press("Alumbrado público");
  await ana.expect("Describe el problema");
  await ana.say("La luminaria de la esquina lleva dos semanas apagada y la calle está muy oscura");
  const photo = await ana.expect("envíala ahora");
  expect(photo.text).toContain("📎");
  expect(buttons(photo)).toEqual(["Omitir"]);
  await ana.sendPhoto(await readFile(join(FIXTURES, "bache.png")));
  await ana.expect("¿Cómo quieres enviar tu reporte?");
  await ana.press("Con seguimiento por este chat");
  const summary = await ana.expect("Revisa tu reporte");
  expect(summary.text).toContain("Foto: incluida");
  expect(summary.text).toContain("Ubicación: incluida");
  return sendReport(ana);
}

/** «Enviar reporte» pressed at the summary: the folio the citizen gets. */
async function sendReport(ana: FakeUser): Promise<string> {
  await ana.press("Enviar reporte");
  return /folio (MET-\d{4}-\d{6})/.exec((await ana.expect(/folio MET-/)).text)?.[1] as string;
}

describe("telegram, long polling", () => {
  it("a citizen reports a problem with buttons, a shared location and a photo, and gets a folio", async () => {
    const { fake, bot } = await telegram.start();
    const ana = fake.user(5001);
    const folio = await reportWithButtons(ana);
    expect(folio).toMatch(/^MET-\d{4}-000001$/);

    const report = await bot.service.app.store.reports.byFolio(folio);
    expect(report).toMatchObject({ municipality: "15054", category: "alumbrado", channel: "telegram", location: METEPEC });
    expect(report?.photos).toHaveLength(1);
    const photo = await bot.service.app.store.media.get(report?.photos[0] as string);
    expect(photo?.data.equals(await readFile(join(FIXTURES, "bache.png")))).toBe(true);

    // Pressed questions lose their buttons and show the answer; every press was answered.
    const consent = ana.messages.find((m) => m.text.includes("¿Aceptas el aviso"));
    expect(consent?.text).toMatch(/✅ Sí$/);
    expect(consent?.reply_markup?.inline_keyboard).toBeUndefined();
    expect(fake.callsOf("answerCallbackQuery")).toHaveLength(5);
    // The location keyboard went away with the next plain message.
    expect(fake.callsOf("sendMessage").some((c) => (c.payload.reply_markup as { remove_keyboard?: boolean })?.remove_keyboard)).toBe(true);
    // The command menu is registered in Spanish (default and "es") and English; groups get the secretariat's own.
    expect(fake.commands.map((c) => [c.scope, c.language_code])).toEqual([
      [undefined, undefined],
      [undefined, "es"],
      [undefined, "en"],
      ["all_group_chats", undefined],
      ["all_group_chats", "es"],
      ["all_group_chats", "en"],
    ]);
    expect(fake.commands[2].commands.map((c) => c.command)).toContain("report");
    expect(fake.commands[1].commands.map((c) => c.command)).toContain("reportar");
    expect(fake.commands[4].commands.map((c) => c.command)).toEqual([
      "ayuda",
      "aviso",
      "avisos_estado",
      "compromisos",
      "vincular",
      "vincular_avisos",
      "desvincular",
    ]);
    expect(fake.commands[4].commands.map((c) => c.command)).not.toContain("reportar");
    // Nothing the citizen wrote, and not the token, reaches the logs.
    expect(bot.logs.text).not.toContain("luminaria");
    expect(bot.logs.text).not.toContain(fake.token);
    expect(bot.logs.lines.some((l) => l.msg === "telegram on" && l.bot === "@MunicipioAbiertoBot")).toBe(true);
  });

  it("follows a report by its folio from a deep link and from the command", async () => {
    const { fake } = await telegram.start();
    const folio = await reportWithButtons(fake.user(5002));

    const luis = fake.user(5003);
    await luis.say(`/start folio-${folio}`);
    const status = await luis.expect(`Folio ${folio} — Metepec`);
    expect(status.text).toContain("Estado actual: Recibido");

    await luis.say("/seguimiento");
    await luis.expect("Escribe el folio de tu reporte");
    await luis.say(folio.toLowerCase().replace(/-/g, " "));
    await luis.expect(`Folio ${folio}`);
  });

  it("opens a report with the municipality preset by a link, and learns in English from language_code", async () => {
    const { fake } = await telegram.start();
    const ana = fake.user(5004);
    await ana.say("/start m-15106");
    await ana.press("Sí");
    await ana.expect(/tipo de problema.*en Toluca/s);
    // A link no flow declares (an old poster, a typo) opens the menu.
    await ana.say("/start no-such-link");
    await ana.expect("¿Qué quieres hacer?");

    const john = fake.user(5005, { language_code: "en" });
    await john.say("/start");
    await john.expect("Hello! I am Municipio Abierto");
    await john.say("/learn");
    const learn = await john.expect("What would you like to learn about?");
    await john.press("What is open government?", learn);
    await john.expect(/open government/i);
  });

  it("answers what it cannot use kindly and keeps the conversation where it was", async () => {
    const { fake } = await telegram.start();
    const ana = fake.user(5006);
    await ana.say("/aprender");
    await ana.expect("¿Qué quieres conocer?");
    await ana.send({ sticker: { file_id: "s1", file_unique_id: "s1", type: "regular", width: 512, height: 512, is_animated: false, is_video: false } });
    await ana.expect("solo entiendo texto, fotos y ubicaciones");
    await ana.expect("¿Qué quieres conocer?");
    await ana.send({ voice: { file_id: "v1", file_unique_id: "v1", duration: 3 } });
    await ana.expect("notas de voz");
    await ana.expect("¿Qué quieres conocer?");
    const first = await ana.say("hola");
    await ana.edit(first, "hola de nuevo");
    await ana.expect("editaste un mensaje");
    await ana.send({ document: { file_id: "d1", file_unique_id: "d1", file_name: "oficio.pdf", mime_type: "application/pdf" } });
    await ana.expect("solo entiendo texto");
    await ana.send({ poll: { id: "p1", question: "¿?", options: [], total_voter_count: 0, is_closed: false, is_anonymous: true, type: "regular" } });
    await ana.expect("solo entiendo texto");
  });

  it("refuses a press on an old question's buttons, and removes buttons a typed answer made stale", async () => {
    const { fake } = await telegram.start();
    const ana = fake.user(5007);
    await ana.say("/start");
    const menu = await ana.expect("¿Qué quieres hacer?");
    await ana.say("3");
    const topics = await ana.expect("¿Qué quieres conocer?");
    // Typing "3" answered the menu: its buttons were removed.
    expect(menu.reply_markup?.inline_keyboard).toBeUndefined();
    // An old button still on screen (a client that missed the edit) is refused.
    const before = fake.sent.length;
    await ana.press("Reportar un problema", { ...menu, reply_markup: { inline_keyboard: [[{ text: "Reportar un problema", callback_data: "report" }]] } });
    await fake.until(() => fake.callsOf("answerCallbackQuery").find((c) => c.payload.text));
    expect(String(fake.callsOf("answerCallbackQuery").at(-1)?.payload.text)).toContain("Esa pregunta ya pasó");
    expect(fake.sent.slice(before).filter((m) => m.chat_id === ana.chatId)).toHaveLength(0);
    await ana.press("¿Qué es el Gobierno Abierto?", topics);
    await ana.expect(/nueva forma de gobernanza/);
  });

  it("in a group, answers a mention or a citizens' command with a button to a private chat and runs no conversation", async () => {
    const { fake, bot } = await telegram.start();
    const group = { id: -100200300, type: "supergroup", title: "Vecinos de Metepec" };
    const from = { id: 5008, is_bot: false, first_name: "Ana", language_code: "es" };
    await fake.push({ message: { message_id: 1, date: 0, chat: group, from, text: "buenos días a todos" } });
    const text = "@MunicipioAbiertoBot ¿cómo reporto un bache?";
    await fake.push({ message: { message_id: 2, date: 0, chat: group, from, text, entities: [{ type: "mention", offset: 0, length: 20 }] } });
    const hello = await fake.until(() => fake.sent.find((m) => m.chat_id === group.id));
    expect(hello.text).toContain("escríbeme en privado");
    expect(hello.reply_markup?.inline_keyboard?.[0][0]).toMatchObject({ url: "https://t.me/MunicipioAbiertoBot?start=menu" });
    expect(fake.sent.filter((m) => m.chat_id === group.id)).toHaveLength(1);
    expect(await bot.service.app.store.conversations.get(`telegram:${group.id}`)).toBeNull();
    // One of the citizens' commands typed there without naming a bot is for it too; another bot's, or an unknown one, is not.
    const command = (id: number, text: string) =>
      fake.push({
        message: { message_id: id, date: 0, chat: group, from, text, entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0].length }] },
      });
    await command(3, "/reportar");
    await fake.until(() => (fake.sent.filter((m) => m.chat_id === group.id).length === 2 ? true : undefined));
    expect(fake.sent.filter((m) => m.chat_id === group.id).at(-1)?.text).toContain("escríbeme en privado");
    await command(4, "/reportar@OtroBot");
    await command(5, "/encuesta");
    await fake.push({ message: { message_id: 6, date: 0, chat: group, from, text: "ok" } });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sent.filter((m) => m.chat_id === group.id)).toHaveLength(2);
  });

  it("resumes a conversation after a restart, and processes no update twice", async () => {
    const { fake } = telegram;
    let { bot } = await telegram.start();
    const ana = fake.user(5009);
    await ana.say("/reportar");
    await ana.press("Sí");
    await ana.expect("Comparte tu ubicación");
    bot = await bot.restart();
    await ana.shareLocation(METEPEC.latitude, METEPEC.longitude);
    await ana.expect(/tipo de problema.*en Metepec/s);
    // Nothing from before the restart was answered again.
    expect(ana.messages.filter((m) => m.text.includes("Aviso de privacidad"))).toHaveLength(1);
  });

  it("after a crash, answers the message the dead process had taken from Telegram but not finished", async () => {
    const { fake } = telegram;
    let { bot } = await telegram.start();
    const ana = fake.user(5013);
    await ana.say("/start");
    await ana.expect("¿Qué quieres hacer?");
    const { dataDir, clock } = bot;
    // What a process leaves when it dies mid-message: the update confirmed to Telegram, its claim unfinished.
    const journaled = {
      channel: "telegram" as const,
      chatId: String(ana.chatId),
      messageId: `${fake.bot.id}:999999`,
      content: { type: "text" as const, text: "3" },
    };
    expect(await bot.service.app.conversations.journal(journaled)).toBe("claimed");
    await bot.stop();
    // With the embedded store (one process per folder) the new process takes it over at once, no lease to wait.
    clock.advance(1000);
    ({ bot } = await telegram.start({}, { dataDir, clock }));
    const learn = await fake.until(() => ana.messages.find((m) => m.text.includes("¿Qué quieres conocer?")), 5000, "the recovered answer");
    expect(buttons(learn)).toContain("¿Qué es el Gobierno Abierto?");
    expect(bot.logs.lines.some((l) => l.msg === "recovered messages a stopped process had not finished" && l.messages === 1)).toBe(true);
    // Recovered once: a second sweep finds nothing.
    expect(await bot.service.app.conversations.recover()).toBe(0);
  });

  it("waits and retries when Telegram answers 429 Too Many Requests", async () => {
    const { fake, bot } = await telegram.start();
    fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
    const ana = fake.user(5010);
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?", 8000);
    const attempts = fake.callsOf("sendMessage").filter((c) => String(c.payload.chat_id) === String(ana.chatId));
    expect(attempts.length).toBe(ana.messages.length + 1);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(900);
    expect(bot.logs.text).toContain('"code":429');
  });

  it("works with Telegram's rate limits on", async () => {
    const { fake } = await telegram.start({ TELEGRAM_THROTTLE: "true" });
    const john = fake.user(5011, { language_code: "en" });
    await john.say("/start");
    const menu = await john.expect("What would you like to do?");
    expect(buttons(menu)).toContain("Report a problem");
  });

  it("a photo sent before the privacy notice is accepted opens a report and is neither downloaded nor stored", async () => {
    const { fake } = await telegram.start();
    const ana = fake.user(5014);
    await ana.say("/start");
    await ana.expect("¿Qué quieres hacer?");
    await ana.sendPhoto(await readFile(join(FIXTURES, "photos", "photo.jpg")));
    await ana.expect("Todavía no guardé tu foto");
    await ana.expect("¿Aceptas el aviso de privacidad");
    expect(fake.callsOf("getFile")).toHaveLength(0);
  });

  it("a photo with the problem written under it files a report with that description and that photo", async () => {
    const { fake, bot } = await telegram.start();
    const ana = fake.user(5015);
    // A citizen who accepted the notice before (another report) starts with a photo and its caption.
    await ana.say("/reportar");
    await ana.press("Sí");
    await ana.say("/cancelar");
    await ana.sendPhoto(await readFile(join(FIXTURES, "bache.png")), "Hay un bache enorme frente a la escuela primaria de Metepec, ya se ponchó una llanta");
    await ana.expect("Guardé tu foto para tu reporte");
    const confirm = await ana.expect("¿Es correcto?");
    expect(confirm.text).toContain("Metepec");
    await ana.press("Sí");
    await ana.expect("¿Usamos lo que escribiste como descripción");
    await ana.press("Sí");
    await ana.expect("Agregué la foto que enviaste");
    // The photo question is not asked: the place is.
    await ana.expect("ubicación exacta");
    expect(ana.messages.some((m) => m.text.includes("envíala ahora"))).toBe(false);
    await ana.say("Av. Juárez 12, col. Centro");
    await ana.press("Con seguimiento por este chat");
    const summary = await ana.expect("Revisa tu reporte");
    expect(summary.text).toMatch(/Foto: incluida/);
    const report = await bot.service.app.store.reports.byFolio(await sendReport(ana));
    expect(report?.description).toContain("ya se ponchó una llanta");
    expect(report?.photos).toHaveLength(1);
    expect(fake.callsOf("getFile")).toHaveLength(1);
  });

  it("at the photo question, a photo with the place written under it answers both questions", async () => {
    const { fake, bot } = await telegram.start();
    const ana = fake.user(5016);
    await ana.say("/reportar");
    await ana.press("Sí");
    await ana.say("Metepec");
    await ana.press("Baches y calles");
    await ana.say("Hay un bache enorme frente a la escuela primaria");
    await ana.expect("envíala ahora");
    await ana.sendPhoto(await readFile(join(FIXTURES, "bache.png")), "está en la calle Hidalgo 23, colonia Centro");
    await ana.expect("¿Cómo quieres enviar tu reporte?");
    expect(ana.messages.some((m) => m.text.includes("ubicación exacta"))).toBe(false);
    await ana.press("Anónimo");
    const summary = await ana.expect("Revisa tu reporte");
    expect(summary.text).toMatch(/Foto: incluida/);
    expect(summary.text).toContain("calle Hidalgo 23, colonia Centro");
    expect((await bot.service.app.store.reports.byFolio(await sendReport(ana)))?.photos).toHaveLength(1);
  });

  it("refuses a photo over the size limit without downloading it", async () => {
    const { fake } = await telegram.start({ PHOTO_MAX_MB: "0.001" });
    const ana = fake.user(5012);
    await ana.say("/reportar");
    await ana.press("Sí");
    await ana.say("Metepec");
    await ana.press("Baches y calles");
    await ana.say("Hay un bache enorme frente a la escuela primaria");
    await ana.expect("envíala ahora");
    const big = Buffer.concat([await readFile(join(FIXTURES, "bache.png")), Buffer.alloc(4096)]);
    await ana.sendPhoto(big);
    await ana.expect("demasiado grande");
    expect(fake.callsOf("getFile")).toHaveLength(0);
  });

  it("a token Telegram rejects turns the channel off with one clear line; the rest keeps running", async () => {
    telegram.fake.revokeToken();
    const { fake, bot } = await telegram.start();
    expect(bot.service.telegram?.state).toBe("off");
    // A word of its own: the server's random port (":34015") may contain the digits too.
    const lines = bot.logs.lines.filter((l) => /\b401\b/.test(String(l.msg)));
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toBe("telegram off: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); check the token with @BotFather");
    expect(bot.logs.text).not.toContain(fake.token);
    const health = await bot.service.server.inject({ url: "/healthz" });
    expect(health.statusCode).toBe(200);
    const chat = await bot.service.server.inject({
      method: "POST",
      url: "/api/chat/messages",
      payload: { session: crypto.randomUUID(), id: crypto.randomUUID(), text: "hola" },
    });
    expect(chat.json().result).toBe("processed");
  });
});

describe("telegram, webhook", () => {
  async function webhookBot() {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/webhook`;
    return { url, port, ...(await telegram.start({ PORT: String(port), TELEGRAM_WEBHOOK_URL: url })) };
  }

  it("sets the webhook with a secret and answers through it", async () => {
    const { url, fake } = await webhookBot();
    expect(fake.webhook?.url).toBe(url);
    expect(fake.webhook?.secret).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(fake.callsOf("getUpdates")).toHaveLength(0);
    const ana = fake.user(6001);
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    expect(fake.deliveries.at(-1)?.status).toBe(200);
  });

  it("acknowledges each press in the webhook's own answer, refuses an old question's press there, and still shows the chosen answer", async () => {
    const { fake, bot } = await webhookBot();
    const ana = fake.user(6010);
    const folio = await reportWithButtons(ana);
    expect(folio).toMatch(/^MET-\d{4}-\d{6}$/);
    await bot.service.telegram?.idle();
    // Five presses, each answered once, all in the webhook's answers: no request of their own.
    const presses = fake.callsOf("answerCallbackQuery");
    expect(presses).toHaveLength(5);
    expect(presses.every((c) => c.inWebhookAnswer)).toBe(true);
    expect(new Set(presses.map((c) => c.payload.callback_query_id)).size).toBe(5);
    const consent = ana.messages.find((m) => m.text.includes("¿Aceptas el aviso"));
    expect(consent?.text).toMatch(/✅ Sí$/);
    expect(consent?.reply_markup?.inline_keyboard).toBeUndefined();

    // A press on an older question's buttons (a client that missed the edit) is refused in the answer, and runs nothing.
    await ana.say("/start");
    const menu = await ana.expect("¿Qué quieres hacer?");
    await ana.say("3");
    await ana.expect("¿Qué quieres conocer?");
    await bot.service.telegram?.idle();
    const before = fake.sent.length;
    await ana.press("Reportar un problema", { ...menu, reply_markup: { inline_keyboard: [[{ text: "Reportar un problema", callback_data: "report" }]] } });
    await bot.service.telegram?.idle();
    const refused = fake.callsOf("answerCallbackQuery").at(-1);
    expect(refused?.inWebhookAnswer).toBe(true);
    expect(String(refused?.payload.text)).toContain("Esa pregunta ya pasó");
    expect(fake.sent.slice(before).filter((m) => m.chat_id === ana.chatId)).toHaveLength(0);
    expect(fake.callsOf("answerCallbackQuery")).toHaveLength(6);
  });

  it("a press that arrives while the chat's last message is still being handled is answered by a request of its own, once", async () => {
    const { fake, bot } = await webhookBot();
    const ana = fake.user(6011);
    await ana.say("/start");
    const menu = await ana.expect("¿Qué quieres hacer?");
    await bot.service.telegram?.idle();
    // Telegram holds the bot's next messages: «hola» stays in handling while the press arrives.
    fake.holdSends();
    await ana.say("hola");
    await ana.press("Reportar un problema", menu);
    fake.releaseSends();
    await bot.service.telegram?.idle();
    const presses = fake.callsOf("answerCallbackQuery");
    expect(presses).toHaveLength(1);
    expect(presses[0].inWebhookAnswer).toBeUndefined();
  });

  it("answers 401 to a request without the right secret, and never processes it", async () => {
    const { url, fake } = await webhookBot();
    const update = {
      update_id: 1,
      message: { message_id: 1, date: 0, chat: { id: 6002, type: "private" }, from: { id: 6002, is_bot: false, first_name: "X" }, text: "hola" },
    };
    for (const headers of [{}, { "x-telegram-bot-api-secret-token": "not-the-secret-at-all" }] as Record<string, string>[]) {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(update) });
      expect(res.status).toBe(401);
    }
    const bad = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": fake.webhook?.secret ?? "" },
      body: JSON.stringify({ hello: "world" }),
    });
    // Not an update, but from the holder of the secret: acknowledged (Telegram repeats anything else) and dropped.
    expect(bad.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.sent).toHaveLength(0);
  });

  it("answers 200 to updates of unexpected shapes, uses none of them, and logs no content", async () => {
    const { url, fake, bot } = await webhookBot();
    const from = { id: 6004, is_bot: false, first_name: "X" };
    const chat = { id: 6004, type: "private" };
    const odd: Record<string, unknown>[] = [
      { message: { message_id: 1, date: 0, from, text: "sin chat secreto-1" } },
      { message: "secreto-2" },
      { message: { message_id: 1, date: 0, chat: { id: "6004", type: "private" }, text: "secreto-3" } },
      { message: { message_id: 1, date: 0, chat, from, photo: "secreto-4" } },
      { message: { message_id: 1, date: 0, chat, from, location: { latitude: "19.2", longitude: null } } },
      { message: { message_id: 1, date: 0, chat, from, text: "/start secreto-5", entities: [{ type: "bot_command" }] } },
      { edited_message: { chat: null, text: "secreto-6" } },
      { callback_query: { id: "q1", from, data: "report", message: { message_id: 3, chat: null } } },
      { callback_query: { id: "q2", from, data: "report", message: { message_id: 3, chat, reply_markup: { inline_keyboard: "secreto-7" } } } },
      { callback_query: { id: 5, data: ["secreto-8"] } },
      { my_chat_member: { chat, secreto: 9 } },
    ];
    for (const [i, update] of odd.entries()) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": fake.webhook?.secret ?? "" },
        body: JSON.stringify({ update_id: 700 + i, ...update }),
      });
      expect(res.status, JSON.stringify(update)).toBe(200);
    }
    expect(fake.sent).toHaveLength(0);
    expect(bot.logs.text).not.toContain("secreto");
    expect(bot.logs.lines.filter((l) => l.msg === "telegram update ignored: not the shape Telegram documents").length).toBeGreaterThanOrEqual(9);
    expect(bot.logs.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    // The channel still works.
    const ana = fake.user(6005);
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
  });

  it("a redelivered update changes nothing: no reply, no press answered again, no buttons taken away", async () => {
    const { fake, bot } = await webhookBot();
    const ana = fake.user(6006);
    await ana.say("/start");
    await ana.expect("¿Qué quieres hacer?");
    await ana.say("3");
    const topics = await ana.expect("¿Qué quieres conocer?");
    // Answered 200 once claimed, the update is handled after: all of it before counting calls.
    await bot.service.telegram?.idle();
    const typed = fake.history.at(-1) as Record<string, unknown>;
    const calls = fake.calls.length;
    await fake.redeliver(typed);
    expect(fake.deliveries.at(-1)?.status).toBe(200);
    expect(fake.calls.slice(calls).map((c) => c.method)).toEqual([]);
    expect(buttons(topics)).toContain("¿Qué es el Gobierno Abierto?");

    await ana.press("¿Qué es el Gobierno Abierto?", topics);
    await ana.expect(/nueva forma de gobernanza/);
    await bot.service.telegram?.idle();
    const pressed = fake.history.at(-1) as Record<string, unknown>;
    const afterPress = fake.calls.length;
    const shown = ana.messages.map((m) => ({ text: m.text, buttons: buttons(m) }));
    await fake.redeliver(pressed);
    expect(fake.calls.slice(afterPress).map((c) => c.method)).toEqual([]);
    expect(ana.messages.map((m) => ({ text: m.text, buttons: buttons(m) }))).toEqual(shown);

    // A mention in a group, delivered twice, is answered once.
    const group = { id: -100200301, type: "supergroup", title: "Vecinos" };
    const text = "@MunicipioAbiertoBot hola";
    await fake.push({ message: { message_id: 9, date: 0, chat: group, from: ana.from, text, entities: [{ type: "mention", offset: 0, length: 20 }] } });
    await fake.redeliver(fake.history.at(-1) as Record<string, unknown>);
    expect(fake.sent.filter((m) => m.chat_id === group.id)).toHaveLength(1);
  });

  it("answers Telegram 200 once the message is kept on disk, before its reply is sent; the reply follows, once", async () => {
    const { fake, bot } = await webhookBot();
    const ana = fake.user(6007);
    fake.holdSends();
    const updateId = await ana.say("/start");
    // The reply cannot go out yet, but Telegram already has its 200: the message is in the store's file, claimed.
    expect(fake.deliveries.at(-1)).toEqual({ update_id: updateId, status: 200 });
    expect(fake.sent).toHaveLength(0);
    const lines = (await readFile(join(bot.dataDir, "inbound.db"), "utf8")).split("\n").filter(Boolean);
    const kept = lines.map((l) => JSON.parse(l)).filter((d) => d.message?.messageId === `${fake.bot.id}:${updateId}`);
    expect(kept.map((d) => d.state)).toEqual(["processing"]);
    // Kept under a keyed id (128 bits, base64url): the platform's own is in the message kept until it is processed, nowhere else.
    expect(kept[0]._id).toMatch(/^[\w-]{22}$/);
    expect(kept[0]._id).not.toContain(String(updateId));
    fake.releaseSends();
    await ana.expect("¿Qué quieres hacer?", 8000);
    await bot.service.telegram?.idle();
    expect(ana.messages.filter((m) => m.text.includes("¿Qué quieres hacer?"))).toHaveLength(1);
  });

  it("handles at most TELEGRAM_WEBHOOK_HANDLING updates at once: beyond, Telegram's request waits for a place; each is answered once", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/webhook`;
    const { fake, bot } = await telegram.start({ PORT: String(port), TELEGRAM_WEBHOOK_URL: url, TELEGRAM_WEBHOOK_HANDLING: "3" });
    const users = [6101, 6102, 6103, 6104].map((id) => fake.user(id));
    // Their replies cannot go out: the first three are being handled, each already answered 200.
    fake.holdSends();
    for (const user of users.slice(0, 3)) await user.say("hola");
    expect(fake.deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    let answered = false;
    const fourth = users[3].say("hola").then(() => {
      answered = true;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(answered).toBe(false);
    expect(fake.deliveries).toHaveLength(3);
    fake.releaseSends();
    await fourth;
    expect(fake.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
    for (const user of users) {
      await user.expect("¿Qué quieres hacer?", 15_000);
      await bot.service.telegram?.idle();
      expect(user.messages.filter((m) => m.text.includes("¿Qué quieres hacer?"))).toHaveLength(1);
    }
  });

  it("processes an update posted twice only once", async () => {
    const { fake } = await webhookBot();
    const ana = fake.user(6003);
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    const count = ana.messages.length;
    await fake.redeliver(fake.history.at(-1) as Record<string, unknown>);
    expect(fake.deliveries.at(-1)?.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(ana.messages).toHaveLength(count);
  });
});

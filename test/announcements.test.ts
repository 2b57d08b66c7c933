/**
 * Announcements end to end: the production Telegram adapter, the secretariat's face and the outbox
 * against the fake Bot API enforcing Telegram's limits (scaled ×10 so a test takes seconds: 300
 * messages a second, 100 ms per chat, 200 a minute per group, on the bot and on the fake alike).
 * Subscribers on Telegram, a channel linked from the command line, a public group linked in one of
 * its topics, and the secretariat's group composing.
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { type App, adminDeps } from "../src/app.js";
import { parseWhen } from "../src/domain/announcements.js";
import { announcementRowId } from "../src/notify/announcement-dispatch.js";
import { runAdmin } from "../src/secretariat/admin-commands.js";
import type { ManualClock } from "../src/util/clock.js";
import { buttons, type FakeLimits } from "./fakes/bot-api.js";
import { addMembers, linkedGroup, METEPEC, people } from "./helpers/secretariat.js";
import { fakeTelegramPerTest } from "./helpers/service.js";
import { seedSubscribers } from "./helpers/subscribers.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const SECRETARIAT_GROUP = -1001000000054;
const PUBLIC_GROUP = -1001000000099;
const CHANNEL = -1001000000077;

/** Telegram's limits ×10, on both ends. */
const LIMITS: FakeLimits = { perSecond: 300, chatGapMs: 100, groupPerMinute: 200 };
const LIMITS_ENV = {
  TELEGRAM_THROTTLE: "true",
  TELEGRAM_MAX_PER_SECOND: String(LIMITS.perSecond),
  TELEGRAM_CHAT_INTERVAL_MS: String(LIMITS.chatGapMs),
  TELEGRAM_GROUP_MAX_PER_MINUTE: String(LIMITS.groupPerMinute),
  DIGEST_HOUR: "off",
};

const telegram = fakeTelegramPerTest();

/** Citizens of Telegram (ids from `first`) who accepted the privacy notice and subscribed to Metepec; every fifth speaks English. */
function subscribers(app: App, count: number, first = 700_000): Promise<number[]> {
  return seedSubscribers(app.store, { count, first, municipality: METEPEC, now: app.clock.now(), language: (i) => (i % 5 === 0 ? "en" : "es-MX") });
}

const admin = (app: App, line: string[]) =>
  runAdmin(
    line,
    adminDeps(app, (chat) => import("../src/secretariat/chat-rights.js").then((m) => m.checkChatRights(botApi(), chat))),
  );
const botApi = () => {
  const channel = telegram.bot.service.telegram;
  if (!channel) throw new Error("no telegram");
  return channel.bot.api;
};

/**
 * Resolves when `n` messages holding `text` were sent; on a timeout, says how many were and how many 429s the fake gave.
 * With `clock` (the bot's, which a test keeps still): a send that failed waits for its retry on that clock, so when
 * nothing has gone for three seconds it is moved on five minutes, as time would (a send failed once in a CI run on
 * two busy cores, and its retry never came).
 */
async function sentWith(text: string, n: number, ms = 60_000, clock?: ManualClock) {
  const { fake } = telegram;
  const count = () => fake.sent.filter((m) => m.text.includes(text)).length;
  let last = -1;
  let still = 0;
  const mover =
    clock &&
    setInterval(() => {
      const now = count();
      still = now === last ? still + 1 : 0;
      last = now;
      if (still >= 3) {
        clock.advance(5 * 60_000);
        still = 0;
      }
    }, 1000);
  try {
    return await fake.until(() => (count() >= n ? true : undefined), ms, `${n} messages with «${text}»`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${count()} of ${n} sent; 429s answered: ${fake.tooMany}`);
  } finally {
    if (mover) clearInterval(mover);
  }
}

async function settle(app: App, id: string): Promise<{ sent: number; pending: number; failed: number }> {
  for (let i = 0; i < 200; i++) {
    const s = await app.secretariat.announcements.status(id);
    if (s && s.announcement.state === "queued" && s.counts.pending === 0) return s.counts;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`announcement ${id} never settled`);
}

describe("announcements", () => {
  it("a citizen subscribes to a municipality's announcements with consent, from the menu's «Avisos de mi municipio», and baja unsubscribes", async () => {
    const { fake, bot } = await telegram.start();
    const app = bot.service.app;
    const rosa = fake.user(7101);
    await rosa.say("/start");
    const menu = await rosa.expect("¿Qué quieres hacer?");
    expect(buttons(menu)).toContain("Avisos de mi municipio");
    await rosa.press("Avisos de mi municipio");
    await rosa.expect("Aún no recibes avisos de ningún municipio");
    await rosa.expect("¿De qué municipio quieres recibir avisos?");
    await rosa.say("metepec");
    // The short notice says what following announcements uses, not only what a report does.
    await rosa.expect("los avisos y compromisos que sigues");
    await rosa.expect("¿Aceptas el aviso de privacidad para recibir los avisos de Metepec?");
    await rosa.press("Sí");
    await rosa.expect("Listo: te enviaremos los avisos de Metepec");
    await rosa.expect("Recibes los avisos de: Metepec.");
    const [sub] = await app.store.subscriptions.forCitizen("telegram:7101");
    expect(sub).toMatchObject({ municipality: METEPEC, consent: { version: expect.any(String) } });
    expect(sub.consent.at).toBeInstanceOf(Date);
    // A second municipality, typed as people write it; consent is not asked twice.
    await rosa.press("Recibir avisos de un municipio");
    await rosa.say("toluca");
    await rosa.expect("te enviaremos los avisos de Toluca");
    expect((await app.store.subscriptions.forCitizen("telegram:7101")).map((s) => s.municipality).sort()).toEqual([METEPEC, "15106"]);
    // One goes.
    await rosa.press("Dejar de recibir avisos");
    await rosa.press("Toluca");
    await rosa.expect("ya no recibirás los avisos de Toluca");
    expect((await app.store.subscriptions.forCitizen("telegram:7101")).map((s) => s.municipality)).toEqual([METEPEC]);
    // "baja" anywhere drops them all, and the audit trail says so without any text.
    await rosa.say("/baja");
    await rosa.expect("ni los avisos de ningún municipio");
    expect(await app.store.subscriptions.forCitizen("telegram:7101")).toEqual([]);
    const trail = await app.store.events.list({ citizen: "telegram:7101" }, 20);
    expect(trail.map((e) => e.type)).toEqual(expect.arrayContaining(["announcements_subscribed", "announcements_unsubscribed"]));
    // In English, by free text.
    const john = fake.user(7102, { language_code: "en" });
    await john.say("send me the announcements of Metepec");
    await john.expect("Do you accept the privacy notice to get the announcements of Metepec?");
  });

  it("a citizen who subscribes reads the municipality's latest announcement sent, if it is from the last 60 days", async () => {
    const { fake, bot } = await telegram.start();
    const app = bot.service.app;
    const rosa = fake.user(7111);
    await rosa.say("quiero recibir los avisos de Metepec");
    await rosa.press("Sí");
    await rosa.expect("Listo: te enviaremos los avisos de Metepec");
    await rosa.expect("Recibes los avisos de: Metepec.");
    // Nothing sent yet: nothing to read.
    expect(rosa.messages.map((m) => m.text).join("\n")).not.toContain("El aviso más reciente");
    const out = await admin(app, ["announce", "--municipality", "15054", "--text", "Taller de co-creación: sábado 10:00, Casa de Cultura"]);
    const id = /^(A-\d+)/.exec(out.stdout)?.[1] as string;
    await settle(app, id);
    await rosa.expect("Taller de co-creación: sábado 10:00");

    const luis = fake.user(7112);
    await luis.say("quiero recibir los avisos de Metepec");
    await luis.press("Sí");
    await luis.expect("Listo: te enviaremos los avisos de Metepec");
    const latest = await luis.expect("El aviso más reciente de Metepec, del ");
    // A message of its own, as an announcement arrives, with the day it went out.
    expect(latest.text).toMatch(/^📣 El aviso más reciente de Metepec, del \d{1,2} \S+ \d{4}:\n\nTaller de co-creación: sábado 10:00, Casa de Cultura$/);
    await luis.expect("Recibes los avisos de: Metepec.");
    // Another municipality's announcement is not Toluca's.
    await luis.press("Recibir avisos de un municipio");
    await luis.say("toluca");
    await luis.expect("te enviaremos los avisos de Toluca");
    expect(luis.messages.filter((m) => m.text.includes("El aviso más reciente"))).toHaveLength(1);
    // Asking again for what one gets already does not read it again.
    await luis.say("quiero recibir los avisos de Metepec");
    await luis.expect("Recibes los avisos de: Metepec, Toluca.");
    expect(luis.messages.filter((m) => m.text.includes("El aviso más reciente"))).toHaveLength(1);

    // One sent with a photo, an hour later: its text is read, and the photo said.
    bot.clock.advance(60 * 60 * 1000);
    const now = bot.clock.now();
    await app.store.announcements.insert({
      id: "A-900",
      municipality: METEPEC,
      text: "Sesión abierta del Secretariado Técnico: jueves 17:00",
      photo: "foto-1",
      audiences: ["subscribers"],
      at: now,
      state: "queued",
      createdBy: "admin",
      createdAt: now,
      queuedAt: now,
      recipients: 1,
    });
    const sofia = fake.user(7114);
    await sofia.say("quiero recibir los avisos de Metepec");
    await sofia.press("Sí");
    const withPhoto = await sofia.expect("El aviso más reciente de Metepec");
    expect(withPhoto.text).toMatch(
      /^📣 El aviso más reciente de Metepec, del .+ \(llegó con una imagen\):\n\nSesión abierta del Secretariado Técnico: jueves 17:00$/,
    );

    // Two months later it is old news.
    bot.clock.advance(61 * 24 * 60 * 60 * 1000);
    const marta = fake.user(7113);
    await marta.say("quiero recibir los avisos de Metepec");
    await marta.press("Sí");
    await marta.expect("Recibes los avisos de: Metepec.");
    expect(marta.messages.map((m) => m.text).join("\n")).not.toContain("El aviso más reciente");
  });

  it("2,000 subscribers and a channel each get the announcement exactly once, under Telegram's limits (no 429), and the status counts them", async () => {
    const { fake, bot } = await telegram.start(LIMITS_ENV);
    const app = bot.service.app;
    const ids = await subscribers(app, 2000);
    fake.channel({ id: CHANNEL, username: "avisos_metepec", title: "Avisos Metepec", type: "channel", bot: "administrator", canPost: true });
    const linked = await admin(app, ["channel", "link", "--municipality", "Metepec", "--chat", "@avisos_metepec"]);
    expect(linked.stdout).toContain("now gets the announcements of Metepec");
    fake.enforce(LIMITS);
    const started = performance.now();
    const out = await admin(app, ["announce", "--municipality", "15054", "--text", "Sesión del Secretariado Técnico: jueves 17:00, Palacio Municipal"]);
    expect(out.stdout).toMatch(/^A-\d+ of Metepec, going out now: 1 groups or channels, 2000 subscribers/);
    const id = /^(A-\d+)/.exec(out.stdout)?.[1] as string;
    await sentWith("Sesión del Secretariado Técnico", 2001, 60_000, bot.clock);
    const seconds = (performance.now() - started) / 1000;
    const counts = await settle(app, id);
    expect(counts).toEqual({ sent: 2001, pending: 0, failed: 0 });
    const byChat = fake.countsByChat();
    expect(ids.filter((chat) => byChat.get(chat) !== 1)).toEqual([]);
    expect(byChat.get(CHANNEL)).toBe(1);
    expect(fake.tooMany).toBe(0);
    // Never faster than the limit: 2,001 messages at 300 a second take at least 6.6 s.
    expect(seconds).toBeGreaterThan(2001 / LIMITS.perSecond - 1);
    // Each recipient got it in their language; the channel as written.
    const channelMessage = fake.chat(CHANNEL)[0];
    expect(channelMessage.text).toBe("Sesión del Secretariado Técnico: jueves 17:00, Palacio Municipal");
    expect(fake.chat(ids[0])[0].text).toMatch(/^📣 Announcement from Metepec/);
    expect(fake.chat(ids[1])[0].text).toMatch(/^📣 Aviso de Metepec\n\nSesión del Secretariado Técnico/);
    const status = await admin(app, ["announce", "status", id]);
    expect(status.stdout).toMatch(new RegExp(`^${id}  sent  .*sent 2001 · pending 0 · failed 0`));
  }, 120_000);

  it("a 429 holds that recipient back exactly as long as Telegram asks, the others go on; a citizen who blocked the bot is unsubscribed", async () => {
    const { fake, bot } = await telegram.start(LIMITS_ENV);
    const app = bot.service.app;
    const [first, blocked, ...rest] = await subscribers(app, 6);
    fake.blocked.add(blocked);
    fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } });
    const result = await app.secretariat.announcements.schedule(
      { municipality: METEPEC, text: "Taller de co-creación el sábado", audiences: ["subscribers"] },
      null,
    );
    if (!result.ok) throw new Error(result.problem);
    // Everyone but the one rate-limited and the one who blocked the bot.
    await sentWith("Taller de co-creación", 4);
    await new Promise((r) => setTimeout(r, 300));
    const s1 = await app.secretariat.announcements.status(result.value.id);
    expect(s1?.counts).toEqual({ sent: 4, pending: 1, failed: 1 });
    const limited = [first, ...rest].find((c) => fake.chat(c).length === 0) as number;
    expect(limited).toBe(first);
    // The wait is on the bot's clock, which the test moves: not before 7 s…
    bot.clock.advance(6000);
    app.delivery.wake("telegram");
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.chat(first)).toHaveLength(0);
    // …and once they passed, it arrives, once.
    bot.clock.advance(1500);
    app.delivery.wake("telegram");
    await sentWith("Taller de co-creación", 5);
    expect(await settle(app, result.value.id)).toEqual({ sent: 5, pending: 0, failed: 1 });
    expect(fake.chat(first)).toHaveLength(1);
    expect(await app.store.subscriptions.forCitizen(`telegram:${blocked}`)).toEqual([]);
    expect((await app.store.subscriptions.forMunicipality(METEPEC)).length).toBe(5);
    const trail = await app.store.events.list({ citizen: `telegram:${blocked}` }, 5);
    expect(trail[0]).toMatchObject({ type: "announcements_unsubscribed", data: { reason: "blocked" } });
  });

  it("whoever unsubscribes or erases their data while an announcement goes out gets nothing of it, and no row of theirs is kept", async () => {
    const { fake, bot } = await telegram.start(LIMITS_ENV);
    const app = bot.service.app;
    const [english, erasing, ...others] = await subscribers(app, 5);
    const announcements = app.secretariat.announcements;
    const read = announcements.recipients.bind(announcements);
    // The window of a large announcement: its recipients are read, then its rows written (500 at a time, over
    // seconds). One subscriber erases their data in between: the erasure finds no row of theirs to drop yet.
    const recipients = vi.spyOn(announcements, "recipients").mockImplementation(async (announcement) => {
      const list = await read(announcement);
      const citizen = fake.user(erasing);
      await citizen.say("Borrar mis datos");
      await citizen.expect("¿Borramos tus datos?");
      await citizen.say("sí");
      await citizen.expect("borramos tus datos");
      // The first row to go is held back by Telegram for 7 s: its subscriber says "baja" meanwhile.
      fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } });
      return list;
    });
    const got = (chat: number) => fake.chat(chat).filter((m) => m.text.includes("Jornada de limpieza")).length;
    try {
      const result = await announcements.schedule({ municipality: METEPEC, text: "Jornada de limpieza del río", audiences: ["subscribers"] }, null);
      if (!result.ok) throw new Error(result.problem);
      const id = result.value.id;
      const staying = [english, ...others];
      await sentWith("Jornada de limpieza", staying.length - 1);
      expect(recipients).toHaveBeenCalledTimes(1);
      const held = staying.find((chat) => got(chat) === 0) as number;
      await fake.user(held).say("/baja");
      await fake.user(held).expect(held === english ? "nor any municipality's announcements" : "ni los avisos de ningún municipio");
      bot.clock.advance(7500);
      app.delivery.wake("telegram");
      expect(await settle(app, id)).toEqual({ sent: staying.length - 1, pending: 0, failed: 0 });
      await new Promise((r) => setTimeout(r, 300));
      for (const chat of [held, erasing]) {
        expect(got(chat), String(chat)).toBe(0);
        expect(await app.store.outbox.get(announcementRowId(id, { channel: "telegram", chatId: String(chat) }))).toBeNull();
      }
      for (const chat of staying.filter((c) => c !== held)) expect(got(chat)).toBe(1);
    } finally {
      recipients.mockRestore();
    }
  });

  it("an announcement cancelled while its rows are being written goes to nobody", async () => {
    const { fake, bot } = await telegram.start(LIMITS_ENV);
    const app = bot.service.app;
    const ids = await subscribers(app, 4);
    const announcements = app.secretariat.announcements;
    const read = announcements.recipients.bind(announcements);
    let cancelled: Awaited<ReturnType<typeof announcements.cancel>> | undefined;
    const recipients = vi.spyOn(announcements, "recipients").mockImplementation(async (announcement) => {
      const list = await read(announcement);
      cancelled = await announcements.cancel(announcement.id, null);
      return list;
    });
    try {
      const result = await announcements.schedule({ municipality: METEPEC, text: "Feria del empleo", audiences: ["subscribers"] }, null);
      if (!result.ok) throw new Error(result.problem);
      // Scheduling for now wakes the dispatcher, which reads the recipients.
      await vi.waitFor(() => expect(cancelled).toMatchObject({ ok: true }));
      await new Promise((r) => setTimeout(r, 500));
      expect(fake.sent.filter((m) => m.text.includes("Feria del empleo"))).toEqual([]);
      const status = await announcements.status(result.value.id);
      expect(status?.announcement.state).toBe("cancelled");
      expect(status?.counts).toEqual({ sent: 0, pending: 0, failed: 0 });
      for (const chat of ids) expect(await app.store.outbox.get(announcementRowId(result.value.id, { channel: "telegram", chatId: String(chat) }))).toBeNull();
    } finally {
      recipients.mockRestore();
    }
  });

  it("a channel where the bot is not an administrator is explained and not linked; my_chat_member keeps the list true", async () => {
    const { fake, bot } = await telegram.start(LIMITS_ENV);
    const app = bot.service.app;
    fake.channel({ id: CHANNEL, username: "avisos_metepec", title: "Avisos Metepec", type: "channel", bot: "member", canPost: false });
    const refused = await admin(app, ["channel", "link", "--municipality", "15054", "--chat", "@avisos_metepec"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("@avisos_metepec: the bot is not an administrator allowed to post messages there");
    expect(await app.store.chats.byMunicipality(METEPEC, "announcements")).toEqual([]);
    const unknown = await admin(app, ["channel", "link", "--municipality", "15054", "--chat", "@nadie_aqui"]);
    expect(unknown.stderr).toContain("Telegram knows no such chat");
    // Made an administrator that may post: linked.
    Object.assign(fake.channels.get(CHANNEL) ?? {}, { bot: "administrator", canPost: true });
    expect((await admin(app, ["channel", "link", "--municipality", "15054", "--chat", "@avisos_metepec"])).code).toBe(0);
    expect(await app.secretariat.chats.announcementChats(METEPEC)).toHaveLength(1);
    // Demoted: Telegram tells the bot (my_chat_member); the channel is skipped until it is admin again.
    await fake.setChannelRights(CHANNEL, "administrator", false);
    await expectEventually(async () => (await app.secretariat.chats.announcementChats(METEPEC)).length === 0);
    expect((await app.store.chats.get(String(CHANNEL), "announcements"))?.problem).toBe("not_admin");
    const skipped = await app.secretariat.announcements.schedule({ municipality: METEPEC, text: "Aviso sin canal", audiences: ["groups"] }, null);
    if (!skipped.ok) throw new Error(skipped.problem);
    expect(await settle(app, skipped.value.id)).toEqual({ sent: 0, pending: 0, failed: 0 });
    await fake.setChannelRights(CHANNEL, "administrator", true);
    await expectEventually(async () => (await app.secretariat.chats.announcementChats(METEPEC)).length === 1);
    // A channel that refuses anyway (rights taken away while the bot did not hear) is marked, the others go on.
    Object.assign(fake.channels.get(CHANNEL) ?? {}, { bot: "left" });
    const refusedSend = await app.secretariat.announcements.schedule({ municipality: METEPEC, text: "Aviso rechazado", audiences: ["groups"] }, null);
    if (!refusedSend.ok) throw new Error(refusedSend.problem);
    expect(await settle(app, refusedSend.value.id)).toEqual({ sent: 0, pending: 0, failed: 1 });
    expect((await app.store.chats.get(String(CHANNEL), "announcements"))?.problem).toBe("refused");
  });

  it("/aviso in the secretariat's group: text and photo, audience, time, a preview identical to what is sent, Enviar; a topic gets it in its thread; /avisos_estado", async () => {
    const { fake, bot } = await telegram.start(LIMITS_ENV);
    const app = bot.service.app;
    await addMembers(bot);
    const group = await linkedGroup(fake, SECRETARIAT_GROUP, "Secretariado Metepec", people.beatriz, METEPEC);
    // A public forum group, linked from its «Avisos» topic.
    const publicGroup = fake.group(PUBLIC_GROUP, "Vecinos de Metepec");
    await publicGroup.addBot(people.beatriz);
    await publicGroup.sayInTopic(people.carlos, 42, "/vincular_avisos Metepec");
    await fake.until(() => publicGroup.messages.find((m) => m.text.includes("Solo una persona facilitadora")));
    await publicGroup.sayInTopic(people.beatriz, 42, "/vincular_avisos Metepec");
    await fake.until(() => publicGroup.messages.find((m) => m.text.includes("Este tema del grupo recibirá los avisos de Metepec")));
    // The second subscriber speaks Spanish, the group's language, so its preview is the same text.
    const [, sub] = await subscribers(app, 2);

    // Someone who may not announce is refused.
    await group.say(people.carlos, "/aviso");
    await fake.until(() => group.messages.find((m) => m.text.includes("Solo una persona facilitadora o administradora de Metepec puede publicar avisos")));
    await group.say(people.beatriz, "/aviso");
    const askText = await fake.until(() => group.messages.find((m) => m.text.startsWith("📣 Nuevo aviso de Metepec")));
    expect(askText.reply_markup?.force_reply).toBe(true);
    const photo = await readFile(join(FIXTURES, "bache.png"));
    await group.replyPhoto(people.beatriz, askText, photo, "Taller de co-creación del Plan de Acción: sábado 10:00 en la Casa de Cultura");
    const audience = await fake.until(() => group.messages.find((m) => m.text.startsWith("¿A quién va el aviso?")));
    expect(audience.text).toContain("Grupos y canales vinculados: 1 · personas suscritas: 2");
    // Minutes to choose: the photo is no conversation's, and stays while the announcement is written.
    bot.clock.advance(10 * 60_000);
    expect(await app.conversations.sweepDrafts()).toBe(0);
    await group.press(people.beatriz, "Ambos", audience);
    const askWhen = await fake.until(() => group.messages.find((m) => m.text.startsWith("Responde a este mensaje con cuándo sale")));
    // The example is a time to come (tomorrow at 10:00 in Mexico City), never a date already past.
    const tomorrow = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Mexico_City", year: "numeric", month: "2-digit", day: "2-digit" }).format(
      new Date(bot.clock.now().getTime() + 86_400_000),
    );
    expect(askWhen.text).toContain(`como ${tomorrow} 10:00`);
    await group.reply(people.beatriz, askWhen, "mañana temprano");
    const notUnderstood = await fake.until(() => group.messages.find((m) => m.text.startsWith("No entendí esa fecha")));
    expect(notUnderstood.text).toContain(`Responde a mi pregunta con «ahora», o con la fecha y hora por venir como ${tomorrow} 10:00`);
    const newestQuestion = () => [...group.messages].reverse().find((m) => m.reply_markup?.force_reply) as (typeof group.messages)[number];
    // A day written as in Mexico (day/month/year) is read; one already past is asked again, the draft kept.
    await group.reply(people.beatriz, newestQuestion(), "01/12/2020 10:00");
    await fake.until(() => group.messages.find((m) => m.text.startsWith("Esa hora ya pasó. Responde a mi pregunta")));
    await group.reply(people.beatriz, newestQuestion(), "ahora");
    const confirm = await fake.until(() => group.messages.find((m) => m.text.startsWith("Sale ahora a 1 grupo o canal y 2 personas suscritas")));
    expect(buttons(confirm)).toEqual(["Enviar", "Cancelar"]);
    const previews = group.messages.filter((m) => m.photo);
    expect(previews).toHaveLength(2);
    expect(fake.sent.filter((m) => m.text.includes("Taller de co-creación") && m.chat_id !== SECRETARIAT_GROUP)).toHaveLength(0);
    await group.press(people.beatriz, "Enviar", confirm);
    await fake.until(() => group.messages.find((m) => /^✅ Aviso A-\d+: sale ahora\. Escribe \/avisos_estado/.test(m.text)));
    await sentWith("Taller de co-creación", 5);
    // What each audience got is exactly its preview: the same caption, a photo, and the topic for the group.
    const [groupPreview, subscriberPreview] = previews;
    const inGroup = fake.chat(PUBLIC_GROUP).filter((m) => m.photo);
    expect(inGroup).toHaveLength(1);
    expect(inGroup[0].text).toBe(groupPreview.text);
    expect(inGroup[0].thread).toBe(42);
    const toSubscriber = fake.chat(sub);
    expect(toSubscriber).toHaveLength(1);
    expect(toSubscriber[0].photo).toBeDefined();
    expect(toSubscriber[0].text).toBe(subscriberPreview.text);
    // The photo went up once: later sends name Telegram's file id.
    const uploads = fake.callsOf("sendPhoto").filter((c) => typeof c.payload.photo !== "string" || String(c.payload.photo).startsWith("attach://"));
    expect(uploads.length).toBeLessThanOrEqual(3);

    await group.say(people.beatriz, "/avisos_estado");
    const status = await fake.until(() => group.messages.find((m) => m.text.startsWith("Avisos de Metepec:")));
    expect(status.text).toMatch(/A-\d+ · enviado · enviados 3, pendientes 0, fallidos 0 — Taller de co-creación/);

    // An announcement with a photo never finished: its photo goes once its draft could no longer be sent.
    await group.say(people.beatriz, "/aviso");
    const again = await fake.until(() => group.messages.filter((m) => m.text.startsWith("📣 Nuevo aviso de Metepec"))[1]);
    await group.replyPhoto(people.beatriz, again, photo, "Otro aviso que nadie termina");
    const late = await fake.until(() => group.messages.filter((m) => m.text.startsWith("¿A quién va el aviso?"))[1]);
    bot.clock.advance(30 * 60_000);
    expect(await app.conversations.sweepDrafts()).toBe(0);
    bot.clock.advance(31 * 60_000);
    expect(await app.conversations.sweepDrafts()).toBe(1);
    // The draft is past its time too: started again, not previewed without its photo.
    await group.press(people.beatriz, "Ambos", late);
    await fake.until(() => fake.callsOf("answerCallbackQuery").find((c) => String(c.payload.text ?? "").includes("ya no está vigente")));
  });

  it("a scheduled announcement waits for its time across a restart, and a cancelled one never goes", async () => {
    const { fake } = telegram;
    let { bot } = await telegram.start(LIMITS_ENV);
    let app = bot.service.app;
    const [sub] = await subscribers(app, 1);
    const at = new Date(bot.clock.now().getTime() + 3 * 3600_000);
    const later = await app.secretariat.announcements.schedule({ municipality: METEPEC, text: "Sesión programada", audiences: ["subscribers"], at }, null);
    const withdrawn = await app.secretariat.announcements.schedule({ municipality: METEPEC, text: "Sesión cancelada", audiences: ["subscribers"], at }, null);
    if (!later.ok || !withdrawn.ok) throw new Error("not scheduled");
    expect((await admin(app, ["announce", "cancel", withdrawn.value.id])).stdout).toContain(`cancelled ${withdrawn.value.id}`);
    expect((await admin(app, ["announce", "cancel", withdrawn.value.id])).stderr).toContain("already went out or was cancelled");
    await app.announcementDispatcher.sweep();
    expect(fake.chat(sub)).toHaveLength(0);
    bot = await bot.restart();
    app = bot.service.app;
    bot.clock.advance(3 * 3600_000 + 1000);
    await app.announcementDispatcher.sweep();
    await sentWith("Sesión programada", 1);
    expect(await settle(app, later.value.id)).toEqual({ sent: 1, pending: 0, failed: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.sent.some((m) => m.text.includes("Sesión cancelada"))).toBe(false);
    const status = await admin(app, ["announce", "status"]);
    expect(status.stdout).toContain(`${withdrawn.value.id}  cancelled`);
  });

  it("refuses what cannot go: no text, too long for a photo's caption, a time past, an unknown municipality, a member of another municipality", async () => {
    const { bot } = await telegram.start();
    const app = bot.service.app;
    const members = await addMembers(bot);
    const a = app.secretariat.announcements;
    const base = { municipality: METEPEC, text: "Aviso", audiences: ["subscribers"] as const };
    expect(await a.check({ ...base, text: "   " }, null)).toMatchObject({ ok: false, problem: "empty" });
    expect(await a.check({ ...base, text: "x".repeat(1000), photo: "p" }, null)).toMatchObject({ ok: false, problem: "too_long" });
    expect(await a.check({ ...base, text: "x".repeat(1000) }, null)).toMatchObject({ ok: true });
    expect(await a.check({ ...base, at: new Date(bot.clock.now().getTime() - 3600_000) }, null)).toMatchObject({ ok: false, problem: "past" });
    expect(await a.check({ ...base, municipality: "Gotham" }, null)).toMatchObject({ ok: false, problem: "unknown_municipality" });
    expect(await a.check({ ...base, audiences: [] }, null)).toMatchObject({ ok: false, problem: "no_audience" });
    expect(await a.check(base, members.tomas)).toMatchObject({ ok: false, problem: "not_allowed" });
    expect(await a.check(base, members.carlos)).toMatchObject({ ok: false, problem: "not_allowed" });
    expect(await a.check(base, members.beatriz)).toMatchObject({ ok: true });
    // A time typed as dates are written in Mexico is day/month/year, in Mexico City's time.
    const now = bot.clock.now();
    expect(parseWhen("10/12/2030 09:00", "America/Mexico_City", now, ["ahora"])?.toISOString()).toBe("2030-12-10T15:00:00.000Z");
    expect(parseWhen("2030-12-10 09:00", "America/Mexico_City", now, ["ahora"])?.toISOString()).toBe("2030-12-10T15:00:00.000Z");
    expect(parseWhen("31/02/2030 09:00", "America/Mexico_City", now, ["ahora"])).toBeNull();
    expect(parseWhen("13/13/2030 09:00", "America/Mexico_City", now, ["ahora"])).toBeNull();
    const bad = await admin(app, ["announce", "--municipality", "15054", "--text", "Hola", "--at", "mañana"]);
    expect(bad.stderr).toContain("--at accepts an ISO time with its offset");
    expect((await admin(app, ["announce", "--municipality", "15054", "--text", "Hola", "--to", "todos"])).stderr).toContain("--to accepts groups, subscribers");
  });
});

async function expectEventually(test: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the condition never held");
}

/**
 * WhatsApp on Meta's Cloud API end to end: the production channel and webhook behind the bot's own
 * HTTP server, against a fake Graph API on 127.0.0.1 that posts signed webhooks as Meta does.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/settings.js";
import { APP_SECRET, type FakeCitizen, FakeGraphApi, GRAPH_TOKEN, VERIFY_TOKEN } from "./fakes/graph-api.js";
import { metepecFacilitator as metepec } from "./helpers/secretariat.js";
import { type RunningBot, runBot } from "./helpers/service.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const PHONE = "5217221234567";
const HOUR = 3600 * 1000;

let meta: FakeGraphApi;
let bot: RunningBot | undefined;
beforeEach(async () => {
  meta = await new FakeGraphApi().start();
});
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await meta.stop();
});

async function start(env: Record<string, string> = {}): Promise<RunningBot> {
  const running = await runBot(meta.env(env), { service: { whatsappCloudRetryMs: 20 } });
  const address = running.service.server.server.address() as { port: number };
  meta.webhookUrl = `http://127.0.0.1:${address.port}/whatsapp/webhook`;
  await running.service.whatsappCloud?.start();
  return running;
}

/** The report conversation typed up to its photo question (numbers work where buttons are shown). */
const TO_PHOTO: [string, string | RegExp][] = [
  ["hola", "¿Qué quieres hacer?"],
  ["1", "¿Aceptas el aviso de privacidad"],
  ["sí", "Comparte tu ubicación"],
  ["Metepec", /tipo de problema/],
  ["2", "Describe el problema"],
  ["Bache enorme frente a la escuela primaria", "envíala ahora"],
];

/** Says each line and waits for its answer. */
async function converse(citizen: FakeCitizen, steps: [string, string | RegExp][]): Promise<void> {
  for (const [text, answer] of steps) {
    const before = citizen.received.length;
    await citizen.say(text);
    await citizen.expect(answer, before);
  }
}

/** Files a report by typing; resolves with the report. */
/**
 * The bot stopped with a «hola» of PHONE (`messageId`) taken and not finished, started again: it answers it,
 * and Meta delivering it again changes nothing.
 */
async function answeredOnceAfterRestart(stopped: RunningBot, messageId: string): Promise<RunningBot> {
  await stopped.stop();
  stopped.clock.advance(1000);
  const running = await runBot(meta.env(), { dataDir: stopped.dataDir, clock: stopped.clock, service: { whatsappCloudRetryMs: 20 } });
  await running.service.whatsappCloud?.start();
  const ana = meta.citizen(PHONE);
  await ana.expect("¿Qué quieres hacer?");
  const address = running.service.server.server.address() as { port: number };
  meta.webhookUrl = `http://127.0.0.1:${address.port}/whatsapp/webhook`;
  expect((await ana.say("hola", messageId)).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(ana.received.filter((m) => m.text.includes("¿Qué quieres hacer?"))).toHaveLength(1);
  return running;
}

async function fileReport(running: RunningBot, waId = PHONE) {
  const citizen = meta.citizen(waId);
  await converse(citizen, [
    ...TO_PHOTO,
    ["omitir", /dirección|referencia|ubicación/i],
    ["omitir", "¿Cómo quieres enviar tu reporte?"],
    ["1", "Revisa tu reporte"],
    ["1", /folio (MET-\d{4}-\d{6})/],
  ]);
  const [report] = await running.service.app.store.reports.list({ municipality: "15054" }, 1);
  return { citizen, report };
}

describe("whatsapp cloud settings", () => {
  it("names every missing setting in one line, and never prints a secret that is malformed", () => {
    const cloud = { WHATSAPP_ENABLED: "true", WHATSAPP_MODE: "cloud" };
    expect(() => loadConfig(cloud)).toThrow(
      new ConfigError("missing WHATSAPP_MODE=cloud needs WHATSAPP_CLOUD_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"),
    );
    expect(() => loadConfig({ ...cloud, WHATSAPP_CLOUD_TOKEN: GRAPH_TOKEN, WHATSAPP_APP_SECRET: APP_SECRET })).toThrow(
      "missing WHATSAPP_MODE=cloud needs WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_VERIFY_TOKEN",
    );
    const full = {
      ...cloud,
      WHATSAPP_CLOUD_TOKEN: GRAPH_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: "1098765",
    };
    expect(loadConfig(full)).toMatchObject({ WHATSAPP_MODE: "cloud", WHATSAPP_GRAPH_API_ROOT: "https://graph.facebook.com", WHATSAPP_CLOUD_PER_SECOND: 80 });
    expect(() => loadConfig({ ...full, WHATSAPP_PHONE_NUMBER_ID: "+52 722 100 0000" })).toThrow(
      'invalid WHATSAPP_PHONE_NUMBER_ID="+52 722 100 0000": accepts the phone number id',
    );
    let message = "";
    try {
      loadConfig({ ...full, WHATSAPP_CLOUD_TOKEN: "EAAG secret with spaces 0123456789" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^invalid WHATSAPP_CLOUD_TOKEN: /);
    expect(message).not.toContain("secret with spaces");
    expect(() => loadConfig({ ...full, WHATSAPP_MODE: "business" })).toThrow('invalid WHATSAPP_MODE="business": accepts web or cloud');
    // The web mode (the default) needs none of them.
    expect(loadConfig({ WHATSAPP_ENABLED: "true" })).toMatchObject({ WHATSAPP_MODE: "web" });
  });
});

describe("whatsapp cloud", () => {
  it("a citizen reports a problem with a list, buttons, a location request and a photo, and gets a folio", async () => {
    bot = await start();
    const ana = meta.citizen(PHONE);
    const hello = await ana.say("Hola");
    expect(hello.status).toBe(200);
    const menu = await ana.expect("¿Qué quieres hacer?");
    expect(menu.body.interactive).toMatchObject({ type: "list", action: { button: "Ver opciones" } });
    expect(menu.options.map((o) => o.title)).toContain("Reportar un problema");
    // Mark as read: the citizen's message gets its blue ticks.
    await meta.until(() => (meta.read.includes(hello.id) ? true : undefined), 2000, "the message marked read");

    await ana.pick("Reportar un problema");
    const privacy = await ana.expect("¿Aceptas el aviso de privacidad");
    expect(privacy.body.interactive).toMatchObject({ type: "button" });
    expect(privacy.options.map((o) => o.title)).toEqual(["Sí", "No"]);
    await ana.press("Sí");
    const where = await ana.expect("Comparte tu ubicación");
    expect(where.body.interactive).toMatchObject({ type: "location_request_message", action: { name: "send_location" } });
    await ana.shareLocation(19.2566, -99.6047);
    const kind = await ana.expect(/tipo de problema.*en Metepec/s);
    // Nine categories: a list, long names cut to 24 characters with the whole name below.
    expect(kind.body.interactive).toMatchObject({ type: "list" });
    expect(kind.options.every((o) => o.title.length <= 24)).toBe(true);
    await ana.pick("Alumbrado público");
    await ana.expect("Describe el problema");
    await ana.say("La luminaria de la esquina lleva dos semanas apagada");
    const photo = await ana.expect("envíala ahora");
    expect(photo.options.map((o) => o.title)).toEqual(["Omitir"]);
    expect(photo.text).toContain("📎");
    const bytes = await readFile(join(FIXTURES, "bache.png"));
    await ana.sendPhoto(bytes);
    const how = await ana.expect("¿Cómo quieres enviar tu reporte?");
    await ana.pick(how.options[0].title);
    const summary = await ana.expect("Revisa tu reporte");
    expect(summary.text).toContain("Foto: incluida");
    await ana.pick("Enviar reporte");
    const created = await ana.expect(/folio (MET-\d{4}-\d{6})/);
    const folio = /folio (MET-\d{4}-\d{6})/.exec(created.text)?.[1] as string;

    const report = await bot.service.app.store.reports.byFolio(folio);
    expect(report).toMatchObject({
      channel: "whatsapp",
      category: "alumbrado",
      citizenId: `whatsapp:${PHONE}@c.us`,
      location: { latitude: 19.2566, longitude: -99.6047 },
    });
    expect((await bot.service.app.store.media.get(report?.photos[0] as string))?.data).toEqual(bytes);
    // Every button and list sent kept Meta's limits.
    for (const m of ana.received) {
      if (m.body.interactive && (m.body.interactive as { type: string }).type === "button") expect(m.options.every((o) => o.title.length <= 20)).toBe(true);
      expect(m.options.length).toBeLessThanOrEqual(10);
    }
    expect(bot.logs.text).not.toContain(PHONE);
    expect(bot.logs.text).not.toContain("luminaria");
  });

  it("a photo with the problem written under it, sent first, is read: the report opens with what it says", async () => {
    bot = await start();
    const ana = meta.citizen(PHONE);
    await ana.sendPhoto(await readFile(join(FIXTURES, "bache.png")), "image/png", "Hay un bache enorme frente a la escuela primaria en Metepec");
    // Not kept before the privacy notice is accepted, and the citizen is told so.
    await ana.expect("Todavía no guardé tu foto");
    await ana.expect("¿Aceptas el aviso de privacidad");
    expect(meta.calls.filter((c) => c.path.startsWith("/download/"))).toEqual([]);
    await ana.press("Sí");
    const understood = await ana.expect("¿Es correcto?");
    expect(understood.text).toMatch(/bache en Metepec/);
  });

  it("answers Meta's verification handshake only with the verify token", async () => {
    bot = await start();
    const ok = await fetch(`${meta.webhookUrl}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const wrong = await fetch(`${meta.webhookUrl}?hub.mode=subscribe&hub.verify_token=not-the-token-at-all&hub.challenge=1158201444`);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain("1158201444");
    expect((await fetch(`${meta.webhookUrl}?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(403);
    expect((await fetch(meta.webhookUrl)).status).toBe(403);
  });

  it("refuses a post without the signature, with a wrong one, or signed over other bytes, and nothing reaches the bot", async () => {
    bot = await start();
    const payload = meta.payload({ messages: [{ from: PHONE, id: meta.newWamid(), timestamp: "1", type: "text", text: { body: "hola" } }] });
    expect((await meta.post(payload, null)).status).toBe(401);
    expect((await meta.post(payload, "sha256=0000000000000000000000000000000000000000000000000000000000000000")).status).toBe(401);
    expect((await meta.post(payload, "sha1=abc")).status).toBe(401);
    const other = JSON.stringify({ ...payload, object: "page" });
    const { createHmac } = await import("node:crypto");
    expect((await meta.post(payload, `sha256=${createHmac("sha256", APP_SECRET).update(other).digest("hex")}`)).status).toBe(401);
    expect((await meta.post(payload, `sha256=${createHmac("sha256", "another-app-secret").update(JSON.stringify(payload)).digest("hex")}`)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(meta.sent).toHaveLength(0);
    // The same payload signed by Meta goes through.
    expect((await meta.post(payload)).status).toBe(200);
    await meta.citizen(PHONE).expect("¿Qué quieres hacer?");
  });

  it("processes the same wamid once, also when Meta delivers it twice at once or after it was answered", async () => {
    bot = await start();
    const ana = meta.citizen(PHONE);
    const id = meta.newWamid();
    const [a, b] = await Promise.all([ana.say("hola", id), ana.say("hola", id)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await ana.expect("¿Qué quieres hacer?");
    await bot.service.app.conversations.idle();
    expect((await ana.say("hola", id)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await bot.service.app.conversations.idle();
    expect(ana.received.filter((m) => m.text.includes("¿Qué quieres hacer?"))).toHaveLength(1);
  });

  it("answers voice notes, stickers, documents and reactions kindly, and ignores other numbers of the same app", async () => {
    bot = await start();
    const ana = meta.citizen(PHONE);
    await ana.sendVoice();
    const voice = await ana.expect(/.+/);
    await ana.sendSticker();
    await ana.expect(/.+/, 1);
    const reaction = await ana.react("wamid.any", "👍");
    expect(reaction.status).toBe(200);
    await ana.expect(/.+/, 2);
    expect(voice.text).not.toBe("");
    // A message to another phone number of the same Meta app is not ours.
    const elsewhere = meta.payload({ messages: [{ from: PHONE, id: meta.newWamid(), timestamp: "1", type: "text", text: { body: "hola" } }] });
    (elsewhere.entry as { changes: { value: { metadata: { phone_number_id: string } } }[] }[])[0].changes[0].value.metadata.phone_number_id = "111111111111";
    expect((await meta.post(elsewhere)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ana.received).toHaveLength(3);
  });

  it("a notice inside the 24-hour window goes as a message, outside it as the configured template; statuses update its outbox row", async () => {
    bot = await start();
    const { citizen, report } = await fileReport(bot);
    const { triage } = bot.service.app.secretariat;
    expect((await triage.changeStatus(report.id, 1, metepec, { to: "en_revision" })).ok).toBe(true);
    const inside = await citizen.expect(`${report.folio}`, citizen.received.length);
    expect(inside.type).toBe("text");
    const row = await waitFor(
      () => bot?.service.app.store.outbox.get(`notice:${report.id}:2:whatsapp:${PHONE}@c.us`) ?? Promise.resolve(null),
      (r) => r?.state === "sent",
    );
    expect(row).toMatchObject({ state: "sent", platformId: inside.id });

    // Receipts move forward only: a late "delivered" does not undo "read".
    await meta.status(inside.id, "read", PHONE);
    await meta.status(inside.id, "delivered", PHONE);
    expect((await bot.service.app.store.outbox.get(row?.id as string))?.receipt).toBe("read");

    bot.clock.advance(25 * HOUR);
    expect((await triage.changeStatus(report.id, 2, metepec, { to: "canalizado", area: "obras_publicas" })).ok).toBe(true);
    const outside = await citizen.expect("template reporte_cambio_estado", citizen.received.length);
    expect(outside.body.template).toMatchObject({ name: "reporte_cambio_estado", language: { code: "es_MX" } });
    expect(outside.text).toBe(`template reporte_cambio_estado: ${report.folio} | Canalizado al área responsable`);
    // A failed delivery is recorded with Meta's code, and the recipient is not tried again.
    await waitFor(
      () => bot?.service.app.store.outbox.get(`notice:${report.id}:3:whatsapp:${PHONE}@c.us`) ?? Promise.resolve(null),
      (r) => r?.state === "sent",
    );
    await meta.status(outside.id, "failed", PHONE, 131026);
    expect(await bot.service.app.store.outbox.get(`notice:${report.id}:3:whatsapp:${PHONE}@c.us`)).toMatchObject({
      receipt: "failed",
      error: "whatsapp_131026",
    });
  });

  it("outside the window, a message without a template waits, pending, and goes before the answer to the citizen's next message", async () => {
    bot = await start();
    const ana = meta.citizen(PHONE);
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    bot.clock.advance(25 * HOUR);
    const { app } = bot.service;
    await app.delivery.enqueue([
      {
        id: "reply:late",
        channel: "whatsapp",
        chatId: `${PHONE}@c.us`,
        kind: "reply",
        payload: { id: "late-1", lang: "es-MX", text: "Un aviso sin plantilla" },
        createdAt: app.clock.now(),
      },
    ]);
    const waiting = await waitFor(
      () => app.store.outbox.get("reply:late"),
      (r) => r?.error === "outside_window",
    );
    expect(waiting).toMatchObject({ state: "pending", error: "outside_window" });
    expect(ana.received.some((m) => m.text === "Un aviso sin plantilla")).toBe(false);

    const before = ana.received.length;
    await ana.say("menú");
    const next = await ana.expect(/.+/, before);
    expect(next.text).toBe("Un aviso sin plantilla");
    expect(
      await waitFor(
        () => app.store.outbox.get("reply:late"),
        (r) => r?.state === "sent",
      ),
    ).toMatchObject({ state: "sent", platformId: next.id });
  });

  it("backs off when Meta answers 131056 (pair rate limit) or a 5xx, and sends once", async () => {
    bot = await start();
    const ana = meta.citizen(PHONE);
    meta.failNext(131056, { to: PHONE });
    meta.failNext(131000, { to: PHONE, status: 500 });
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    const attempts = meta.calls.filter((c) => c.method === "POST" && c.path.endsWith("/messages"));
    // Two refused attempts, then the message, each after a longer pause (20 ms, then 40 ms in tests).
    const sends = attempts.slice(-3).map((c) => c.at);
    expect(sends).toHaveLength(3);
    expect(sends[1] - sends[0]).toBeGreaterThanOrEqual(15);
    expect(sends[2] - sends[1]).toBeGreaterThanOrEqual(35);
    expect(ana.received.filter((m) => m.text.includes("¿Qué quieres hacer?"))).toHaveLength(1);
  });

  it("a recipient Meta cannot reach (131026) is given up, never retried", async () => {
    bot = await start();
    const { app } = bot.service;
    const ana = meta.citizen(PHONE);
    await ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    meta.failNext(131026, { to: PHONE, times: 100 });
    await app.delivery.enqueue([
      {
        id: "reply:unreachable",
        channel: "whatsapp",
        chatId: `${PHONE}@c.us`,
        kind: "reply",
        payload: { id: "u-1", lang: "es-MX", text: "¿Sigues ahí?" },
        createdAt: app.clock.now(),
      },
    ]);
    const given = await waitFor(
      () => app.store.outbox.get("reply:unreachable"),
      (r) => r?.state === "failed",
    );
    expect(given).toMatchObject({ state: "failed", error: "permanent", attempts: 1 });
    // One attempt only (Meta's refusals are not waited out as a rate limit would be).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(meta.calls.filter((c) => c.method === "POST" && c.path.endsWith("/messages"))).toHaveLength(3);
  });

  it("the inbound store keeps no message id of Meta's (they hold the number), nor the number, once the messages are processed", async () => {
    bot = await start();
    await fileReport(bot);
    const dataDir = bot.dataDir;
    await bot.stop();
    const kept = await readFile(join(dataDir, "inbound.db"), "utf8");
    // Every message's id is there, keyed: a redelivery within the week is still known.
    expect(kept.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(9);
    for (const trace of [PHONE, Buffer.from(PHONE).toString("base64").replace(/=+$/, ""), "wamid"]) expect(kept).not.toContain(trace);
  });

  it("a message kept in the journal by a process that stopped before answering is answered after the restart, once", async () => {
    bot = await start();
    const { app } = bot.service;
    // What `accept` keeps before Meta hears 200, left unfinished as a crash would leave it.
    const message = { channel: "whatsapp" as const, chatId: PHONE, messageId: meta.newWamid(PHONE), content: { type: "text" as const, text: "hola" } };
    expect(await app.conversations.journal(message)).toBe("claimed");
    // Kept with its message until it is processed; under a keyed id, so not past it.
    expect(JSON.stringify(await app.store.inbound.unfinished(new Date(app.clock.now().getTime() + 1), 10))).toContain(message.messageId);
    bot = await answeredOnceAfterRestart(bot, message.messageId);
  });

  it("a message an earlier version (0.6.17) kept under Meta's id is answered after the upgrade, once, and no later sweep finds it again", async () => {
    bot = await start();
    const { app } = bot.service;
    const message = { channel: "whatsapp" as const, chatId: PHONE, messageId: meta.newWamid(PHONE), content: { type: "text", text: "hola" } };
    expect(await app.store.inbound.claim(`whatsapp:${message.messageId}`, app.clock.now(), 120_000, message)).toBe("claimed");
    bot = await answeredOnceAfterRestart(bot, message.messageId);
    // Its claim as it was is finished too: no sweep finds it again.
    expect(await bot.service.app.store.inbound.unfinished(new Date(bot.clock.now().getTime() + 86_400_000), 10)).toEqual([]);
  });

  it("a photo larger than PHOTO_MAX_MB is refused kindly, as on the other channels", async () => {
    bot = await start({ PHOTO_MAX_MB: "0.01" });
    const ana = meta.citizen(PHONE);
    await converse(ana, TO_PHOTO);
    const before = ana.received.length;
    await ana.sendPhoto(Buffer.alloc(50_000, 1));
    const refused = await ana.expect(/.+/, before);
    expect(refused.text).toMatch(/grande|MB/i);
  });

  it("an expired token turns the channel off with one line; Meta is asked to keep the messages; the rest runs", async () => {
    meta.expireToken();
    bot = await start();
    const off = bot.logs.lines.filter((l) => String(l.msg).startsWith("whatsapp off"));
    expect(off).toHaveLength(1);
    expect(String(off[0].msg)).toContain("WHATSAPP_CLOUD_TOKEN");
    expect(bot.logs.text).not.toContain(GRAPH_TOKEN);
    expect(bot.service.channels().whatsapp).toMatch(/^off/);
    expect((await meta.citizen(PHONE).say("hola")).status).toBe(503);
    const address = bot.service.server.server.address() as { port: number };
    expect((await fetch(`http://127.0.0.1:${address.port}/healthz`)).status).toBe(200);
  });
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

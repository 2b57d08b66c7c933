/**
 * The WhatsApp channel end to end: the production adapter (QR login, reconnection, message reading,
 * numbered choices, paced outbox) against a fake whatsapp-web.js client typed against the real one.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WAWebJS from "whatsapp-web.js";
import { createWhatsAppClient } from "../src/channels/whatsapp/client.js";
import { GuardedRemoteAuth } from "../src/channels/whatsapp/remote-auth.js";
import { createLogger } from "../src/util/logger.js";
import { FakeWhatsApp } from "./fakes/whatsapp.js";
import { tempDir } from "./helpers/app.js";
import { type RunningBot, runBot } from "./helpers/service.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const ADMIN_TOKEN = "a-long-admin-token-for-tests";
const PHONE = "5217221234567";

let network: FakeWhatsApp;
let bot: RunningBot | undefined;
let qrs: string[];

beforeEach(() => {
  network = new FakeWhatsApp();
  network.linked = true;
  qrs = [];
});
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

/** A file that exists where Chromium would be: the fake client never starts it. */
async function fakeChromium(): Promise<string> {
  const path = join(await tempDir(), "chromium");
  await writeFile(path, "");
  return path;
}

async function start(env: Record<string, string> = {}): Promise<RunningBot> {
  const running = await runBot(
    {
      WHATSAPP_ENABLED: "true",
      CHROMIUM_PATH: await fakeChromium(),
      WHATSAPP_CHAT_INTERVAL_MS: "0",
      WHATSAPP_MAX_PER_MINUTE: "6000",
      ADMIN_TOKEN,
      ...env,
    },
    { service: { whatsappClient: network.factory, printQr: (qr) => qrs.push(qr), whatsappReconnectMs: 20 } },
  );
  return running;
}

async function ready(): Promise<void> {
  await network.until(() => (bot?.service.whatsapp?.state === "ready" ? true : undefined), 2000, "WhatsApp ready");
}

describe("whatsapp client (production factory, never started)", () => {
  it("runs on the system Chromium with server flags; the session is kept under DATA_DIR, or in MongoDB when there is one", async () => {
    const dataDir = await tempDir();
    const logger = createLogger("silent");
    const local = (await createWhatsAppClient({ chromiumPath: "/usr/bin/chromium", dataDir, logger })) as unknown as WAWebJS.Client & {
      options: WAWebJS.ClientOptions;
      authStrategy: WAWebJS.LocalAuth & { dataPath: string };
    };
    expect(local).toBeInstanceOf(WAWebJS.Client);
    expect(local.options.puppeteer).toMatchObject({ executablePath: "/usr/bin/chromium", headless: true });
    expect(local.options.puppeteer?.args).toEqual(expect.arrayContaining(["--no-sandbox", "--disable-dev-shm-usage"]));
    expect(local.authStrategy).toBeInstanceOf(WAWebJS.LocalAuth);
    expect(local.authStrategy.dataPath).toContain(join(dataDir, "whatsapp"));

    const sessionFiles = { exists: async () => false, upload: async () => {}, download: async () => false, remove: async () => {} };
    const remote = (await createWhatsAppClient({ chromiumPath: "/usr/bin/chromium", dataDir, sessionFiles, logger })) as unknown as {
      authStrategy: { dataPath: string; backupSyncIntervalMs: number };
    };
    expect(remote.authStrategy).toBeInstanceOf(WAWebJS.RemoteAuth);
    expect(remote.authStrategy).toBeInstanceOf(GuardedRemoteAuth);
    expect(remote.authStrategy.dataPath).toBe(join(dataDir, "whatsapp"));
    expect(remote.authStrategy.backupSyncIntervalMs).toBe(5 * 60 * 1000);
  });
});

describe("whatsapp", () => {
  it("a citizen reports a problem with numbered choices, a shared location and a photo, and follows it by folio", async () => {
    bot = await start();
    await ready();
    const ana = network.citizen(PHONE);
    ana.say("Hola");
    const menu = await ana.expect("¿Qué quieres hacer?");
    expect(menu.content).toContain("*1.* Reportar un problema");
    expect(menu.content).toContain("Responde con el número de tu opción.");
    ana.say("1");
    await ana.expect("¿Aceptas el aviso de privacidad");
    ana.say("Sí");
    const where = await ana.expect("Comparte tu ubicación");
    expect(where.content).toContain("📎 › Ubicación");
    ana.shareLocation(19.2566, -99.6047);
    await ana.expect(/tipo de problema.*en Metepec/s);
    ana.say("alumbrado público");
    await ana.expect("Describe el problema");
    // The photo with the description written under it: both answered, the photo not asked for.
    ana.sendPhoto(await readFile(join(FIXTURES, "bache.png")), "image/png", "La luminaria de la esquina lleva dos semanas apagada");
    await ana.expect("¿Cómo quieres enviar tu reporte?");
    expect(ana.messages.some((m) => m.content.includes("envíala ahora"))).toBe(false);
    ana.say("1");
    const summary = await ana.expect("Revisa tu reporte");
    expect(summary.content).toContain("Foto: incluida");
    ana.say("1");
    const created = await ana.expect(/folio (MET-\d{4}-\d{6})/);
    const folio = /folio (MET-\d{4}-\d{6})/.exec(created.content)?.[1] as string;

    const report = await bot.service.app.store.reports.byFolio(folio);
    expect(report).toMatchObject({
      channel: "whatsapp",
      citizenId: `whatsapp:${PHONE}@c.us`,
      location: { latitude: 19.2566, longitude: -99.6047 },
      description: "La luminaria de la esquina lleva dos semanas apagada",
    });
    expect((await bot.service.app.store.media.get(report?.photos[0] as string))?.data).toEqual(await readFile(join(FIXTURES, "bache.png")));

    const luis = network.citizen("5217229876543");
    luis.say("hola");
    await luis.expect("¿Qué quieres hacer?");
    luis.say("2");
    await luis.expect("Escribe el folio");
    luis.say(folio);
    await luis.expect(`Folio ${folio} — Metepec`);

    // The chat appears in the logs only as a pseudonym, never as the phone number.
    expect(bot.logs.text).not.toContain(PHONE);
    expect(bot.logs.text).not.toContain("luminaria");
  });

  it("processes a message id once, ignores groups, status updates and its own messages, and answers a voice note kindly", async () => {
    bot = await start();
    await ready();
    const ana = network.citizen(PHONE);
    const hello = ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    const count = ana.messages.length;
    ana.again(hello);
    network.deliver(network.message("120363025246125486@g.us", { type: "chat" as never, body: "hola grupo" }));
    network.deliver(network.message("status@broadcast", { type: "chat" as never, body: "mi estado", isStatus: true, broadcast: true }));
    network.deliver({ ...network.message(`${PHONE}@c.us`, { type: "chat" as never, body: "eco" }), fromMe: true });
    await new Promise((r) => setTimeout(r, 150));
    expect(ana.messages).toHaveLength(count);
    expect(network.sent.every((m) => m.chatId === `${PHONE}@c.us`)).toBe(true);

    ana.sendVoiceNote();
    const voice = await ana.expect("notas de voz");
    expect(voice.content).toContain("¿Qué quieres hacer?");
    ana.edit(hello, "hola de nuevo");
    await ana.expect("editaste un mensaje");
  });

  it("shows the QR to scan in the terminal and on the admin page, then says when it is connected", async () => {
    network.linked = false;
    bot = await start();
    await network.until(() => (qrs.length ? true : undefined), 2000, "a QR");
    expect(bot.service.whatsapp?.state).toBe("qr");
    const page = await bot.service.server.inject({ url: `/admin/whatsapp?token=${ADMIN_TOKEN}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<svg");
    expect(page.body).toContain("Escanea este código");
    expect(page.headers["cache-control"]).toBe("no-store");
    expect((await bot.service.server.inject({ url: "/admin/whatsapp" })).statusCode).toBe(401);
    expect((await bot.service.server.inject({ url: "/admin/whatsapp?token=wrong-token-of-same-size!!" })).statusCode).toBe(401);
    const bearer = await bot.service.server.inject({ url: "/admin/whatsapp", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(bearer.statusCode).toBe(200);

    network.client.emit("ready");
    await ready();
    const connected = await bot.service.server.inject({ url: `/admin/whatsapp?token=${ADMIN_TOKEN}` });
    expect(connected.body).toContain("WhatsApp está conectado.");
    expect(connected.body).not.toContain("<svg");
  });

  it("without ADMIN_TOKEN the QR page does not exist", async () => {
    network.linked = false;
    bot = await start({ ADMIN_TOKEN: "" });
    expect((await bot.service.server.inject({ url: "/admin/whatsapp?token=anything-at-all-here" })).statusCode).toBe(404);
  });

  it("reconnects after a disconnection, and keeps the session folder under DATA_DIR", async () => {
    bot = await start();
    await ready();
    expect(network.client.settings.dataDir).toBe(bot.dataDir);
    // The embedded store keeps the session on this machine: nothing is shared.
    expect(network.client.settings.sessionFiles).toBeUndefined();
    const first = network.client;
    first.emit("disconnected", "NAVIGATION");
    await network.until(() => (network.clients.length === 2 && bot?.service.whatsapp?.state === "ready" ? true : undefined), 2000, "a new client");
    expect(first.destroyed).toBe(true);
    expect(bot.logs.lines.some((l) => l.msg === "whatsapp disconnected" && l.reason === "NAVIGATION")).toBe(true);
    const ana = network.citizen(PHONE);
    ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
  });

  it("replies that could not go out while WhatsApp was away are delivered once it is back", async () => {
    bot = await start();
    await ready();
    const ana = network.citizen(PHONE);
    network.sendError = new Error("Evaluation failed: connection lost");
    ana.say("hola");
    await new Promise((r) => setTimeout(r, 100));
    expect(ana.messages).toHaveLength(0);
    network.sendError = undefined;
    network.client.emit("disconnected", "CONFLICT");
    const menu = await ana.expect("¿Qué quieres hacer?");
    expect(menu.content).toContain("Soy Municipio Abierto");
    // Delivered from the outbox, once.
    const store = bot.service.app.store;
    for (let i = 0; i < 100 && (await store.outbox.depth()).unsent > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await store.outbox.depth()).unsent).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(ana.messages.filter((m) => m.content.includes("¿Qué quieres hacer?"))).toHaveLength(1);
  });

  it("paces what it sends to one chat", async () => {
    bot = await start({ WHATSAPP_CHAT_INTERVAL_MS: "600" });
    await ready();
    const ana = network.citizen(PHONE);
    ana.say("hola");
    await ana.expect("¿Qué quieres hacer?");
    ana.say("3");
    await ana.expect("¿Qué quieres conocer?");
    const [a, b] = ana.messages.map((m) => m.at);
    // Unpaced, the second follows the first by the time it takes to read «3»: a few ms, some tens
    // under the full suite's load. The bot times the sends' starts and the fake their arrivals,
    // which that load moves too (92 ms apart for 150 once in CI): so the gap is wide and the bound
    // far from both, paced meaning clearly apart, not 600 to the ms.
    expect(b - a).toBeGreaterThanOrEqual(400);
  });

  it("a WhatsApp Web client that cannot be made (whatsapp-web.js missing): one clear line, and the bot runs", async () => {
    bot = await runBot(
      { WHATSAPP_ENABLED: "true", CHROMIUM_PATH: await fakeChromium(), ADMIN_TOKEN },
      {
        service: {
          whatsappClient: async () => {
            throw new Error("Cannot find package 'whatsapp-web.js'");
          },
          printQr: () => {},
        },
      },
    );
    expect(bot.logs.lines.filter((l) => l.msg === "whatsapp off: cannot make a WhatsApp Web client")).toHaveLength(1);
    expect(bot.service.whatsapp?.state).toBe("off");
    expect((await bot.service.server.inject({ url: "/healthz" })).statusCode).toBe(200);
  });

  it("without Chromium: one clear line, and the other channels keep running", async () => {
    bot = await start({ CHROMIUM_PATH: "/nonexistent/chromium" });
    await new Promise((r) => setTimeout(r, 50));
    const lines = bot.logs.lines.filter((l) => String(l.msg).startsWith("whatsapp off"));
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toBe("whatsapp off: Chromium not found at /nonexistent/chromium; install it (apt-get install chromium) or set CHROMIUM_PATH");
    expect(network.clients).toHaveLength(0);
    expect((await bot.service.server.inject({ url: "/healthz" })).statusCode).toBe(200);
    const chat = await bot.service.server.inject({
      method: "POST",
      url: "/api/chat/messages",
      payload: { session: crypto.randomUUID(), id: crypto.randomUUID(), text: "hola" },
    });
    expect(chat.json().result).toBe("processed");
  });

  it("when WhatsApp Web cannot be opened, says so and keeps trying; the rest keeps running", async () => {
    network.initializeError = new Error("net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/");
    bot = await start();
    await network.until(() => (network.clients.length >= 2 ? true : undefined), 2000, "a second attempt");
    expect(bot.logs.lines.some((l) => l.msg === "whatsapp cannot open WhatsApp Web" && String(l.reason).includes("ERR_NAME_NOT_RESOLVED"))).toBe(true);
    network.initializeError = undefined;
    await ready();
    expect((await bot.service.server.inject({ url: "/healthz" })).statusCode).toBe(200);
  });
});

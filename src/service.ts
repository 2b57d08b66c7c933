/**
 * The running bot: the app, the HTTP server and every channel the configuration turns on, started
 * and stopped in the right order. `npm start` and the end-to-end tests use this same composition.
 */

import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type App, type AppOptions, adminDeps, createApp } from "./app.js";
import { CONSOLE_SOCKET, type ConsoleServer, serveConsole } from "./channels/console/socket.js";
import type { TelegramChannel } from "./channels/telegram/channel.js";
import { limitedChatPlugin } from "./channels/web/rate-limits.js";
import type { WhatsAppChannel } from "./channels/whatsapp/channel.js";
import type { ClientFactory } from "./channels/whatsapp/client.js";
import type { CloudWhatsAppChannel } from "./channels/whatsapp/cloud/channel.js";
import { NoticeTemplates } from "./channels/whatsapp/cloud/templates.js";
import { cloudWebhookPlugin, WEBHOOK_PATH } from "./channels/whatsapp/cloud/webhook.js";
import type { Config } from "./config/settings.js";
import { metricsPlugin } from "./http/metrics.js";
import { myDataPagePlugin } from "./http/my-data-page.js";
import { privacyPagePlugin } from "./http/privacy-page.js";
import { contribution, createHttpServer, type HttpContribution } from "./http/server.js";
import { type Open311Options, open311Plugin } from "./open-data/open311.js";
import { panelPlugin } from "./panel/index.js";
import { runAdmin } from "./secretariat/admin-commands.js";
import type { SecretariatDeps, SecretariatFace } from "./secretariat/index.js";
import { planCommandInBot } from "./secretariat/plan-commands.js";

export interface Service {
  app: App;
  server: FastifyInstance;
  telegram?: TelegramChannel;
  /** The secretariat's face in Telegram groups (with Telegram on). */
  secretariat?: SecretariatFace;
  whatsapp?: WhatsAppChannel;
  /** WhatsApp on Meta's Cloud API (WHATSAPP_MODE=cloud). */
  whatsappCloud?: CloudWhatsAppChannel;
  /** What each channel is doing, for the start-up line. */
  channels(): Record<string, string>;
  stop(): Promise<void>;
}

export interface ServiceOptions extends AppOptions {
  /** How the WhatsApp client is made: whatsapp-web.js in production, a fake in tests. */
  whatsappClient?: ClientFactory;
  /** Where the WhatsApp QR is printed besides the admin page (the terminal by default). */
  printQr?: (qr: string) => void;
  /** First pause before WhatsApp reconnects (tests shorten it). */
  whatsappReconnectMs?: number;
  /** Cloud API: first pause after a rate limit or a server error (tests shorten it). */
  whatsappCloudRetryMs?: number;
}

/** What the open data's routes work with, from the app. */
export function open311Options(app: App): Open311Options {
  const { contact, ...context } = app.openData;
  return {
    reports: app.store.reports,
    media: app.store.media,
    lifecycle: app.secretariat.lifecycle,
    categories: app.categories,
    municipalities: app.municipalities,
    context,
    clock: app.clock,
    publicUrl: app.publicUrl,
    contact,
    folioDigits: app.deployment.folioDigits,
    perMinute: app.config.OPEN_DATA_MAX_PER_MINUTE,
  };
}

/** What the secretariat's Telegram face works with, from the app. */
function secretariatDeps(app: App): SecretariatDeps {
  const { secretariat, store } = app;
  return {
    ...secretariat,
    municipalities: app.municipalities,
    reports: store.reports,
    cards: store.cards,
    prompts: store.prompts,
    events: store.events,
    dataRights: app.dataRights,
    outbox: store.outbox,
    delivery: app.delivery,
    texts: app.texts,
    lang: app.defaultLanguage,
    folioDigits: app.deployment.folioDigits,
    timeZone: app.deployment.timeZone,
    digestHour: app.config.DIGEST_HOUR,
    clock: app.clock,
    logger: app.logger,
    pseudonym: app.pseudonym,
  };
}

export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  // A bad templates file stops start-up before anything is opened.
  const templates =
    config.WHATSAPP_ENABLED && config.WHATSAPP_MODE === "cloud" ? NoticeTemplates.load(join(config.CONFIG_DIR, "whatsapp-templates.yaml")) : undefined;
  const token = config.TELEGRAM_BOT_TOKEN;
  // A channel's modules (grammY, whatsapp-web.js, QR codes) are loaded only when it runs.
  const withTelegram = token ? telegramModules() : undefined;
  const withWhatsApp = config.WHATSAPP_ENABLED && !templates ? whatsappModules() : undefined;
  // Awaited below, after the app: a failure is told there, never as an unhandled rejection meanwhile.
  withTelegram?.catch(() => undefined);
  withWhatsApp?.catch(() => undefined);
  const app = await createApp(config, { ...options, auditTrailAfterStart: true });
  let tg: Awaited<typeof withTelegram>;
  let wa: Awaited<typeof withWhatsApp>;
  try {
    tg = await withTelegram;
    wa = await withWhatsApp;
  } catch (err) {
    await app.close();
    throw err;
  }
  // The secretariat works in Telegram groups: its face runs inside the Telegram channel.
  const face = tg ? new tg.SecretariatFace(secretariatDeps(app)) : undefined;
  const telegram =
    tg && token
      ? new tg.TelegramChannel({
          config: { ...config, TELEGRAM_BOT_TOKEN: token },
          defaultLanguage: app.defaultLanguage,
          conversations: app.conversations,
          delivery: app.delivery,
          flowCommands: app.flowCommands,
          texts: app.texts,
          logger: app.logger,
          groups: face?.middleware,
          groupCommands: face?.commands,
          media: (id) => app.store.media.get(id),
          files: (ref) => app.myDataFiles.ofPath(ref),
        })
      : undefined;
  if (face && telegram) {
    face.attach(telegram.bot.api, {
      send: (chatId, message) => telegram.deliver(chatId, message),
      download: (fileId, maxBytes) => telegram.download(fileId, maxBytes),
    });
    app.dispatcher.setCardPublisher(face.cards);
    app.secretariat.handoffs.setRelay(face.handoffs);
    app.secretariat.replies.setRelay(face.cards);
  }
  const cloud = templates ? await cloudChannel(app, config, templates, options) : undefined;
  const whatsapp =
    wa && !cloud
      ? new wa.WhatsAppChannel({
          config,
          conversations: app.conversations,
          delivery: app.delivery,
          texts: app.texts,
          logger: app.logger,
          pseudonym: app.pseudonym,
          createClient: options.whatsappClient ?? wa.createWhatsAppClient,
          files: (ref) => app.myDataFiles.ofPath(ref),
          // With MongoDB, the WhatsApp session is kept there too (RemoteAuth).
          sessionFiles: app.store.sharedFiles,
          printQr: options.printQr,
          reconnectMs: options.whatsappReconnectMs,
        })
      : undefined;
  // Each channel and feature contributes its routes; the server only mounts them.
  // The full privacy notice is linked from every channel: always served.
  const plugins: HttpContribution[] = [
    contribution(privacyPagePlugin, { notice: app.privacyNotice, texts: app.texts }),
    contribution(metricsPlugin, { metrics: app.metrics, token: config.METRICS_TOKEN }),
  ];
  // Open data (Open311 GeoReport v2, CSV, GeoJSON): read-only, de-identified, always served.
  plugins.push(contribution(open311Plugin, open311Options(app)));
  // The file of "mis datos", from the link the chat gives.
  plugins.push(contribution(myDataPagePlugin, { files: app.myDataFiles }));
  if (config.WEB_CHAT_ENABLED) {
    plugins.push(
      contribution(limitedChatPlugin, {
        service: app.conversations,
        texts: app.texts,
        defaultLanguage: app.defaultLanguage,
        photoMaxBytes: config.PHOTO_MAX_MB * 1024 * 1024,
        publicUrl: app.publicUrl,
        delivery: app.delivery,
        limits: {
          perSession: config.WEB_CHAT_SESSION_MAX_PER_MINUTE,
          perAddress: config.WEB_CHAT_ADDRESS_MAX_PER_MINUTE,
          largePerAddress: config.WEB_CHAT_ADDRESS_PHOTOS_PER_MINUTE,
        },
      }),
    );
  }
  const webhook = telegram?.webhook;
  if (tg && telegram && webhook) plugins.push(contribution(tg.telegramWebhookPlugin, { ...webhook, handle: (update) => telegram.handleWebhookUpdate(update) }));
  if (cloud && config.WHATSAPP_VERIFY_TOKEN && config.WHATSAPP_APP_SECRET) {
    plugins.push(
      contribution(cloudWebhookPlugin, {
        verifyToken: config.WHATSAPP_VERIFY_TOKEN,
        appSecret: config.WHATSAPP_APP_SECRET,
        handle: (payload) => cloud.handleWebhook(payload),
      }),
    );
  }
  if (wa && whatsapp) {
    plugins.push(
      contribution(wa.whatsappQrPagePlugin, {
        adminToken: config.ADMIN_TOKEN,
        texts: app.texts,
        lang: app.defaultLanguage,
        status: () => ({ state: whatsapp.state, qr: whatsapp.qr }),
      }),
    );
  }
  if (config.PANEL_ENABLED) {
    const { secretariat, store } = app;
    plugins.push(
      contribution(panelPlugin, {
        prefix: "/panel",
        members: secretariat.members,
        triage: secretariat.triage,
        lifecycle: secretariat.lifecycle,
        areas: secretariat.areas,
        templates: secretariat.templates,
        photos: secretariat.photos,
        commitments: secretariat.commitments,
        plans: app.plans,
        announcements: secretariat.announcements,
        reports: store.reports,
        commitmentRecords: store.commitments,
        events: store.events,
        dataRights: app.dataRights,
        municipalities: app.municipalities,
        categories: app.categories,
        texts: app.texts,
        defaultLanguage: app.defaultLanguage,
        languages: app.deployment.languages,
        timeZone: app.deployment.timeZone,
        folioDigits: app.deployment.folioDigits,
        session: {
          key: config.PANEL_SESSION_KEY ? Buffer.from(config.PANEL_SESSION_KEY) : app.keyFor("panel-session"),
          ttlMs: config.PANEL_SESSION_HOURS * 3600_000,
        },
        clock: app.clock,
        logger: app.logger,
        whatsapp: whatsapp ? () => ({ state: whatsapp.state, qr: whatsapp.qr }) : undefined,
      }),
    );
  }
  const server = await createHttpServer({
    logger: app.logger,
    store: app.store,
    plugins,
    texts: app.texts,
    defaultLanguage: app.defaultLanguage,
    trustProxy: config.TRUST_PROXY,
    webChat: config.WEB_CHAT_ENABLED,
    channelsReady: () => ({
      ...(telegram ? { telegram: telegram.state === "polling" || telegram.state === "webhook" } : {}),
      ...(whatsapp ? { whatsapp: whatsapp.state === "ready" } : {}),
      ...(cloud ? { whatsapp: cloud.state === "on" } : {}),
    }),
  });
  try {
    await server.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    await app.close();
    throw err;
  }
  // What start-up left for now (the audit trail's entries); its failure is the process's (main.ts).
  app.finishStarting().catch(() => undefined);
  // `npm run chat` talks to this process through DATA_DIR, which the embedded store holds for it alone.
  let consoleServer: ConsoleServer | undefined;
  if (app.store.kind === "embedded") {
    const rights = tg && telegram ? (chat: string) => tg.checkChatRights(telegram.bot.api, chat) : undefined;
    const admin = (argv: string[]) => (argv[0] === "plan" ? planCommandInBot(argv.slice(1), app) : runAdmin(argv, adminDeps(app, rights)));
    consoleServer = await serveConsole(join(config.DATA_DIR, CONSOLE_SOCKET), app.conversations, app.logger, admin).catch((err: Error) => {
      app.logger.warn({ reason: err.message }, "console socket not available: `npm run chat` cannot reach this bot");
      return undefined;
    });
  }
  // Telegram and WhatsApp connect in the background: neither holds the rest back.
  void telegram?.start();
  void whatsapp?.start();
  void cloud?.start();
  // Messages a stopped process claimed but never finished are processed now (and swept again every minute).
  app.conversations.startRecovery({ soleProcess: app.store.kind === "embedded" });
  // What the bot sends on its own initiative goes out through the channels that registered.
  app.delivery.start();
  // Changes to reports set off their notices and cards (and a sweep catches what a crash left behind).
  app.dispatcher.start();
  app.commitmentDispatcher.start();
  // Announcements whose time comes (also those scheduled before a restart).
  app.announcementDispatcher.start();
  app.conversations.startDraftSweep();
  // Closed reports older than RETENTION_DAYS lose their citizen's data, once an hour.
  app.retention.start();
  // Each secretariat group's daily digest.
  face?.start();

  return {
    app,
    server,
    telegram,
    secretariat: face,
    whatsapp,
    whatsappCloud: cloud,
    channels() {
      const address = server.server.address();
      const port = typeof address === "object" && address ? address.port : config.PORT;
      return {
        web: config.WEB_CHAT_ENABLED ? `on at http://localhost:${port}/` : "off (set WEB_CHAT_ENABLED=true)",
        telegram: telegram ? `${telegram.state} (${telegram.mode})` : "off (set TELEGRAM_BOT_TOKEN)",
        whatsapp: cloud
          ? `${cloud.state === "off" ? "off (see the line above)" : cloud.state} (Cloud API, webhook at ${app.publicUrl}${WEBHOOK_PATH})`
          : !whatsapp
            ? "off (set WHATSAPP_ENABLED=true)"
            : whatsapp.state === "off"
              ? "off (see the line above)"
              : `${whatsapp.state}${config.ADMIN_TOKEN ? ", QR in this terminal and at /admin/whatsapp" : ", QR in this terminal"}`,
        console: consoleServer ? "run `npm run --silent chat` in another terminal: it talks to this bot" : "run `npm run --silent chat` in another terminal",
      };
    },
    async stop() {
      await face?.stop();
      await telegram?.stop();
      await whatsapp?.stop();
      await cloud?.stop();
      await consoleServer?.close();
      await server.close();
      await app.close();
    },
  };
}

/** The Telegram channel's modules and the secretariat's face in its groups (grammY). */
async function telegramModules() {
  const [channel, webhook, face, rights] = await Promise.all([
    import("./channels/telegram/channel.js"),
    import("./channels/telegram/webhook.js"),
    import("./secretariat/index.js"),
    import("./secretariat/chat-rights.js"),
  ]);
  return {
    TelegramChannel: channel.TelegramChannel,
    telegramWebhookPlugin: webhook.telegramWebhookPlugin,
    SecretariatFace: face.SecretariatFace,
    checkChatRights: rights.checkChatRights,
  };
}

/** The WhatsApp Web channel's modules (whatsapp-web.js itself is loaded when the client starts). */
async function whatsappModules() {
  const [channel, client, qrPage] = await Promise.all([
    import("./channels/whatsapp/channel.js"),
    import("./channels/whatsapp/client.js"),
    import("./channels/whatsapp/qr-page.js"),
  ]);
  return { WhatsAppChannel: channel.WhatsAppChannel, createWhatsAppClient: client.createWhatsAppClient, whatsappQrPagePlugin: qrPage.whatsappQrPagePlugin };
}

/** The Cloud API channel; the settings it needs were checked at start-up (settings.ts). */
async function cloudChannel(app: App, config: Config, templates: NoticeTemplates, options: ServiceOptions): Promise<CloudWhatsAppChannel> {
  const { WHATSAPP_CLOUD_TOKEN: token, WHATSAPP_PHONE_NUMBER_ID: phoneNumberId } = config;
  if (!token || !phoneNumberId) throw new Error("WHATSAPP_MODE=cloud needs WHATSAPP_CLOUD_TOKEN and WHATSAPP_PHONE_NUMBER_ID");
  const { CloudWhatsAppChannel } = await import("./channels/whatsapp/cloud/channel.js");
  return new CloudWhatsAppChannel({
    config: { ...config, WHATSAPP_CLOUD_TOKEN: token, WHATSAPP_PHONE_NUMBER_ID: phoneNumberId },
    conversations: app.conversations,
    delivery: app.delivery,
    templates,
    texts: app.texts,
    clock: app.clock,
    logger: app.logger,
    pseudonym: app.pseudonym,
    retryMs: options.whatsappCloudRetryMs,
  });
}

/**
 * The WhatsApp channel: whatsapp-web.js on the system Chromium, logged in by QR (printed in the
 * terminal and shown on the admin page), reconnecting with backoff. `readMessage` turns messages
 * into neutral ones, the conversation runtime answers, `toWhatsApp` turns answers into text, and
 * the outbox paces them. Chats appear in logs only as pseudonyms.
 */
import Bottleneck from "bottleneck";
import qrcodeTerminal from "qrcode-terminal";
import type { Config } from "../../config/settings.js";
import type { ConversationService } from "../../conversation/conversations.js";
import type { OutboundMessage } from "../../conversation/messages.js";
import type { Texts } from "../../locale/texts.js";
import type { Delivery } from "../../notify/delivery.js";
import { errorInfo } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import type { Pseudonymizer } from "../../util/pseudonym.js";
import { type ClientFactory, type ClientSettings, chromiumAvailable, type WhatsAppClient } from "./client.js";
import { readEdit, readMessage, type WhatsAppEvent } from "./messages.js";
import { toWhatsApp } from "./replies.js";

export type WhatsAppStatus = "off" | "starting" | "qr" | "ready" | "reconnecting";

export interface WhatsAppChannelOptions {
  config: Pick<Config, "CHROMIUM_PATH" | "DATA_DIR" | "WHATSAPP_CHAT_INTERVAL_MS" | "WHATSAPP_MAX_PER_MINUTE">;
  conversations: ConversationService;
  /** The outbox worker: this channel delivers what waits for WhatsApp chats while it is connected. */
  delivery: Delivery;
  texts: Texts;
  logger: Logger;
  pseudonym: Pseudonymizer;
  createClient: ClientFactory;
  /** The bytes of a file a reply carries (its `file.ref`), made when it is sent; undefined when it cannot be. */
  files?: (ref: string) => Promise<Buffer | undefined>;
  /** Where the session is kept when the store is shared between machines (MongoDB). */
  sessionFiles?: ClientSettings["sessionFiles"];
  /** Where the QR goes besides the admin page (the terminal by default). */
  printQr?: (qr: string) => void;
  /** First pause before reconnecting (doubled each time, up to five minutes). */
  reconnectMs?: number;
}

const RECONNECT_MAX_MS = 5 * 60 * 1000;

export class WhatsAppChannel {
  private client?: WhatsAppClient;
  private status: WhatsAppStatus = "off";
  private latestQr?: string;
  private reconnectDelay: number;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly global: Bottleneck;
  private readonly perChat: Bottleneck.Group;

  constructor(private readonly options: WhatsAppChannelOptions) {
    this.reconnectDelay = options.reconnectMs ?? 5000;
    const { config } = options;
    // Conservative pacing: one message at a time per chat with a pause between, and a ceiling per minute overall.
    this.global = new Bottleneck({ minTime: Math.ceil(60_000 / config.WHATSAPP_MAX_PER_MINUTE) });
    this.perChat = new Bottleneck.Group({ maxConcurrent: 1, minTime: config.WHATSAPP_CHAT_INTERVAL_MS });
    this.perChat.on("created", (limiter) => limiter.chain(this.global));
    // What waits in the outbox goes out through the same pacing as replies, while connected.
    options.delivery.register("whatsapp", { send: (chatId, reply) => this.send(chatId, reply) });
    options.delivery.down("whatsapp");
  }

  get state(): WhatsAppStatus {
    return this.status;
  }

  /** The QR code waiting to be scanned, while there is one. */
  get qr(): string | undefined {
    return this.status === "qr" ? this.latestQr : undefined;
  }

  /** Opens WhatsApp Web. Never throws: without Chromium the channel stays off with one log line. */
  async start(): Promise<boolean> {
    const { config, logger } = this.options;
    if (!chromiumAvailable(config.CHROMIUM_PATH)) {
      logger.error(
        { channel: "whatsapp", chromium: config.CHROMIUM_PATH },
        `whatsapp off: Chromium not found at ${config.CHROMIUM_PATH}; install it (apt-get install chromium) or set CHROMIUM_PATH`,
      );
      return false;
    }
    this.stopped = false;
    await this.connect();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.delivery.down("whatsapp");
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.status = "off";
    await client?.destroy().catch(() => undefined);
    await this.global.stop({ dropWaitingJobs: false }).catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { config, logger, createClient, sessionFiles } = this.options;
    this.status = "starting";
    let client: WhatsAppClient;
    try {
      client = await createClient({ chromiumPath: config.CHROMIUM_PATH, dataDir: config.DATA_DIR, sessionFiles, logger });
    } catch (err) {
      // whatsapp-web.js could not be loaded or made a client: the channel stays off, the rest runs.
      this.status = "off";
      logger.error({ channel: "whatsapp", reason: errorInfo(err).message }, "whatsapp off: cannot make a WhatsApp Web client");
      return;
    }
    if (this.stopped) {
      await client.destroy().catch(() => undefined);
      return;
    }
    this.client = client;
    client.on("qr", (qr) => this.onQr(qr));
    client.on("authenticated", () => logger.info({ channel: "whatsapp" }, "whatsapp session authenticated"));
    client.on("auth_failure", (message) => logger.error({ channel: "whatsapp", reason: message }, "whatsapp login failed; scan a new QR code"));
    client.on("ready", () => {
      this.status = "ready";
      this.latestQr = undefined;
      this.reconnectDelay = this.options.reconnectMs ?? 5000;
      logger.info({ channel: "whatsapp" }, "whatsapp on");
      // What could not go out while WhatsApp was away goes now.
      this.options.delivery.up("whatsapp");
    });
    client.on("disconnected", (reason) => {
      logger.warn({ channel: "whatsapp", reason }, "whatsapp disconnected");
      this.options.delivery.down("whatsapp");
      void this.reconnect(client);
    });
    client.on("message", (message) => void this.onMessage(readMessage(message)));
    client.on("message_edit", (message) => void this.onMessage(readEdit(message, Date.now())));
    try {
      await client.initialize();
    } catch (err) {
      logger.error({ channel: "whatsapp", reason: errorInfo(err).message, retryInMs: this.reconnectDelay }, "whatsapp cannot open WhatsApp Web");
      void this.reconnect(client);
    }
  }

  /** Closes the old client and opens a new one after a pause that doubles each time. */
  private async reconnect(old: WhatsAppClient): Promise<void> {
    if (this.stopped || this.client !== old) return;
    this.status = "reconnecting";
    this.client = undefined;
    await old.destroy().catch(() => undefined);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped) void this.connect();
    }, delay);
  }

  private onQr(qr: string): void {
    this.status = "qr";
    this.latestQr = qr;
    this.options.logger.info({ channel: "whatsapp" }, "whatsapp waiting for a QR scan (terminal, or /admin/whatsapp)");
    const print = this.options.printQr ?? ((code: string) => qrcodeTerminal.generate(code, { small: true }, (art) => process.stdout.write(`${art}\n`)));
    print(qr);
  }

  private async onMessage(event: WhatsAppEvent): Promise<void> {
    if (event.kind !== "citizen") return;
    try {
      await this.options.conversations.handle(
        { channel: "whatsapp", chatId: event.chatId, messageId: event.messageId, content: event.content },
        (chatId, reply) => this.send(chatId, reply),
      );
    } catch (err) {
      this.options.logger.error({ channel: "whatsapp", chat: this.options.pseudonym(event.chatId), reason: errorInfo(err).message }, "whatsapp message failed");
    }
  }

  /** Resolves once WhatsApp has taken the message; paced by the outbox. */
  private send(chatId: string, reply: OutboundMessage): Promise<void> {
    const text = toWhatsApp(reply, this.options.texts);
    return this.perChat.key(chatId).schedule(async () => {
      const client = this.client;
      if (!client || this.status !== "ready") throw new Error("WhatsApp is not connected");
      if (reply.file) return this.sendFile(client, chatId, reply.file, text);
      await client.sendMessage(chatId, text);
    });
  }

  /** A file the bot made (the citizen's data) as a document with its caption; its link when it cannot be made any more. */
  private async sendFile(client: WhatsAppClient, chatId: string, file: NonNullable<OutboundMessage["file"]>, caption: string): Promise<void> {
    const data = await this.options.files?.(file.ref);
    if (!data) {
      await client.sendMessage(chatId, file.fallback);
      return;
    }
    const { default: WAWebJS } = await import("whatsapp-web.js");
    const media = new WAWebJS.MessageMedia(file.mime, data.toString("base64"), file.name, data.length);
    await client.sendMessage(chatId, media, { caption, sendMediaAsDocument: true });
  }
}

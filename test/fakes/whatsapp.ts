/**
 * A fake whatsapp-web.js client: the events and methods the channel uses, typed against the real
 * package (WhatsAppClient and WhatsAppMessage are derived from its types), driven by the test.
 * Messages it delivers are built with the package's own MessageMedia and Location classes.
 */
import { EventEmitter } from "node:events";
import WAWebJS from "whatsapp-web.js";
import type { ClientSettings, WhatsAppClient, WhatsAppMessage } from "../../src/channels/whatsapp/client.js";

export interface SentMessage {
  chatId: string;
  /** The text, or a media's caption. */
  content: string;
  at: number;
  /** A file sent as a MessageMedia. */
  document?: { name: string; mimetype: string; data: Buffer; asDocument: boolean };
}

export class FakeWhatsAppClient extends EventEmitter implements WhatsAppClient {
  initialized = false;
  destroyed = false;

  constructor(
    readonly network: FakeWhatsApp,
    readonly settings: ClientSettings,
  ) {
    super();
  }

  async initialize(): Promise<void> {
    this.initialized = true;
    if (this.network.initializeError) throw this.network.initializeError;
    // Like whatsapp-web.js: a QR to scan when there is no session, then ready once linked.
    if (this.network.linked) setImmediate(() => this.emit("ready"));
    else setImmediate(() => this.emit("qr", `2@fake-qr-${this.network.clients.length}`));
  }

  async sendMessage(chatId: string, content: string | WAWebJS.MessageMedia, options?: { caption?: string; sendMediaAsDocument?: boolean }): Promise<unknown> {
    if (this.destroyed) throw new Error("Session closed");
    if (this.network.sendError) throw this.network.sendError;
    if (typeof content === "string") this.network.record({ chatId, content, at: performance.now() });
    else {
      // Like whatsapp-web.js: a MessageMedia with its caption in the options.
      if (!(content instanceof WAWebJS.MessageMedia)) throw new Error("sendMessage takes a string or a MessageMedia");
      const document = {
        name: content.filename ?? "",
        mimetype: content.mimetype,
        data: Buffer.from(content.data, "base64"),
        asDocument: options?.sendMediaAsDocument === true,
      };
      this.network.record({ chatId, content: options?.caption ?? "", at: performance.now(), document });
    }
    return {};
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}

/** The WhatsApp network as the tests see it: the clients the bot made, and the citizens writing to it. */
export class FakeWhatsApp {
  readonly clients: FakeWhatsAppClient[] = [];
  readonly sent: SentMessage[] = [];
  /** A session already linked: initialize() goes straight to ready. */
  linked = false;
  initializeError?: Error;
  /** Every sendMessage fails with this while set (the connection dropped under the bot). */
  sendError?: Error;
  private readonly waiters = new Set<() => void>();
  private nextId = 1;

  /** The factory the service gets instead of the real one. */
  readonly factory = (settings: ClientSettings): WhatsAppClient => {
    const client = new FakeWhatsAppClient(this, settings);
    this.clients.push(client);
    return client;
  };

  get client(): FakeWhatsAppClient {
    const client = this.clients.at(-1);
    if (!client) throw new Error("the bot made no WhatsApp client");
    return client;
  }

  record(message: SentMessage): void {
    this.sent.push(message);
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `test` holds: checked after each message the bot sends, and every 10 ms for state changes. */
  until<T>(test: () => T | undefined, ms = 5000, what = "the bot's answer"): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = test();
        if (value === undefined) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        clearInterval(poll);
        resolve(value);
        return true;
      };
      const poll = setInterval(check, 10);
      const timer = setTimeout(() => {
        clearInterval(poll);
        this.waiters.delete(check);
        reject(
          new Error(
            `timed out waiting for ${what}; last sent:\n${this.sent
              .slice(-4)
              .map((m) => `  ${m.content.slice(0, 100)}`)
              .join("\n")}`,
          ),
        );
      }, ms);
      if (!check()) this.waiters.add(check);
    });
  }

  /** Delivers a message to the bot, as the client's `message` event does. */
  deliver(message: WhatsAppMessage): void {
    this.client.emit("message", message);
  }

  message(from: string, fields: Partial<WhatsAppMessage> & Pick<WhatsAppMessage, "type">, id?: string): WhatsAppMessage {
    const serial = id ?? `false_${from}_${(this.nextId++).toString(16).toUpperCase().padStart(16, "0")}`;
    return {
      id: { fromMe: false, remote: from, id: serial.split("_").at(-1) ?? serial, _serialized: serial },
      from,
      fromMe: false,
      body: "",
      hasMedia: false,
      location: undefined as unknown as WAWebJS.Location,
      isStatus: false,
      broadcast: false,
      downloadMedia: async () => undefined as unknown as WAWebJS.MessageMedia,
      ...fields,
    };
  }

  /** A citizen in a private chat. */
  citizen(phone: string): FakeCitizen {
    return new FakeCitizen(this, `${phone}@c.us`);
  }
}

export class FakeCitizen {
  private read = 0;

  constructor(
    readonly network: FakeWhatsApp,
    readonly chatId: string,
  ) {}

  private deliver(fields: Partial<WhatsAppMessage> & Pick<WhatsAppMessage, "type">, id?: string): WhatsAppMessage {
    this.read = this.messages.length;
    const message = this.network.message(this.chatId, fields, id);
    this.network.deliver(message);
    return message;
  }

  say(text: string, id?: string): WhatsAppMessage {
    return this.deliver({ type: WAWebJS.MessageTypes.TEXT, body: text }, id);
  }

  shareLocation(latitude: number, longitude: number): WhatsAppMessage {
    return this.deliver({ type: WAWebJS.MessageTypes.LOCATION, location: new WAWebJS.Location(latitude, longitude) });
  }

  /** A photo, with the text the citizen wrote under it (whatsapp-web.js gives a caption as the message's body). */
  sendPhoto(data: Buffer, mimetype = "image/png", caption = ""): WhatsAppMessage {
    return this.deliver({
      type: WAWebJS.MessageTypes.IMAGE,
      hasMedia: true,
      body: caption,
      downloadMedia: async () => new WAWebJS.MessageMedia(mimetype, data.toString("base64")),
    });
  }

  sendVoiceNote(): WhatsAppMessage {
    return this.deliver({ type: WAWebJS.MessageTypes.VOICE, downloadMedia: async () => new WAWebJS.MessageMedia("audio/ogg", "T2dnUw==") });
  }

  /** The citizen edits one of their messages. */
  edit(message: WhatsAppMessage, body: string): void {
    this.read = this.messages.length;
    this.network.client.emit("message_edit", { ...message, body }, body, message.body);
  }

  /** The same message delivered again (WhatsApp Web replays messages after a reconnection). */
  again(message: WhatsAppMessage): void {
    this.network.deliver(message);
  }

  get messages(): SentMessage[] {
    return this.network.sent.filter((m) => m.chatId === this.chatId);
  }

  /** Waits for a reply since the citizen's last message whose text matches. */
  expect(pattern: string | RegExp, ms = 5000): Promise<SentMessage> {
    const matches = (t: string) => (typeof pattern === "string" ? t.includes(pattern) : pattern.test(t));
    const from = this.read;
    return this.network.until(() => this.messages.slice(from).find((m) => matches(m.content)), ms, `a reply matching ${pattern}`);
  }
}

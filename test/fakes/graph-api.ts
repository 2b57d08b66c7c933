/**
 * A fake of Meta's Graph API for the WhatsApp Cloud API on 127.0.0.1, over real HTTP: the messages
 * endpoint (text, interactive, template, mark read), the phone number, media lookups and downloads,
 * each checking the bearer token. It records what the bot sends, can answer with Meta's errors
 * (rate limits, an unreachable recipient, an expired token, 5xx), and plays citizens: each action
 * is a webhook payload shaped as Meta documents it, posted to the bot signed with the app secret.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;

export const GRAPH_TOKEN = "EAAGfakeTokenForTheLocalGraphApi0123456789";
export const PHONE_NUMBER_ID = "109876543210987";
export const APP_SECRET = "fakeappsecret0123456789abcdef";
export const VERIFY_TOKEN = "verify-token-for-the-fake-meta";

/** A message the bot sent, as the fake received it. */
export interface SentMessage {
  id: string;
  to: string;
  type: string;
  body: Json;
  /** What a person reads: the text, the interactive body, or the template's name and parameters. */
  text: string;
  /** Buttons or list rows offered: id and title. */
  options: { id: string; title: string }[];
  at: number;
}

interface Failure {
  times: number;
  status: number;
  code: number;
  /** Only messages to this recipient fail. */
  to?: string;
}

export class FakeGraphApi {
  readonly sent: SentMessage[] = [];
  readonly read: string[] = [];
  readonly calls: { method: string; path: string; at: number }[] = [];
  token = GRAPH_TOKEN;
  /** Where the bot listens (set by the test once the bot runs). */
  webhookUrl = "";
  private server?: Server;
  private readonly media = new Map<string, { bytes: Buffer; mime: string }>();
  private failures: Failure[] = [];
  private readonly listeners = new Set<() => boolean>();
  private counter = 0;

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The next `times` sends (to `to`, or to anyone) fail with Meta's `code` and HTTP `status`. */
  failNext(code: number, options: { times?: number; status?: number; to?: string } = {}): void {
    this.failures.push({ code, times: options.times ?? 1, status: options.status ?? 400, to: options.to });
  }

  /** The token expires: every call answers 401 with code 190, as Meta does. */
  expireToken(): void {
    this.token = "expired";
  }

  /** Environment that points the bot at this fake in Cloud mode. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      WHATSAPP_ENABLED: "true",
      WHATSAPP_MODE: "cloud",
      WHATSAPP_CLOUD_TOKEN: GRAPH_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      WHATSAPP_GRAPH_API_ROOT: this.url,
      WHATSAPP_CHAT_INTERVAL_MS: "0",
      ...extra,
    };
  }

  citizen(waId: string): FakeCitizen {
    return new FakeCitizen(this, waId);
  }

  /** Keeps an image as Meta keeps a citizen's upload; resolves with its media id. */
  upload(bytes: Buffer, mime = "image/jpeg"): string {
    const id = String(1_000_000_000 + ++this.counter);
    this.media.set(id, { bytes, mime });
    return id;
  }

  /** A message id as Meta's look: one a citizen sends holds their number (base64, as in Meta's). */
  newWamid(from?: string): string {
    const number = from ? Buffer.from(from).toString("base64").replace(/=+$/, "") : "";
    return `wamid.HBgN${number}${randomBytes(12).toString("hex").toUpperCase()}`;
  }

  /** A webhook payload around one change value, as Meta posts it. */
  payload(value: Json): Json {
    return {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: { messaging_product: "whatsapp", metadata: { display_phone_number: "527221000000", phone_number_id: PHONE_NUMBER_ID }, ...value },
            },
          ],
        },
      ],
    };
  }

  /** Posts a payload to the bot, signed with the app secret (or with `signature` as given, or none with null). */
  async post(payload: Json, signature?: string | null): Promise<Response> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { "content-type": "application/json" };
    const sig = signature === undefined ? `sha256=${createHmac("sha256", APP_SECRET).update(body).digest("hex")}` : signature;
    if (sig !== null) headers["x-hub-signature-256"] = sig;
    return fetch(this.webhookUrl, { method: "POST", headers, body });
  }

  /** Posts a delivery status of a message the bot sent. */
  status(messageId: string, status: "sent" | "delivered" | "read" | "failed", to: string, errorCode?: number): Promise<Response> {
    const errors = errorCode ? [{ code: errorCode, title: "Message undeliverable" }] : undefined;
    return this.post(
      this.payload({
        statuses: [{ id: messageId, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: to, ...(errors ? { errors } : {}) }],
      }),
    );
  }

  /** Resolves when `test` holds, checked after every message the bot sends; rejects after `ms` with the last ones. */
  until<T>(test: () => T | undefined, ms = 5000, what = "the bot's answer"): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = test();
        if (value === undefined) return false;
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        const last = this.sent
          .slice(-6)
          .map((m) => `  [${m.to}] ${m.text.slice(0, 120).replace(/\n/g, " ")}`)
          .join("\n");
        reject(new Error(`timed out waiting for ${what}; last messages:\n${last}`));
      }, ms);
      if (!check()) this.listeners.add(check);
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", this.url);
    this.calls.push({ method: req.method ?? "", path: url.pathname, at: performance.now() });
    const reply = (status: number, body: Json | Buffer, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(Buffer.isBuffer(body) ? body : JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return reply(401, { error: { message: "Error validating access token: Session has expired.", type: "OAuthException", code: 190, error_subcode: 463 } });
    }
    const download = /^\/download\/(\d+)$/.exec(url.pathname);
    if (download) {
      const media = this.media.get(download[1]);
      return media ? reply(200, media.bytes, media.mime) : reply(404, { error: { code: 100, type: "GraphMethodException" } });
    }
    const parts = /^\/(v\d+\.\d+)\/([^/]+)(\/messages)?$/.exec(url.pathname);
    if (!parts) return reply(404, { error: { code: 100, type: "GraphMethodException", message: "Unknown path" } });
    const [, , id, messages] = parts;
    if (req.method === "GET" && id === PHONE_NUMBER_ID && !messages)
      return reply(200, { id, verified_name: "Municipio Abierto", display_phone_number: "+52 722 100 0000" });
    if (req.method === "GET" && !messages) {
      const media = this.media.get(id);
      if (!media) return reply(404, { error: { code: 100, type: "GraphMethodException" } });
      return reply(200, {
        id,
        url: `${this.url}/download/${id}`,
        mime_type: media.mime,
        file_size: media.bytes.length,
        sha256: "x",
        messaging_product: "whatsapp",
      });
    }
    if (req.method !== "POST" || id !== PHONE_NUMBER_ID || !messages) return reply(400, { error: { code: 100, type: "GraphMethodException" } });
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json;
    if (body.status === "read") {
      this.read.push(String(body.message_id));
      return reply(200, { success: true });
    }
    const to = String(body.to);
    const failure = this.failures.find((f) => f.times > 0 && (!f.to || f.to === to));
    if (failure) {
      failure.times--;
      this.failures = this.failures.filter((f) => f.times > 0);
      return reply(failure.status, { error: { message: "(#" + failure.code + ") failure", type: "OAuthException", code: failure.code, fbtrace_id: "A1" } });
    }
    const wamid = this.newWamid();
    this.sent.push({ id: wamid, to, type: String(body.type), body, text: readable(body), options: options(body), at: performance.now() });
    reply(200, { messaging_product: "whatsapp", contacts: [{ input: to, wa_id: to }], messages: [{ id: wamid }] });
    this.notify();
  }
}

function readable(body: Json): string {
  const type = body.type;
  if (type === "text") return String((body.text as Json).body);
  if (type === "interactive") return String(((body.interactive as Json).body as Json).text);
  if (type === "template") {
    const template = body.template as { name: string; components?: { parameters: { text: string }[] }[] };
    return `template ${template.name}: ${(template.components?.[0]?.parameters ?? []).map((p) => p.text).join(" | ")}`;
  }
  return String(type);
}

function options(body: Json): { id: string; title: string }[] {
  if (body.type !== "interactive") return [];
  const interactive = body.interactive as {
    type: string;
    action: { buttons?: { reply: { id: string; title: string } }[]; sections?: { rows: { id: string; title: string }[] }[] };
  };
  if (interactive.type === "button") return (interactive.action.buttons ?? []).map((b) => b.reply);
  if (interactive.type === "list") return (interactive.action.sections ?? []).flatMap((s) => s.rows);
  return [];
}

/** A citizen writing to the municipality's number. */
export class FakeCitizen {
  constructor(
    private readonly meta: FakeGraphApi,
    readonly waId: string,
  ) {}

  /** Posts one message of this citizen; resolves with its wamid and the bot's HTTP status. */
  async send(message: Json, id = this.meta.newWamid(this.waId)): Promise<{ id: string; status: number }> {
    const res = await this.meta.post(
      this.meta.payload({
        contacts: [{ profile: { name: "Ciudadana" }, wa_id: this.waId }],
        messages: [{ from: this.waId, id, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
      }),
    );
    return { id, status: res.status };
  }

  say(text: string, id?: string) {
    return this.send({ type: "text", text: { body: text } }, id);
  }

  /** Presses a reply button of the bot's last message by its title. */
  press(title: string) {
    const option = this.lastOptions().find((o) => o.title === title);
    if (!option) throw new Error(`no button "${title}" in the bot's last message`);
    return this.send({ type: "interactive", interactive: { type: "button_reply", button_reply: option } });
  }

  /** Picks a row of the bot's last list by its title. */
  pick(title: string) {
    const option = this.lastOptions().find((o) => o.title === title);
    if (!option) throw new Error(`no row "${title}" in the bot's last message`);
    return this.send({ type: "interactive", interactive: { type: "list_reply", list_reply: option } });
  }

  shareLocation(latitude: number, longitude: number) {
    return this.send({ type: "location", location: { latitude, longitude } });
  }

  /** A photo, with the text the citizen wrote under it (`caption`). */
  sendPhoto(bytes: Buffer, mime = "image/png", caption?: string) {
    const id = this.meta.upload(bytes, mime);
    return this.send({ type: "image", image: { id, mime_type: mime, sha256: "x", ...(caption ? { caption } : {}) } });
  }

  sendSticker() {
    return this.send({ type: "sticker", sticker: { id: this.meta.upload(Buffer.from("RIFF")), mime_type: "image/webp", animated: false } });
  }

  sendVoice() {
    return this.send({ type: "audio", audio: { id: this.meta.upload(Buffer.from("OggS")), mime_type: "audio/ogg; codecs=opus", voice: true } });
  }

  react(messageId: string, emoji: string) {
    return this.send({ type: "reaction", reaction: { message_id: messageId, emoji } });
  }

  /** What the bot sent this citizen. */
  get received(): SentMessage[] {
    return this.meta.sent.filter((m) => m.to === this.waId);
  }

  private lastOptions(): { id: string; title: string }[] {
    return [...this.received].reverse().find((m) => m.options.length)?.options ?? [];
  }

  /** Waits for a message to this citizen, after the `after`th, whose text matches. */
  expect(pattern: string | RegExp, after = 0, ms = 5000): Promise<SentMessage> {
    const matches = (m: SentMessage) => (typeof pattern === "string" ? m.text.includes(pattern) : pattern.test(m.text));
    return this.meta.until(() => this.received.slice(after).find(matches), ms, `"${String(pattern)}" to ${this.waId}`);
  }
}

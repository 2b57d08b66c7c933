/**
 * A fake Telegram Bot API on 127.0.0.1: the methods the bot calls, over real HTTP, recording
 * every call. Simulated users put updates in the queue the bot long-polls (or, once a webhook is
 * set, the fake posts them to it as Telegram would). It can answer 429 and 401 on demand, enforce
 * Telegram's rate limits (`enforce`: 429 with retry_after beyond them, on a clock the test may
 * give), refuse users who blocked the bot (403), and hold channels where the bot is or is not admin.
 */
import { randomUUID } from "node:crypto";
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;
type Markup = {
  inline_keyboard?: { text: string; callback_data?: string; url?: string }[][];
  keyboard?: unknown;
  remove_keyboard?: boolean;
  force_reply?: boolean;
  selective?: boolean;
  input_field_placeholder?: string;
};

export interface BotMessage {
  message_id: number;
  chat_id: number;
  /** The text, or a photo's caption. */
  text: string;
  /** The text as sent, before any edit changed `text`. */
  sentText?: string;
  reply_markup?: Markup;
  /** When the fake received it (performance.now()). */
  at: number;
  /** The forum topic it went to (message_thread_id). */
  thread?: number;
  edited?: boolean;
  /** A photo (sendPhoto): `text` is its caption; the uploaded bytes. */
  photo?: { bytes: number };
  /** A file (sendDocument): `text` is its caption; its name and its content. */
  document?: { name: string; bytes: number; content: Buffer };
  entities?: { type: string; offset: number; length: number; user?: { id: number } }[];
  /** The message it answers (reply_parameters). */
  reply_to?: number;
  /** Reactions the bot set on it (setMessageReaction), for messages of users. */
  reactions?: string[];
}

export interface ApiCall {
  method: string;
  payload: Json;
  at: number;
  /** Made in the answer to a webhook request, as Telegram allows, not as a request of its own. */
  inWebhookAnswer?: true;
}

interface Failure {
  method: string;
  times: number;
  error: { error_code: number; description: string; parameters?: Json };
}

interface Waiter {
  offset: number;
  limit: number;
  resolve(updates: Json[]): void;
  timer: NodeJS.Timeout;
}

/** Telegram's limits as the fake enforces them (the real ones, or scaled by a test). */
export interface FakeLimits {
  /** Messages in any second, all chats together. */
  perSecond: number;
  /** The least time between two messages to one chat. */
  chatGapMs: number;
  /** Messages in any minute to one group or channel. */
  groupPerMinute: number;
}

/** A channel (or public group) the bot may be in, as getChat and getChatMember answer for it. */
export interface FakeChannel {
  id: number;
  username?: string;
  title: string;
  type: "channel" | "group" | "supergroup";
  /** The bot's membership there. */
  bot: "administrator" | "member" | "left";
  canPost: boolean;
}

export const FAKE_TOKEN = "123456789:TEST-fake-token-for-the-local-bot-api";

export class FakeBotApi {
  readonly bot = { id: 123456789, is_bot: true, first_name: "Municipio Abierto", username: "MunicipioAbiertoBot" };
  readonly calls: ApiCall[] = [];
  readonly sent: BotMessage[] = [];
  readonly commands: { language_code?: string; scope?: string; commands: { command: string; description: string }[] }[] = [];
  webhook: { url: string; secret?: string } | undefined;
  /** The connections to the webhook: at most max_connections at once, as Telegram. */
  private webhookAgent = new Agent({ keepAlive: true, maxSockets: 40 });
  /** Outcome of each webhook delivery: the update id and the HTTP status our server answered. */
  readonly deliveries: { update_id: number; status: number }[] = [];

  private updates: Json[] = [];
  private nextUpdateId = 100_000;
  private confirmed = 0;
  private waiters: Waiter[] = [];
  private failures: Failure[] = [];
  private tokenRevoked = false;
  private readonly chatMessageIds = new Map<number, number>();
  /** Presses answered (answerCallbackQuery), by query id: a second answer is refused. */
  private readonly answeredQueries = new Set<string>();
  private readonly files = new Map<string, { path: string; data: Buffer }>();
  /** The same files by their download path. */
  private readonly filePaths = new Map<string, Buffer>();
  private readonly listeners = new Set<() => void>();
  /** The bot's messages per chat, and who waits on each chat: 1,000 users stay cheap. */
  private readonly chats = new Map<number, BotMessage[]>();
  private readonly chatListeners = new Map<number, Set<() => void>>();

  /** Limits enforced on sendMessage and sendPhoto (none unless `enforce`d). */
  private limits?: FakeLimits;
  private now: () => number = () => performance.now();
  private readonly recentAll: number[] = [];
  private readonly lastByChat = new Map<number, number>();
  private readonly recentByGroup = new Map<number, number[]>();
  /** 429s answered because a limit was passed (not those of failNext). */
  tooMany = 0;
  /** Users who blocked the bot: sending to them is refused with 403. */
  readonly blocked = new Set<number>();
  readonly channels = new Map<number, FakeChannel>();

  private constructor(
    private readonly server: Server,
    readonly token: string,
  ) {}

  private held?: { promise: Promise<void>; release(): void };

  /**
   * Sends from now on never reach "Telegram": they wait, unrecorded, until `releaseSends`, and are
   * then refused. A process killed meanwhile had those sends on their way, not delivered.
   */
  holdSends(): void {
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.held = { promise, release };
  }

  releaseSends(): void {
    this.held?.release();
    this.held = undefined;
  }

  /** From now on, answers 429 (retry_after in whole seconds) to sends beyond these limits, timed by `now`. */
  enforce(limits: FakeLimits, now: () => number = () => performance.now()): void {
    this.limits = limits;
    this.now = now;
  }

  /** A channel or public group the bot is (or is not) an admin of. */
  channel(c: FakeChannel): FakeChannel {
    this.channels.set(c.id, c);
    return c;
  }

  /** How many messages each chat got. */
  countsByChat(): Map<number, number> {
    const out = new Map<number, number>();
    for (const m of this.sent) out.set(m.chat_id, (out.get(m.chat_id) ?? 0) + 1);
    return out;
  }

  /** The retry_after, in seconds, a send to `chatId` now would get, or 0 when it is within the limits. */
  private rateLimited(chatId: number): number {
    const limits = this.limits;
    if (!limits) return 0;
    const now = this.now();
    const all = this.recentAll.filter((t) => now - t < 1000);
    this.recentAll.splice(0, this.recentAll.length, ...all);
    const last = this.lastByChat.get(chatId);
    const group = (this.recentByGroup.get(chatId) ?? []).filter((t) => now - t < 60_000);
    let wait = 0;
    if (all.length >= limits.perSecond) wait = Math.max(wait, 1000 - (now - all[0]));
    if (last !== undefined && now - last < limits.chatGapMs) wait = Math.max(wait, limits.chatGapMs - (now - last));
    if (chatId < 0 && group.length >= limits.groupPerMinute) wait = Math.max(wait, 60_000 - (now - group[0]));
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    this.recentAll.push(now);
    this.lastByChat.set(chatId, now);
    if (chatId < 0) this.recentByGroup.set(chatId, [...group, now]);
    return 0;
  }

  static async start(token = FAKE_TOKEN): Promise<FakeBotApi> {
    const server = createServer();
    const fake = new FakeBotApi(server, token);
    server.on("request", (req, res) => void fake.route(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  private address?: string;

  get url(): string {
    this.address ??= `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.address;
  }

  /** Forgets every call, message, update and file so far (a long benchmark between runs). */
  forget(): void {
    for (const list of [this.calls, this.sent, this.commands, this.deliveries, this.history, this.reactions]) list.length = 0;
    this.chats.clear();
    this.chatListeners.clear();
    this.files.clear();
    this.filePaths.clear();
    this.chatMessageIds.clear();
    this.answeredQueries.clear();
  }

  async close(): Promise<void> {
    this.webhookAgent.destroy();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve([]);
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` calls of `method` fail with this error (a 429 with retry_after, say). */
  failNext(method: string, error: Failure["error"], times = 1): void {
    this.failures.push({ method, times, error });
  }

  /** From now on every call is refused with 401, as Telegram does for a revoked token. */
  revokeToken(): void {
    this.tokenRevoked = true;
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** A private-chat user. */
  user(id: number, options: { language_code?: string; first_name?: string } = {}): FakeUser {
    return new FakeUser(this, { id, is_bot: false, first_name: options.first_name ?? "Ana", language_code: options.language_code });
  }

  /** A group (or supergroup, with a -100… id) where people talk with the bot; with a `username`, a public one. */
  group(id: number, title: string, username?: string): FakeGroup {
    if (username) this.publicGroups.set(id, username);
    return new FakeGroup(this, { id, type: id < -1_000_000_000_000 ? "supergroup" : "group", title, ...(username ? { username } : {}) });
  }

  /** Groups with a public link (their @username), as getChat tells it. */
  readonly publicGroups = new Map<number, string>();

  /** Reactions the bot set on users' messages: chat, message, emoji. */
  readonly reactions: { chat_id: number; message_id: number; emoji: string[] }[] = [];

  /** The bot's rights in a channel change (promoted, demoted, removed), as my_chat_member tells it. */
  setChannelRights(id: number, bot: FakeChannel["bot"], canPost: boolean): Promise<number> {
    const c = this.channels.get(id);
    if (!c) throw new Error(`no channel ${id}`);
    const before = { user: this.bot, status: c.bot, ...(c.bot === "administrator" ? { can_post_messages: c.canPost } : {}) };
    c.bot = bot;
    c.canPost = canPost;
    const after = { user: this.bot, status: bot, ...(bot === "administrator" ? { can_post_messages: canPost } : {}) };
    return this.push({
      my_chat_member: {
        chat: { id: c.id, type: c.type, title: c.title },
        from: { id: 1, is_bot: false, first_name: "Admin" },
        date: Math.floor(Date.now() / 1000),
        old_chat_member: before,
        new_chat_member: after,
      },
    });
  }

  /** Queues an update (or posts it to the webhook) and returns its id. */
  async push(update: Json): Promise<number> {
    const full = { update_id: this.nextUpdateId++, ...update };
    await this.deliver(full);
    return full.update_id as number;
  }

  /** Delivers an update again, as Telegram does when a webhook answer was lost. */
  async redeliver(update: Json): Promise<void> {
    await this.deliver(update);
  }

  readonly history: Json[] = [];

  private async deliver(update: Json): Promise<void> {
    this.history.push(update);
    if (this.webhook) {
      const { status, body } = await post(this.webhook, this.webhookAgent, JSON.stringify(update));
      this.deliveries.push({ update_id: update.update_id as number, status });
      if (status === 200) await this.callInAnswer(body);
      return;
    }
    this.updates.push(update);
    this.wake();
  }

  /**
   * Like Telegram, a webhook's answer may itself be a call (`{"method": …, …parameters}`): it is made,
   * and its result (or failure) is known to nobody.
   */
  private async callInAnswer(body: string): Promise<void> {
    let call: Json;
    try {
      call = JSON.parse(body) as Json;
    } catch {
      return;
    }
    if (typeof call.method !== "string") return;
    const { method, ...payload } = call;
    this.calls.push({ method, payload, at: performance.now(), inWebhookAnswer: true });
    try {
      await this.answer(method, payload);
    } catch {
      // Telegram drops it silently.
    } finally {
      this.notify();
    }
  }

  nextMessageId(chatId: number): number {
    const id = (this.chatMessageIds.get(chatId) ?? 0) + 1;
    this.chatMessageIds.set(chatId, id);
    return id;
  }

  addFile(data: Buffer): { file_id: string; file_size: number } {
    const file_id = `file-${randomUUID()}`;
    this.files.set(file_id, { path: `photos/${file_id}.jpg`, data });
    this.filePaths.set(`photos/${file_id}.jpg`, data);
    return { file_id, file_size: data.length };
  }

  /** The bot's messages in one chat, oldest first. */
  chat(chatId: number): BotMessage[] {
    let list = this.chats.get(chatId);
    if (!list) {
      list = [];
      this.chats.set(chatId, list);
    }
    return list;
  }

  /**
   * Resolves when `test` holds, checked after every call the bot makes (or, with `chatId`, every
   * message to that chat); rejects after `ms` with the last messages.
   */
  until<T>(test: () => T | undefined, ms = 5000, what = "the bot's answer", chatId?: number): Promise<T> {
    let listeners = this.listeners;
    if (chatId !== undefined) {
      listeners = this.chatListeners.get(chatId) ?? new Set();
      this.chatListeners.set(chatId, listeners);
    }
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = test();
        if (value === undefined) return false;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        const transcript = this.sent
          .slice(-6)
          .map((m) => `  [${m.chat_id}] ${m.text.slice(0, 120).replace(/\n/g, " ")}`)
          .join("\n");
        reject(new Error(`timed out waiting for ${what}; last messages:\n${transcript}`));
      }, ms);
      if (!check()) listeners.add(check);
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private wake(): void {
    for (const w of [...this.waiters]) {
      const ready = this.updates.filter((u) => (u.update_id as number) >= w.offset);
      if (ready.length) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(ready.slice(0, w.limit));
      }
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const pathname = (req.url ?? "/").split("?")[0];
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(pathname);
    if (file) {
      const found = this.filePaths.get(file[2]);
      if (file[1] !== this.token || !found) return send(404, { ok: false, error_code: 404, description: "Not Found" });
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": found.length });
      res.end(found);
      return;
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(pathname);
    if (!call) return send(404, { ok: false, error_code: 404, description: "Not Found" });
    const chunks = await new Promise<Buffer[]>((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(parts));
      req.on("error", reject);
    });
    const raw = Buffer.concat(chunks).toString("utf8");
    let payload: Json = {};
    const type = req.headers["content-type"] ?? "";
    if (type.includes("multipart/form-data")) {
      // grammY uploads a file (a photo's bytes) as multipart: fields are text (JSON for objects), files are parts.
      payload = await readForm(Buffer.concat(chunks), type);
    } else if (raw && !type.includes("application/json")) {
      return send(400, { ok: false, error_code: 400, description: "Bad Request: the fake only takes JSON or multipart" });
    } else if (raw) payload = JSON.parse(raw) as Json;
    const method = call[2];
    this.calls.push({ method, payload, at: performance.now() });
    if (call[1] !== this.token || this.tokenRevoked) return send(401, { ok: false, error_code: 401, description: "Unauthorized" });
    const failure = this.failures.find((f) => f.method === method && f.times > 0);
    if (failure) {
      failure.times--;
      return send(failure.error.error_code, { ok: false, ...failure.error });
    }
    if (method === "sendMessage" || method === "sendPhoto" || method === "sendDocument") {
      if (this.held) {
        await this.held.promise;
        return send(502, { ok: false, error_code: 502, description: "Bad Gateway" });
      }
      const chatId = Number(payload.chat_id);
      if (this.blocked.has(chatId)) return send(403, { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
      const channel = this.channels.get(chatId);
      if (channel && (channel.bot === "left" || (channel.type === "channel" && (channel.bot !== "administrator" || !channel.canPost)))) {
        return send(403, { ok: false, error_code: 403, description: "Forbidden: bot is not a member of the channel chat" });
      }
      const retryAfter = this.rateLimited(chatId);
      if (retryAfter > 0) {
        this.tooMany++;
        return send(429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } });
      }
    }
    try {
      const result = await this.answer(method, payload);
      send(200, { ok: true, result });
    } catch (err) {
      const e = err as { code?: number; message: string };
      send(e.code ?? 400, { ok: false, error_code: e.code ?? 400, description: e.message });
    } finally {
      this.notify();
    }
  }

  private answer(method: string, p: Json): unknown | Promise<unknown> {
    switch (method) {
      case "getMe":
        return this.bot;
      case "getUpdates":
        return this.getUpdates(p);
      case "setWebhook":
        // Like Telegram: at most max_connections requests to the webhook at once (40 unless set).
        this.webhookAgent.destroy();
        this.webhookAgent = new Agent({ keepAlive: true, maxSockets: Number(p.max_connections ?? 40) });
        this.webhook = { url: String(p.url), secret: p.secret_token as string | undefined };
        return true;
      case "deleteWebhook":
        this.webhook = undefined;
        return true;
      case "setMyCommands":
        this.commands.push({
          language_code: p.language_code as string | undefined,
          scope: (p.scope as { type?: string } | undefined)?.type,
          commands: p.commands as never,
        });
        return true;
      case "sendMessage":
        return this.record(Number(p.chat_id), String(p.text ?? ""), p.reply_markup as Markup | undefined, p);
      case "sendPhoto": {
        const file = typeof p.photo === "string" && p.photo.startsWith("attach://") ? p[p.photo.slice("attach://".length)] : undefined;
        const bytes = (file as { bytes?: number } | undefined)?.bytes ?? 0;
        if (String(p.caption ?? "").length > 1024) throw Object.assign(new Error("Bad Request: message caption is too long"), { code: 400 });
        return this.record(Number(p.chat_id), String(p.caption ?? ""), p.reply_markup as Markup | undefined, p, { photo: { bytes } });
      }
      case "sendDocument": {
        // Uploaded as multipart (InputFile); a file_id or URL string would name a file the fake does not have.
        const file = typeof p.document === "string" && p.document.startsWith("attach://") ? p[p.document.slice("attach://".length)] : undefined;
        const upload = file as { bytes?: number; name?: string; content?: string } | undefined;
        if (!upload?.bytes) throw Object.assign(new Error("Bad Request: there is no document in the request"), { code: 400 });
        if (String(p.caption ?? "").length > 1024) throw Object.assign(new Error("Bad Request: message caption is too long"), { code: 400 });
        const document = { name: String(upload.name ?? ""), bytes: upload.bytes, content: Buffer.from(String(upload.content ?? ""), "latin1") };
        const sent = this.record(Number(p.chat_id), String(p.caption ?? ""), p.reply_markup as Markup | undefined, p, { document });
        return { ...(sent as object), document: { file_id: `doc-${sent.message_id}`, file_unique_id: `u${sent.message_id}`, file_name: document.name } };
      }
      case "setMessageReaction": {
        const emoji = ((p.reaction as { emoji?: string }[] | undefined) ?? []).map((r) => String(r.emoji));
        this.reactions.push({ chat_id: Number(p.chat_id), message_id: Number(p.message_id), emoji });
        return true;
      }
      case "sendLocation":
        return { ...this.record(Number(p.chat_id), "", undefined), location: { latitude: p.latitude, longitude: p.longitude } };
      case "editMessageText":
      case "editMessageCaption":
      case "editMessageReplyMarkup": {
        const m = this.chat(Number(p.chat_id)).find((s) => s.message_id === Number(p.message_id));
        if (!m) throw Object.assign(new Error("Bad Request: message to edit not found"), { code: 400 });
        if (method === "editMessageText" && m.photo) throw Object.assign(new Error("Bad Request: there is no text in the message to edit"), { code: 400 });
        if (method === "editMessageCaption" && !m.photo)
          throw Object.assign(new Error("Bad Request: there is no caption in the message to edit"), { code: 400 });
        const text = method === "editMessageText" ? String(p.text) : method === "editMessageCaption" ? String(p.caption ?? "") : m.text;
        const markup = p.reply_markup as Markup | undefined;
        // Like Telegram: an edit that changes nothing is refused.
        if (text === m.text && sameMarkup(markup, m.reply_markup)) {
          throw Object.assign(new Error("Bad Request: message is not modified: specified new message content and reply markup are exactly the same"), {
            code: 400,
          });
        }
        if (text.length > (m.photo ? 1024 : 4096)) throw Object.assign(new Error("Bad Request: message is too long"), { code: 400 });
        m.text = text;
        m.reply_markup = markup?.inline_keyboard?.length ? markup : undefined;
        m.edited = true;
        return this.asTelegram(m);
      }
      case "answerCallbackQuery": {
        // Like Telegram: a press is answered once, with a notice of at most 200 characters.
        const id = String(p.callback_query_id);
        if (this.answeredQueries.has(id))
          throw Object.assign(new Error("Bad Request: query is too old and response timeout expired or query ID is invalid"), { code: 400 });
        if (String(p.text ?? "").length > 200) throw Object.assign(new Error("Bad Request: MESSAGE_TOO_LONG"), { code: 400 });
        this.answeredQueries.add(id);
        return true;
      }
      case "getChat": {
        const ref = String(p.chat_id);
        const c = [...this.channels.values()].find((x) => String(x.id) === ref || (x.username && `@${x.username}`.toLowerCase() === ref.toLowerCase()));
        if (c) return { id: c.id, type: c.type, title: c.title, ...(c.username ? { username: c.username } : {}) };
        const id = Number(ref);
        if (Number.isInteger(id) && id < 0) {
          const username = this.publicGroups.get(id);
          return { id, type: id < -1_000_000_000_000 ? "supergroup" : "group", title: "Grupo", ...(username ? { username } : {}) };
        }
        throw Object.assign(new Error("Bad Request: chat not found"), { code: 400 });
      }
      case "getChatMember": {
        const c = this.channels.get(Number(p.chat_id));
        const status = c ? c.bot : this.groupsWithoutBot.has(Number(p.chat_id)) ? "left" : "member";
        return {
          user: this.bot,
          status,
          ...(status === "administrator" ? { can_post_messages: c?.canPost ?? true, can_be_edited: false, is_anonymous: false } : {}),
        };
      }
      case "getFile": {
        const f = this.files.get(String(p.file_id));
        if (!f) throw Object.assign(new Error("Bad Request: invalid file_id"), { code: 400 });
        return { file_id: p.file_id, file_unique_id: p.file_id, file_size: f.data.length, file_path: f.path };
      }
      default:
        throw Object.assign(new Error(`Not Found: method ${method} is not in the fake`), { code: 404 });
    }
  }

  private getUpdates(p: Json): Promise<Json[]> | Json[] {
    if (this.webhook) throw Object.assign(new Error("Conflict: can't use getUpdates method while webhook is active"), { code: 409 });
    const offset = Number(p.offset ?? 0);
    // Like Telegram: an offset confirms every update before it, for good.
    if (offset > this.confirmed) {
      this.confirmed = offset;
      this.updates = this.updates.filter((u) => (u.update_id as number) >= offset);
    }
    const from = Math.max(offset, this.confirmed);
    const limit = Number(p.limit ?? 100);
    const ready = this.updates.filter((u) => (u.update_id as number) >= from);
    const timeout = Number(p.timeout ?? 0);
    if (ready.length || timeout === 0) return ready.slice(0, limit);
    return new Promise((resolve) => {
      const waiter = { offset: from, limit, resolve } as Waiter;
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve([]);
      }, timeout * 1000);
      this.waiters.push(waiter);
    });
  }

  private record(chatId: number, text: string, markup: Markup | undefined, p: Json = {}, attached: Pick<BotMessage, "photo" | "document"> = {}): Json {
    if (!text && markup === undefined && !attached.photo && !attached.document)
      throw Object.assign(new Error("Bad Request: message text is empty"), { code: 400 });
    if (text.length > 4096) throw Object.assign(new Error("Bad Request: message is too long"), { code: 400 });
    if (chatId < 0 && this.groupsWithoutBot.has(chatId)) throw Object.assign(new Error("Forbidden: bot was kicked from the group chat"), { code: 403 });
    const reply = (p.reply_parameters as { message_id?: number } | undefined)?.message_id;
    const thread = p.message_thread_id === undefined ? undefined : Number(p.message_thread_id);
    const m: BotMessage = {
      message_id: this.nextMessageId(chatId),
      chat_id: chatId,
      text,
      sentText: text,
      reply_markup: markup,
      at: performance.now(),
      ...attached,
      ...(p.entities ? { entities: p.entities as BotMessage["entities"] } : {}),
      ...(reply ? { reply_to: reply } : {}),
      ...(thread !== undefined ? { thread } : {}),
    };
    this.sent.push(m);
    this.chat(chatId).push(m);
    const waiting = this.chatListeners.get(chatId);
    if (waiting) for (const listener of [...waiting]) listener();
    return this.asTelegram(m);
  }

  /** Groups the bot was removed from: sending there is refused (403), as Telegram does. */
  readonly groupsWithoutBot = new Set<number>();

  asTelegram(m: BotMessage): Json {
    return {
      message_id: m.message_id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: m.chat_id, type: m.chat_id > 0 ? "private" : m.chat_id < -1_000_000_000_000 ? "supergroup" : "group" },
      from: this.bot,
      ...(m.photo
        ? { photo: [{ file_id: "card", file_unique_id: "card", width: 1280, height: 853 }], ...(m.text ? { caption: m.text } : {}) }
        : { text: m.text }),
      // Like Telegram, only an inline keyboard comes back with the message.
      ...(m.reply_markup?.inline_keyboard ? { reply_markup: { inline_keyboard: m.reply_markup.inline_keyboard } } : {}),
    };
  }
}

/** A Telegram user in a private chat with the bot. */
export class FakeUser {
  /** The bot's messages to this user before this index (in its chat) are already read. */
  private read = 0;

  constructor(
    readonly api: FakeBotApi,
    readonly from: { id: number; is_bot: false; first_name: string; language_code?: string },
  ) {}

  get chatId(): number {
    return this.from.id;
  }

  private message(extra: Json): Json {
    return {
      message_id: this.api.nextMessageId(this.chatId),
      date: Math.floor(Date.now() / 1000),
      chat: { id: this.chatId, type: "private", first_name: this.from.first_name },
      from: this.from,
      ...extra,
    };
  }

  /** Sends a text; a leading /command gets its bot_command entity, as Telegram's apps send it. */
  say(text: string): Promise<number> {
    this.read = this.messages.length;
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    const entities = command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : undefined;
    return this.api.push({ message: this.message({ text, ...(entities ? { entities } : {}) }) });
  }

  /** Sends any message content (a sticker, a voice note…). */
  send(content: Json): Promise<number> {
    this.read = this.messages.length;
    return this.api.push({ message: this.message(content) });
  }

  shareLocation(latitude: number, longitude: number): Promise<number> {
    return this.send({ location: { latitude, longitude } });
  }

  /** A photo, as Telegram sends it (a small and a large size), with the text the user wrote under it. */
  sendPhoto(data: Buffer, caption?: string): Promise<number> {
    const file = this.api.addFile(data);
    const small = this.api.addFile(data.subarray(0, Math.min(64, data.length)));
    return this.send({
      photo: [
        { ...small, file_unique_id: small.file_id, width: 90, height: 60 },
        { ...file, file_unique_id: file.file_id, width: 1280, height: 853 },
      ],
      ...(caption ? { caption } : {}),
    });
  }

  /** Edits one of the user's own earlier messages. */
  edit(messageId: number, text: string): Promise<number> {
    this.read = this.messages.length;
    return this.api.push({ edited_message: { ...this.message({ text }), message_id: messageId, edit_date: Math.floor(Date.now() / 1000) } });
  }

  /** The bot's messages to this user. */
  get messages(): BotMessage[] {
    return this.api.chat(this.chatId);
  }

  /**
   * Presses the inline button whose label matches: on `message`, or on the newest reply to the
   * user's last action that has it, waiting up to `ms` for that reply to arrive.
   */
  async press(label: string | RegExp, message?: BotMessage, ms = 5000): Promise<number> {
    const matches = (t: string) => (typeof label === "string" ? t === label : label.test(t));
    const hasButton = (m: BotMessage) => m.reply_markup?.inline_keyboard?.flat().some((b) => matches(b.text) && b.callback_data !== undefined);
    const target = message ?? (await this.api.until(() => [...this.replies].reverse().find(hasButton), ms, `a button ${label}`, this.chatId));
    const button = target.reply_markup?.inline_keyboard?.flat().find((b) => matches(b.text));
    if (!button?.callback_data) throw new Error(`no button ${label} on that message`);
    this.read = this.messages.length;
    return this.api.push({
      callback_query: {
        id: randomUUID(),
        from: this.from,
        chat_instance: String(this.chatId),
        data: button.callback_data,
        message: this.api.asTelegram(target),
      },
    });
  }

  /** Waits for the bot's reply (since the user's last message) whose text matches; returns it. */
  expect(pattern: string | RegExp, ms = 5000): Promise<BotMessage> {
    const matches = (t: string) => (typeof pattern === "string" ? t.includes(pattern) : pattern.test(t));
    const from = this.read;
    const messages = this.messages;
    const find = () => {
      for (let i = from; i < messages.length; i++) if (matches(messages[i].text)) return messages[i];
      return undefined;
    };
    return this.api.until(find, ms, `a reply matching ${pattern}`, this.chatId);
  }

  /** Every reply since the user's last message. */
  get replies(): BotMessage[] {
    return this.messages.slice(this.read);
  }
}

/** Posts an update to the bot's webhook as Telegram does (its secret in a header); resolves with the status and the answer's body. */
function post(webhook: { url: string; secret?: string }, agent: Agent, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(webhook.url, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...(webhook.secret ? { "x-telegram-bot-api-secret-token": webhook.secret } : {}),
      },
    });
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The labels of a message's inline buttons, in order. */
export function buttons(m: BotMessage | undefined): string[] {
  return m?.reply_markup?.inline_keyboard?.flat().map((b) => b.text) ?? [];
}

/** The same inline keyboard (none and an empty one are the same). */
function sameMarkup(a: Markup | undefined, b: Markup | undefined): boolean {
  const keys = (m: Markup | undefined) => JSON.stringify(m?.inline_keyboard?.length ? m.inline_keyboard : []);
  return keys(a) === keys(b);
}

/** A multipart/form-data body as a payload: text fields (JSON ones parsed), files as their size. */
async function readForm(body: Buffer, type: string): Promise<Json> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(type)?.[2];
  if (!boundary) throw Object.assign(new Error("Bad Request: multipart without a boundary"), { code: 400 });
  const out: Json = {};
  // latin1 keeps one character per byte, so a file's length is its size.
  for (const part of body.toString("latin1").split(`--${boundary}`).slice(1, -1)) {
    const split = part.indexOf("\r\n\r\n");
    const headers = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, "");
    const name = /name="?([^";\r\n]+)"?/i.exec(headers)?.[1];
    if (!name) continue;
    const filename = /filename="?([^";\r\n]*)"?/i.exec(headers)?.[1];
    if (filename !== undefined) out[name] = { bytes: content.length, name: filename, content };
    else {
      const value = Buffer.from(content, "latin1").toString("utf8");
      out[name] = /^[[{]/.test(value) ? JSON.parse(value) : value;
    }
  }
  return out;
}

type GroupChat = { id: number; type: "group" | "supergroup"; title: string; username?: string };
type Person = { id: number; is_bot: false; first_name: string; language_code?: string };

/** A group chat: people in it write, reply to the bot and press its buttons; the bot is added and removed. */
export class FakeGroup {
  constructor(
    readonly api: FakeBotApi,
    readonly chat: GroupChat,
  ) {}

  get id(): number {
    return this.chat.id;
  }

  /** The bot's messages in the group, oldest first. */
  get messages(): BotMessage[] {
    return this.api.chat(this.chat.id);
  }

  /**
   * An admin gives the group a public link (@username), or takes it away (`null`): getChat tells it, and
   * the group's messages carry it from then on. Telegram sends bots no update for it.
   */
  setPublicLink(username: string | null): void {
    const chat = this.chat;
    if (username) {
      this.api.publicGroups.set(this.chat.id, username);
      chat.username = username;
    } else {
      this.api.publicGroups.delete(this.chat.id);
      delete chat.username;
    }
  }

  /** Someone adds the bot (my_chat_member: left → member). */
  addBot(by: Person): Promise<number> {
    this.api.groupsWithoutBot.delete(this.chat.id);
    return this.membership(by, "left", "member");
  }

  /** Someone removes the bot (member → kicked); the bot cannot write there any more. */
  removeBot(by: Person): Promise<number> {
    this.api.groupsWithoutBot.add(this.chat.id);
    return this.membership(by, "member", "kicked");
  }

  private membership(by: Person, before: string, after: string): Promise<number> {
    const date = Math.floor(Date.now() / 1000);
    return this.api.push({
      my_chat_member: {
        chat: this.chat,
        from: by,
        date,
        old_chat_member: { user: this.api.bot, status: before, ...(before === "kicked" ? { until_date: 0 } : {}) },
        new_chat_member: { user: this.api.bot, status: after, ...(after === "kicked" ? { until_date: 0 } : {}) },
      },
    });
  }

  private message(from: Person, extra: Json): Json {
    return { message_id: this.api.nextMessageId(this.chat.id), date: Math.floor(Date.now() / 1000), chat: this.chat, from, ...extra };
  }

  /** Someone writes in the group; a leading /command gets its bot_command entity. */
  say(from: Person, text: string): Promise<number> {
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    const entities = command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : undefined;
    return this.api.push({ message: this.message(from, { text, ...(entities ? { entities } : {}) }) });
  }

  /** Someone replies to one of the bot's messages (as privacy mode delivers it). */
  reply(from: Person, to: BotMessage, text: string): Promise<number> {
    return this.api.push({ message: this.message(from, { text, reply_to_message: this.api.asTelegram(to) }) });
  }

  /** Someone replies to one of the bot's messages with a photo and its caption. */
  replyPhoto(from: Person, to: BotMessage, data: Buffer, caption: string): Promise<number> {
    const file = this.api.addFile(data);
    return this.api.push({
      message: this.message(from, {
        photo: [{ ...file, file_unique_id: file.file_id, width: 1280, height: 853 }],
        caption,
        reply_to_message: this.api.asTelegram(to),
      }),
    });
  }

  /** Someone writes in a topic of a forum group; a leading /command gets its bot_command entity. */
  sayInTopic(from: Person, thread: number, text: string): Promise<number> {
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    const entities = command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : undefined;
    return this.api.push({
      message: this.message(from, { text, message_thread_id: thread, is_topic_message: true, ...(entities ? { entities } : {}) }),
    });
  }

  /** Someone presses the button whose label matches on one of the bot's messages. */
  press(from: Person, label: string | RegExp, on: BotMessage): Promise<number> {
    const matches = (t: string) => (typeof label === "string" ? t === label : label.test(t));
    const button = on.reply_markup?.inline_keyboard?.flat().find((b) => matches(b.text) && b.callback_data !== undefined);
    if (!button?.callback_data)
      throw new Error(`no button ${label} on that message: ${JSON.stringify(on.reply_markup?.inline_keyboard?.flat().map((b) => b.text))}`);
    return this.pressData(from, button.callback_data, on);
  }

  /** A press carrying any data (a forged or old button). */
  pressData(from: Person, data: string, on: BotMessage): Promise<number> {
    return this.api.push({ callback_query: { id: randomUUID(), from, chat_instance: String(this.chat.id), data, message: this.api.asTelegram(on) } });
  }
}

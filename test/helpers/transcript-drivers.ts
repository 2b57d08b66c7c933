/**
 * The channels a transcript is played through: the console channel (in process) and the web chat
 * (its HTTP API on a real server, and its stream of notices read as a browser reads it, each message
 * acknowledged). A driver says what a citizen types and returns the messages that answer it, and
 * collects what reaches each citizen on the bot's own initiative (notices) as the channel delivers it.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { ConsoleChannel, parseConsoleLine } from "../../src/channels/console/adapter.js";
import { chatPlugin } from "../../src/channels/web/chat.js";
import type { OutboundMessage } from "../../src/domain/model/message.js";
import { contribution } from "../../src/http/server.js";
import type { Language } from "../../src/locale/languages.js";
import { httpServer, startBot, type TestBot, webChatOptions } from "./app.js";

export interface Driver {
  readonly bot: TestBot;
  /** What the citizen `user` types (a line as on the console: `/location LAT LON`, `/photo PATH`); the messages that answer it. */
  say(user: string, lang: Language | undefined, line: string): Promise<OutboundMessage[]>;
  /** What reached `user` on the bot's own initiative since the last call, once the channel has delivered all it had. */
  received(user: string): Promise<OutboundMessage[]>;
  /** Stops the bot and starts it again on the same data. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export type DriverName = "console" | "web";

export async function startDriver(name: DriverName): Promise<Driver> {
  return name === "console" ? ConsoleDriver.start() : WebDriver.start();
}

/** Console citizens; notices reach them through a console transport registered as a channel's would be. */
class ConsoleDriver implements Driver {
  private readonly inboxes = new Map<string, OutboundMessage[]>();

  private constructor(public bot: TestBot) {
    this.listen();
  }

  static async start(): Promise<ConsoleDriver> {
    return new ConsoleDriver(await startBot());
  }

  private listen(): void {
    this.bot.app.delivery.register("console", {
      send: async (chatId, message) => {
        this.inbox(chatId).push(message);
      },
    });
  }

  private inbox(user: string): OutboundMessage[] {
    const inbox = this.inboxes.get(user) ?? [];
    this.inboxes.set(user, inbox);
    return inbox;
  }

  say(user: string, lang: Language | undefined, line: string): Promise<OutboundMessage[]> {
    const { app } = this.bot;
    return new ConsoleChannel({ service: app.conversations, texts: app.texts, user, lang: lang ?? app.defaultLanguage }).messages(line);
  }

  async received(user: string): Promise<OutboundMessage[]> {
    await this.bot.app.dispatcher.sweep();
    await this.bot.app.commitmentDispatcher.sweep();
    while ((await this.bot.app.delivery.runOnce("console")) > 0);
    return this.inbox(user).splice(0);
  }

  async restart(): Promise<void> {
    this.bot = await this.bot.restart();
    this.listen();
  }

  close(): Promise<void> {
    return this.bot.close();
  }
}

/** One open page's stream of notices, read as the browser's EventSource reads it. */
class NoticeStream {
  readonly messages: (OutboundMessage & { id: string })[] = [];
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;
  /** Resolves on the stream's `ready` event. */
  readonly ready: Promise<void>;

  constructor(base: string, session: string) {
    let ready = () => {};
    this.ready = new Promise((resolve) => {
      ready = resolve;
    });
    this.done = this.read(base, session, ready).catch(() => undefined);
  }

  private async read(base: string, session: string, ready: () => void): Promise<void> {
    const res = await fetch(`${base}/api/chat/events?session=${session}`, { signal: this.controller.signal });
    if (!res.ok || !res.body) throw new Error(`the notice stream answered ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event === "ready") ready();
        if (event !== "message" || !data) continue;
        const message = JSON.parse(data) as OutboundMessage & { id: string };
        // Shown once, whatever the server sends again.
        if (!this.messages.some((m) => m.id === message.id)) this.messages.push(message);
        await fetch(`${base}/api/chat/events/ack`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ session, id: message.id }),
        });
      }
    }
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

/** Web chat citizens: a session each, their messages posted to the API, their notices read from its stream. */
class WebDriver implements Driver {
  private readonly sessions = new Map<string, string>();
  private readonly streams = new Map<string, NoticeStream>();
  private readonly seen = new Map<string, number>();
  private server!: FastifyInstance;
  private base = "";

  private constructor(public bot: TestBot) {}

  static async start(): Promise<WebDriver> {
    const driver = new WebDriver(await startBot());
    await driver.serve();
    return driver;
  }

  private async serve(): Promise<void> {
    this.server = await httpServer(this.bot, [contribution(chatPlugin, webChatOptions(this.bot, { delivery: true }))]);
    await this.server.listen({ port: 0, host: "127.0.0.1" });
    this.base = `http://127.0.0.1:${(this.server.server.address() as { port: number }).port}`;
    for (const user of this.sessions.keys()) await this.open(user);
  }

  /** The page of `user` is open: its stream connected. */
  private async open(user: string): Promise<string> {
    const session = this.sessions.get(user) ?? randomUUID();
    this.sessions.set(user, session);
    if (!this.streams.has(user)) {
      const stream = new NoticeStream(this.base, session);
      this.streams.set(user, stream);
      await stream.ready;
    }
    return session;
  }

  async say(user: string, lang: Language | undefined, line: string): Promise<OutboundMessage[]> {
    if (line.trim() === "") return [];
    const session = await this.open(user);
    const content = await parseConsoleLine(line);
    if ("error" in content) throw new Error(`${line}: cannot be sent on the web chat`);
    const body: Record<string, unknown> = { session, id: randomUUID(), lang: lang ?? this.bot.app.defaultLanguage };
    if (content.type === "text") body.text = content.text;
    else if (content.type === "location") body.location = { latitude: content.latitude, longitude: content.longitude };
    else if (content.type === "photo" && Buffer.isBuffer(content.data)) {
      body.photo = content.data.toString("base64");
      if (content.caption) body.text = content.caption;
    }
    const res = await fetch(`${this.base}/api/chat/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { replies?: Omit<OutboundMessage, "id">[]; error?: string };
    if (!answer.replies) throw new Error(`the web chat answered ${res.status}: ${answer.error}`);
    return answer.replies.map((r) => ({ id: "", ...r }));
  }

  async received(user: string): Promise<OutboundMessage[]> {
    const session = await this.open(user);
    await this.bot.app.dispatcher.sweep();
    await this.bot.app.commitmentDispatcher.sweep();
    // Delivered when the outbox has nothing left for the page (each message acknowledged).
    for (let waited = 0; (await this.bot.app.store.outbox.unsentFor("web", session)).length > 0; waited += 20) {
      if (waited > 10_000) throw new Error(`notices for ${user} were not delivered to the page`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const all = this.streams.get(user)?.messages ?? [];
    const from = this.seen.get(user) ?? 0;
    this.seen.set(user, all.length);
    return all.slice(from);
  }

  private async stop(): Promise<void> {
    for (const stream of this.streams.values()) await stream.close();
    this.streams.clear();
    this.seen.clear();
    await this.server.close();
  }

  async restart(): Promise<void> {
    await this.stop();
    this.bot = await this.bot.restart();
    await this.serve();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.bot.close();
  }
}

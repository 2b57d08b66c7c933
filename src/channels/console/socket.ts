/**
 * The console over a unix socket in DATA_DIR: `npm run chat` next to a running bot talks to that
 * bot instead of opening the data folder a second time (the embedded store allows one process per
 * folder). The socket is readable and writable by its owner only: the file system is the
 * authentication, and nothing listens on the network. One JSON object per line each way: a message
 * goes in, its replies come back one by one, then its result. The same socket carries the
 * administrator's commands (`npm run admin -- member …`) to the bot that holds the data folder:
 * their arguments go in, what they print comes back.
 */
import { randomUUID } from "node:crypto";
import { chmod, rm } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { z } from "zod";
import type { HandleResult } from "../../conversation/conversations.js";
import { type InboundMessage, MAX_INBOUND_TEXT, type OutboundMessage, type Sender } from "../../conversation/messages.js";
import { LANGUAGES } from "../../locale/languages.js";
import { errorInfo } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";

/** The socket's name inside DATA_DIR. */
export const CONSOLE_SOCKET = "console.sock";

/** What the console needs of a bot: the runtime itself, or a running bot reached through the socket. */
export interface ConsoleTarget {
  handle(message: InboundMessage, send: Sender): Promise<HandleResult>;
}

/** Largest photo a console message may carry (base64 in the JSON line). */
const MAX_PHOTO_BASE64 = 70 * 1024 * 1024;

const requestSchema = z.strictObject({
  id: z.uuid(),
  user: z.string().min(1).max(100),
  lang: z.enum(LANGUAGES).optional(),
  content: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("text"), text: z.string().max(MAX_INBOUND_TEXT) }),
    z.strictObject({ type: z.literal("location"), latitude: z.number(), longitude: z.number() }),
    z.strictObject({ type: z.literal("photo"), data: z.base64().max(MAX_PHOTO_BASE64) }),
  ]),
});

const adminSchema = z.strictObject({ id: z.uuid(), admin: z.array(z.string().max(1000)).max(50) });

/** What an administrator's command printed, and its exit code. */
export interface AdminAnswer {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an administrator's command in the bot (given by the composition root; the console knows none). */
export type AdminRunner = (argv: string[]) => Promise<AdminAnswer>;

type Request = z.input<typeof requestSchema>;
type Frame = { id: string; reply: OutboundMessage } | { id: string; result: HandleResult } | { id: string; admin: AdminAnswer } | { error: string };

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export interface ConsoleServer {
  close(): Promise<void>;
}

/**
 * Serves the console on `path` for the process that holds the data folder (so a socket file
 * already there was left by a process that is gone, and is replaced).
 */
export async function serveConsole(path: string, target: ConsoleTarget, logger: Logger, admin?: AdminRunner): Promise<ConsoleServer> {
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
    socket.on("error", (err) => logger.debug({ err: errorInfo(err) }, "console connection failed"));
    void serveConnection(socket, target, logger, admin);
  });
  await rm(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        // Closing the server removes the socket file.
        server.close(() => resolve());
      }),
  };
}

async function serveConnection(socket: Socket, target: ConsoleTarget, logger: Logger, admin?: AdminRunner): Promise<void> {
  const write = (frame: Frame) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(frame)}\n`);
  };
  const lines = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      const frame = parseLine(line);
      const command = adminSchema.safeParse(frame);
      if (command.success) {
        if (!admin) write({ error: "this bot takes no administrator's commands" });
        else write({ id: command.data.id, admin: await admin(command.data.admin) });
        continue;
      }
      const parsed = requestSchema.safeParse(frame);
      if (!parsed.success) {
        write({ error: "not a console message" });
        continue;
      }
      const { id, user, lang, content } = parsed.data;
      let waiting = true;
      const result = await target.handle(
        {
          channel: "console",
          chatId: user,
          messageId: id,
          content: content.type === "photo" ? { type: "photo", data: Buffer.from(content.data, "base64") } : content,
          languageHint: lang,
        },
        async (_chat, reply) => {
          // Replies of a message processed later than its request stay pending for the citizen's next message.
          if (!waiting || socket.destroyed) throw new Error("the console is no longer waiting for this message");
          write({ id, reply });
        },
      );
      waiting = false;
      write({ id, result });
    }
  } catch (err) {
    logger.debug({ err: errorInfo(err) }, "console connection ended");
  }
}

/** A running bot reached through its console socket. */
export class RemoteConsole implements ConsoleTarget {
  private readonly waiting = new Map<string, { send: Sender; chatId: string; done(result: HandleResult): void; fail(err: Error): void }>();
  private readonly commands = new Map<string, { done(answer: AdminAnswer): void; fail(err: Error): void }>();
  /** Replies are handed on in order, each after the previous one was taken. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly socket: Socket) {
    const lines = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => this.receive(line));
    socket.on("close", () => this.failAll(new Error("the bot stopped while a message was on its way")));
    socket.on("error", () => undefined);
  }

  /** Connects to the bot serving `path`; null when no bot is running there. */
  static async connect(path: string): Promise<RemoteConsole | null> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once("connect", () => resolve(new RemoteConsole(socket)));
      socket.once("error", (err: NodeJS.ErrnoException) => {
        // No socket, or one a stopped bot left behind.
        if (err.code === "ENOENT" || err.code === "ECONNREFUSED" || err.code === "ENOTSOCK") resolve(null);
        else reject(err);
      });
    });
  }

  handle(message: InboundMessage, send: Sender): Promise<HandleResult> {
    const c = message.content;
    let content: Request["content"];
    if (c.type === "text") content = { type: "text", text: c.text };
    else if (c.type === "location") content = { type: "location", latitude: c.latitude, longitude: c.longitude };
    else if (c.type === "photo" && Buffer.isBuffer(c.data)) content = { type: "photo", data: c.data.toString("base64") };
    else return Promise.reject(new Error(`the console does not send ${c.type} messages`));
    const request: Request = { id: message.messageId, user: message.chatId, lang: message.languageHint as Request["lang"], content };
    return new Promise<HandleResult>((done, fail) => {
      this.waiting.set(message.messageId, { send, chatId: message.chatId, done, fail });
      this.socket.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Runs an administrator's command in the bot; resolves with what it printed. */
  admin(argv: string[]): Promise<AdminAnswer> {
    const id = randomUUID();
    return new Promise<AdminAnswer>((done, fail) => {
      this.commands.set(id, { done, fail });
      this.socket.write(`${JSON.stringify({ id, admin: argv })}\n`);
    });
  }

  close(): void {
    this.socket.end();
  }

  private receive(line: string): void {
    const frame = parseLine(line) as Frame | undefined;
    if (!frame || "error" in frame) {
      this.failAll(new Error(`the bot refused a message: ${frame?.error ?? "unreadable answer"}`));
      return;
    }
    if ("admin" in frame) {
      this.commands.get(frame.id)?.done(frame.admin);
      this.commands.delete(frame.id);
      return;
    }
    const waiter = this.waiting.get(frame.id);
    if (!waiter) return;
    if ("reply" in frame) {
      this.chain = this.chain.then(async () => void (await waiter.send(waiter.chatId, frame.reply))).catch(() => undefined);
      return;
    }
    this.waiting.delete(frame.id);
    void this.chain.then(() => waiter.done(frame.result));
  }

  private failAll(err: Error): void {
    for (const [id, waiter] of [...this.waiting, ...this.commands]) {
      this.waiting.delete(id);
      this.commands.delete(id);
      waiter.fail(err);
    }
  }
}

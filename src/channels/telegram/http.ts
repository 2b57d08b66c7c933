/**
 * How the bot speaks HTTP to the Bot API: Node's own `http(s).request` over one keep-alive agent
 * per API root, instead of the node-fetch grammY brings. grammY asks `fetch` for one thing — POST a
 * JSON string or a multipart stream, honour the abort signal, read the answer as JSON — and this
 * does just that, for about a third of node-fetch's CPU per call (bench/telegram.ts measures it).
 * Also the download of a file Telegram keeps (a citizen's photo), stopped past a size limit.
 *
 * Connections: at most MAX_SOCKETS at once per API root, all kept open for the next call. Without a
 * bound a burst opens one socket per call, and all beyond the agent's free pool are closed again.
 * Errors never carry the URL: it holds the token.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { PhotoTooLargeError } from "../../conversation/messages.js";

/**
 * Calls in flight at once per API root; more wait for a free connection. Enough for a round trip of
 * 100 ms to Telegram at 2,500 calls a second, far above what Telegram lets a bot send.
 */
const MAX_SOCKETS = 256;
const DOWNLOAD_TIMEOUT_MS = 60_000;

const agents = new Map<string, HttpAgent>();

function agentFor(url: URL): HttpAgent {
  const key = url.origin;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS };
    agent = url.protocol === "https:" ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** What grammY passes to `fetch` (see grammy/out/core/payload.js). */
interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Readable | null;
  signal?: {
    aborted: boolean;
    addEventListener(type: "abort", listener: () => void): void;
    removeEventListener(type: "abort", listener: () => void): void;
  } | null;
}

/** What grammY reads of the answer. */
export interface FetchAnswer {
  ok: boolean;
  status: number;
  statusText: string;
  json(): Promise<unknown>;
}

class RequestFailed extends Error {
  constructor(what: string, cause?: unknown) {
    // The cause's message may name the host, never the path (node's errors do not carry it).
    super(`Bot API request failed: ${what}${cause instanceof Error && "code" in cause ? ` (${String((cause as NodeJS.ErrnoException).code)})` : ""}`);
    this.name = what === "aborted" ? "AbortError" : "RequestFailed";
  }
}

/** Where a URL goes, as `request` takes it; the API's few method URLs are parsed once. */
interface Target {
  https: boolean;
  options: RequestOptions;
}

const targets = new Map<string, Target>();
/** Method URLs remembered (a bot calls a few dozen methods); file URLs are not. */
const TARGETS_KEPT = 200;

function targetOf(input: string, keep: boolean): Target {
  let target = targets.get(input);
  if (!target) {
    const url = new URL(input);
    target = {
      https: url.protocol === "https:",
      options: { protocol: url.protocol, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, agent: agentFor(url) },
    };
    if (keep && targets.size < TARGETS_KEPT) targets.set(input, target);
  }
  return target;
}

/** Sends one request; resolves with the response once its headers arrive. */
function send(target: Target, options: RequestOptions, body: string | Readable | null | undefined, signal: FetchInit["signal"]): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RequestFailed("aborted"));
    const req = (target.https ? httpsRequest : httpRequest)({ ...target.options, ...options });
    const onAbort = () => req.destroy(new RequestFailed("aborted"));
    signal?.addEventListener("abort", onAbort);
    const done = () => signal?.removeEventListener("abort", onAbort);
    req.on("response", (res) => {
      res.on("close", done);
      resolve(res);
    });
    req.on("error", (err) => {
      done();
      reject(err instanceof RequestFailed ? err : new RequestFailed("network error", err));
    });
    if (body instanceof Readable) {
      body.on("error", (err) => req.destroy(new RequestFailed("body stream failed", err)));
      body.pipe(req);
    } else req.end(body ?? undefined);
  });
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on("data", (part: Buffer) => parts.push(part));
    res.on("end", () => resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts)));
    res.on("error", (err) => reject(err instanceof RequestFailed ? err : new RequestFailed("response interrupted", err)));
    res.on("aborted", () => reject(new RequestFailed("response interrupted")));
  });
}

/** The `fetch` grammY's API client is given (`client.fetch`). */
export async function botApiFetch(input: string | URL, init: FetchInit = {}): Promise<FetchAnswer> {
  const headers: Record<string, string | number> = { ...init.headers };
  if (typeof init.body === "string") headers["content-length"] = Buffer.byteLength(init.body);
  const res = await send(targetOf(String(input), true), { method: init.method ?? "GET", headers }, init.body, init.signal);
  const body = readAll(res);
  // Read at once, so an answer nobody asks for (an aborted call) does not hold its connection.
  body.catch(() => undefined);
  return {
    ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? "",
    json: async () => {
      const data = await body;
      try {
        return JSON.parse(data.toString("utf8"));
      } catch {
        throw new RequestFailed(`answer is not JSON (HTTP ${res.statusCode})`);
      }
    },
  };
}

/** The body of a file on the Bot API's file endpoint, refused with PhotoTooLargeError as soon as it passes `maxBytes`. */
export async function downloadFile(url: string, maxBytes: number): Promise<Buffer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DOWNLOAD_TIMEOUT_MS);
  try {
    const res = await send(targetOf(url, false), { method: "GET" }, null, controller.signal);
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
      res.resume();
      throw new Error(`file download failed: HTTP ${res.statusCode}`);
    }
    if (Number(res.headers["content-length"] ?? 0) > maxBytes) {
      res.destroy();
      throw new PhotoTooLargeError();
    }
    const parts: Buffer[] = [];
    let total = 0;
    for await (const part of res as AsyncIterable<Buffer>) {
      total += part.length;
      if (total > maxBytes) {
        res.destroy();
        throw new PhotoTooLargeError();
      }
      parts.push(part);
    }
    return Buffer.concat(parts);
  } catch (err) {
    if (err instanceof PhotoTooLargeError || (err instanceof Error && err.message.startsWith("file download failed"))) throw err;
    throw new Error(`file download failed: ${(err as Error).name}`);
  } finally {
    clearTimeout(timer);
  }
}

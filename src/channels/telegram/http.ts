/**
 * How the bot speaks HTTP to the Bot API: undici's `Pool.request`, one pool of keep-alive
 * connections per API root, instead of the node-fetch grammY brings. grammY asks `fetch` for one
 * thing — POST a JSON string or a multipart stream, honour the abort signal, read the answer as
 * JSON — and this does just that. A call costs the bot about half the CPU of Node's own
 * `http.request` (55 against 95–125 µs a sendMessage on Node 24) and a third of node-fetch's;
 * `npm run bench:telegram` measures what it does to a whole update.
 * Also the download of a file Telegram keeps (a citizen's photo), stopped past a size limit.
 *
 * Connections: at most MAX_SOCKETS at once per API root, all kept open for the next call. Without a
 * bound a burst opens one socket per call. Errors never carry the URL: it holds the token.
 */
import type { Readable } from "node:stream";
import { Pool } from "undici";
import { PhotoTooLargeError } from "../../conversation/messages.js";

/**
 * Calls in flight at once per API root; more wait for a free connection. Enough for a round trip of
 * 100 ms to Telegram at 2,500 calls a second, far above what Telegram lets a bot send.
 */
const MAX_SOCKETS = 256;
const DOWNLOAD_TIMEOUT_MS = 60_000;

const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: MAX_SOCKETS });
    pools.set(origin, pool);
  }
  return pool;
}

/** An abort signal as grammY hands it (its own shim's, or Node's). */
type Signal = {
  aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
};

/** What grammY passes to `fetch` (see grammy/out/core/payload.js). */
interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Readable | null;
  signal?: Signal | null;
}

/** What grammY reads of the answer. */
export interface FetchAnswer {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

class RequestFailed extends Error {
  constructor(what: string, cause?: unknown) {
    // The cause's code may be said (ECONNREFUSED), never its message: undici's may name the origin.
    super(`Bot API request failed: ${what}${cause instanceof Error && "code" in cause ? ` (${String((cause as NodeJS.ErrnoException).code)})` : ""}`);
    this.name = what === "aborted" ? "AbortError" : "RequestFailed";
  }
}

/** An error of undici's as ours: aborted, or a network error with its code. */
function failed(err: unknown, what: string): RequestFailed {
  if (err instanceof RequestFailed) return err;
  return err instanceof Error && err.name === "AbortError" ? new RequestFailed("aborted") : new RequestFailed(what, err);
}

/** Where a URL goes, as `request` takes it; the API's few method URLs are parsed once. */
interface Target {
  pool: Pool;
  path: string;
}

const targets = new Map<string, Target>();
/** Method URLs remembered (a bot calls a few dozen methods); file URLs are not. */
const TARGETS_KEPT = 200;

function targetOf(input: string, keep: boolean): Target {
  let target = targets.get(input);
  if (!target) {
    const url = new URL(input);
    target = { pool: poolFor(url.origin), path: `${url.pathname}${url.search}` };
    if (keep && targets.size < TARGETS_KEPT) targets.set(input, target);
  }
  return target;
}

/** The `fetch` grammY's API client is given (`client.fetch`). */
export async function botApiFetch(input: string | URL, init: FetchInit = {}): Promise<FetchAnswer> {
  const target = targetOf(String(input), true);
  let res: Awaited<ReturnType<Pool["request"]>>;
  try {
    res = await target.pool.request({
      path: target.path,
      method: (init.method ?? "GET") as "GET",
      headers: init.headers,
      body: init.body ?? null,
      signal: init.signal ?? undefined,
    });
  } catch (err) {
    throw failed(err, "network error");
  }
  // Read at once, so an answer nobody asks for (an aborted call) does not hold its connection.
  const body = res.body.text().catch((err: unknown) => {
    throw failed(err, "response interrupted");
  });
  body.catch(() => undefined);
  return {
    ok: res.statusCode >= 200 && res.statusCode < 300,
    status: res.statusCode,
    json: async () => {
      const data = await body;
      try {
        return JSON.parse(data);
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
  const target = targetOf(url, false);
  try {
    const res = await target.pool.request({ path: target.path, method: "GET", signal: controller.signal });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump().catch(() => undefined);
      throw new Error(`file download failed: HTTP ${res.statusCode}`);
    }
    // Destroyed without reading on: undici then emits an AbortError nobody needs to hear.
    res.body.on("error", () => undefined);
    if (Number(res.headers["content-length"] ?? 0) > maxBytes) {
      res.body.destroy();
      throw new PhotoTooLargeError();
    }
    const parts: Buffer[] = [];
    let total = 0;
    for await (const part of res.body as AsyncIterable<Buffer>) {
      total += part.length;
      if (total > maxBytes) {
        res.body.destroy();
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

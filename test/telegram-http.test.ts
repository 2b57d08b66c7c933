/**
 * The HTTP client the Telegram channel calls the Bot API with (src/channels/telegram/http.ts),
 * against a plain local server: connections kept and bounded, calls stopped when aborted, errors
 * that never carry the token, file downloads stopped past their size limit.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { botApiFetch, downloadFile } from "../src/channels/telegram/http.js";
import { PhotoTooLargeError } from "../src/conversation/messages.js";

const TOKEN = "123456:SECRET-token-never-in-an-error";
const servers: Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ root: string; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on("connection", () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const json = { method: "POST", headers: { "content-type": "application/json" } };

describe("the Bot API client", () => {
  it("posts JSON and reads the answer, keeping one connection for calls one after another", async () => {
    const api = await serve((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => res.end(JSON.stringify({ ok: true, result: { path: req.url, got: JSON.parse(body) } })));
    });
    for (let i = 0; i < 20; i++) {
      const res = await botApiFetch(`${api.root}/bot${TOKEN}/sendMessage`, { ...json, body: JSON.stringify({ chat_id: i, text: "ñandú" }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, result: { path: `/bot${TOKEN}/sendMessage`, got: { chat_id: i, text: "ñandú" } } });
    }
    expect(api.connections()).toBe(1);
  });

  it("opens at most 256 connections however many calls are in flight, and answers them all", async () => {
    const api = await serve((_req, res) => setTimeout(() => res.end('{"ok":true,"result":true}'), 20));
    const answers = await Promise.all(
      Array.from({ length: 600 }, () => botApiFetch(`${api.root}/bot${TOKEN}/answerCallbackQuery`, { ...json, body: "{}" }).then((r) => r.json())),
    );
    expect(answers.every((a) => (a as { ok: boolean }).ok)).toBe(true);
    expect(api.connections()).toBeLessThanOrEqual(256);
  });

  it("hands back Telegram's error answers as they are", async () => {
    const api = await serve((_req, res) => {
      res.writeHead(429, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } }));
    });
    const res = await botApiFetch(`${api.root}/bot${TOKEN}/sendMessage`, { ...json, body: "{}" });
    expect(res.ok).toBe(false);
    expect(await res.json()).toMatchObject({ error_code: 429, parameters: { retry_after: 3 } });
  });

  it("stops a call when its signal aborts", async () => {
    const api = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const call = botApiFetch(`${api.root}/bot${TOKEN}/getUpdates`, { ...json, body: "{}", signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
  });

  it("fails without the token or the path in the error when the API cannot be reached", async () => {
    const api = await serve(() => {});
    const root = api.root;
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const error = await botApiFetch(`${root}/bot${TOKEN}/getMe`, { ...json, body: "{}" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain("ECONNREFUSED");
    expect(String((error as Error).message)).not.toContain("SECRET");
    expect(JSON.stringify(error)).not.toContain("SECRET");
  });
});

describe("file downloads", () => {
  const png = Buffer.alloc(3000, 7);

  it("returns the file's bytes", async () => {
    const api = await serve((_req, res) => res.end(png));
    expect(await downloadFile(`${api.root}/file/bot${TOKEN}/photos/a.jpg`, 5000)).toEqual(png);
  });

  it("refuses a file past the limit, whether its size is announced or not", async () => {
    const announced = await serve((_req, res) => res.end(png));
    await expect(downloadFile(`${announced.root}/file/bot${TOKEN}/photos/a.jpg`, 1000)).rejects.toBeInstanceOf(PhotoTooLargeError);
    const streamed = await serve((_req, res) => {
      // Chunked: no content-length to refuse it by.
      res.write(png.subarray(0, 800));
      setTimeout(() => res.end(png.subarray(800)), 10);
    });
    await expect(downloadFile(`${streamed.root}/file/bot${TOKEN}/photos/a.jpg`, 1000)).rejects.toBeInstanceOf(PhotoTooLargeError);
  });

  it("fails with the HTTP status and never the URL", async () => {
    const api = await serve((_req, res) => {
      res.writeHead(404);
      res.end("Not Found");
    });
    const error = await downloadFile(`${api.root}/file/bot${TOKEN}/photos/missing.jpg`, 1000).catch((e: Error) => e);
    expect((error as Error).message).toBe("file download failed: HTTP 404");
  });
});

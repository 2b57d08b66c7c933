/**
 * Connections one client may hold: the HTTP server bounds them by the process's open-file limit, so
 * that thousands of idle or slow connections never take the descriptors the store writes with, and
 * a request whose headers trickle in is cut.
 */

import { writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpServer } from "../src/http/server.js";
import { connectionsAllowed, openFileLimit } from "../src/util/open-files.js";
import { startBot, type TestBot, tempDir } from "./helpers/app.js";

let bot: TestBot | undefined;
let server: FastifyInstance | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  await bot?.close();
  server = undefined;
  bot = undefined;
});

/** A connection that sends nothing; resolves once connected, and says when the server closed it. */
function idle(port: number): Promise<{ closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const socket = connect(port, "127.0.0.1", () => resolve({ closed: () => closed }));
    socket.on("close", () => {
      closed = true;
    });
    socket.on("error", () => undefined);
    socket.once("error", reject);
    sockets.push(socket);
  });
}

describe("connections", () => {
  it("past the allowance a new connection is closed unread; once others go, the server answers again", async () => {
    bot = await startBot();
    server = await createHttpServer({
      logger: bot.app.logger,
      store: bot.app.store,
      texts: bot.app.texts,
      defaultLanguage: bot.app.defaultLanguage,
      plugins: [],
      maxConnections: 3,
    });
    await server.listen({ port: 0, host: "127.0.0.1" });
    const port = (server.server.address() as { port: number }).port;
    const held = await Promise.all([idle(port), idle(port), idle(port)]);
    const fourth = await idle(port);
    await expect.poll(() => fourth.closed()).toBe(true);
    expect(held.some((h) => h.closed())).toBe(false);
    for (const s of sockets.splice(0)) s.destroy();
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) }).catch(() => ({ status: 0 }))).status)
      .toBe(200);
  });

  it("the allowance is the open-file limit less what the store and the calls out keep, within bounds", async () => {
    const dir = await tempDir("ma-limits-");
    const limits = (soft: string) =>
      `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;
    await writeFile(join(dir, "a"), limits("1024"));
    await writeFile(join(dir, "b"), limits("unlimited"));
    await writeFile(join(dir, "c"), "nothing here");
    expect(openFileLimit(join(dir, "a"))).toBe(1024);
    expect(connectionsAllowed(1024)).toBe(512);
    expect(connectionsAllowed(openFileLimit(join(dir, "b")))).toBe(10_000);
    expect(connectionsAllowed(openFileLimit(join(dir, "c")))).toBe(10_000);
    expect(connectionsAllowed(300)).toBe(64);
    // This machine's own, as the server reads it.
    expect(connectionsAllowed()).toBeGreaterThanOrEqual(64);
  });
});

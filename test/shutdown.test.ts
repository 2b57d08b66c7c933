/**
 * SIGTERM, as `docker stop` and systemd send it: the bot stops taking messages, answers the ones in
 * hand, flushes the store and exits with 0 within 10 s, even with a client holding half a request;
 * nothing it answered is lost.
 */
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { tempDir } from "./helpers/app.js";
import { start } from "./helpers/process.js";
import { freePort } from "./helpers/service.js";

/** How a request the server never took fails: refused, or its connection closed (as idle) under it. */
const NOT_TAKEN = ["ECONNREFUSED", "ECONNRESET", "UND_ERR_SOCKET"];

describe("graceful shutdown", () => {
  it("answers the messages in flight, keeps them, and exits with 0 within 10 s", async () => {
    const dir = await tempDir("ma-stop-");
    const port = await freePort();
    const bot = start("src/main.ts", [], { DATA_DIR: dir, PORT: String(port), HOST: "127.0.0.1", LOG_FORMAT: "json" });
    await bot.printed(/municipio abierto started/, 60_000);

    // A client that never finishes sending its request (a slow phone, or one holding connections on purpose).
    const half = connect(port, "127.0.0.1");
    half.on("error", () => undefined);
    await new Promise((resolve) => half.once("connect", resolve));
    half.write("POST /api/chat/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n");

    const sessions = Array.from({ length: 20 }, () => randomUUID());
    const answers = sessions.map((session) =>
      fetch(`http://127.0.0.1:${port}/api/chat/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ session, id: randomUUID(), text: "hola" }),
      }).then(
        async (res) => ({ session, status: res.status, failure: undefined, body: (await res.json()) as { replies?: unknown[] } }),
        // Sent after the server stopped listening (refused), or on a kept-alive connection the server closed as
        // idle as it was sent (closed): not taken, which is allowed; that nothing of it was done is checked below.
        (err: Error & { cause?: { code?: string } }) => ({ session, status: 0, failure: err.cause?.code ?? err.message, body: {} as { replies?: unknown[] } }),
      ),
    );
    // The signal comes as soon as the first is answered: the others are on their way or being handled.
    await Promise.race(answers);
    const signalled = Date.now();
    bot.child.kill("SIGTERM");
    const results = await Promise.all(answers);
    const { code } = await bot.finished;
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(code).toBe(0);
    // Taken and answered (200), or not taken at all: refused or closed, or 503 while the server closes (a load balancer tries another).
    const answered = results.filter((r) => r.status === 200);
    const declined = results.filter((r) => r.status === 503 || r.status === 0);
    expect(answered.length).toBeGreaterThan(0);
    for (const r of results) {
      if (r.status === 0) expect(NOT_TAKEN, `not answered: ${r.failure}`).toContain(r.failure);
      else if (r.status !== 503) {
        expect(r.status).toBe(200);
        expect(r.body.replies?.length).toBeGreaterThan(0);
      }
    }

    // Every conversation it answered is in the store.
    const store = await openEmbeddedStore(dir);
    try {
      const kept = await Promise.all(answered.map((r) => store.conversations.get(`web:${r.session}`)));
      expect(kept.filter((c) => c !== null)).toHaveLength(answered.length);
      // What was declined or not taken was not half done.
      for (const r of declined) expect(await store.conversations.get(`web:${r.session}`)).toBeNull();
    } finally {
      await store.close();
    }
  }, 90_000);
});

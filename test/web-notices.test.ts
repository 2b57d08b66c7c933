/**
 * The web chat's stream of notices over HTTP (a real server, read as EventSource reads it): what
 * waited is delivered when the page connects, a new one at once, each counted as delivered only when
 * the page acknowledges it; while no page is open nothing is given up, however long the outbox
 * worker runs, until CONVERSATION_DAYS have passed.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chatPlugin } from "../src/channels/web/chat.js";
import { STREAM_LIMITS } from "../src/channels/web/notices.js";
import { contribution } from "../src/http/server.js";
import type { NewOutboxItem } from "../src/store/ports.js";
import { httpServer, startBot, type TestBot, webChatOptions } from "./helpers/app.js";
import { consentedCitizen } from "./helpers/citizens.js";

const DAY = 24 * 60 * 60 * 1000;
let bot: TestBot;
let server: FastifyInstance;
let base: string;
beforeEach(async () => {
  bot = await startBot();
  server = await httpServer(bot, [contribution(chatPlugin, webChatOptions(bot, { delivery: true }))]);
  await server.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
});
afterEach(async () => {
  await server.close();
  await bot.close();
});

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** A page's stream: its events as they come, its response headers; `ack: false` leaves messages unacknowledged. */
function listen(session: string, options: { ack?: boolean } = {}) {
  const events: SseEvent[] = [];
  const controller = new AbortController();
  let headers: Headers | undefined;
  const done = (async () => {
    const res = await fetch(`${base}/api/chat/events?session=${session}`, { signal: controller.signal });
    headers = res.headers;
    let buffer = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (!event || !data) continue;
        const parsed = { event, data: JSON.parse(data) as Record<string, unknown> };
        events.push(parsed);
        if (event === "message" && options.ack !== false) {
          await fetch(`${base}/api/chat/events/ack`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ session, id: parsed.data.id }),
          });
        }
      }
    }
  })().catch(() => undefined);
  return {
    events,
    headers: () => headers,
    texts: () => events.filter((e) => e.event === "message").map((e) => e.data.text),
    async close() {
      controller.abort();
      await done;
    },
  };
}

function notice(session: string, text: string, seq = 0): NewOutboxItem {
  return {
    id: `notice:test:${seq}:${session}`,
    channel: "web",
    chatId: session,
    kind: "notice",
    ref: null,
    payload: { id: randomUUID(), lang: "es-MX", text: `${text} ${bot.app.publicUrl}/privacidad` },
    createdAt: bot.clock.now(),
    seq,
  };
}

/** Queues notices as a dispatcher does, for chats whose citizens accepted the privacy notice (no record, no notice). */
async function enqueue(items: NewOutboxItem[]): Promise<void> {
  for (const chat of new Set(items.map((i) => i.chatId))) await consentedCitizen(bot.app.store, `web:${chat}`, bot.clock.now());
  await bot.app.delivery.enqueue(items);
}

const unsent = (session: string) => bot.app.store.outbox.unsentFor("web", session);

describe("web chat notices", () => {
  it("on connecting the page is told how many notices wait, then they arrive in order; a new one at once; links relative to the page", async () => {
    const session = randomUUID();
    await enqueue([notice(session, "primero", 1), notice(session, "segundo", 2)]);
    // The outbox worker runs; the web chat has no transport of its own: nothing is tried, nothing given up.
    bot.app.delivery.start();
    bot.clock.advance(24 * 60 * 60 * 1000);
    expect((await unsent(session)).map((i) => [i.state, i.attempts])).toEqual([
      ["pending", 0],
      ["pending", 0],
    ]);

    const page = listen(session);
    await expect.poll(() => page.events.map((e) => e.event)).toEqual(["ready", "message", "message"]);
    expect(page.events[0].data).toEqual({ waiting: 2 });
    expect(page.texts()).toEqual(["primero /privacidad", "segundo /privacidad"]);
    // Every response carries the server's security headers, the stream too.
    expect(page.headers()?.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(page.headers()?.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers()?.get("x-content-type-options")).toBe("nosniff");
    await expect.poll(async () => (await unsent(session)).length).toBe(0);

    await enqueue([notice(session, "tercero", 3)]);
    await expect.poll(() => page.texts()).toEqual(["primero /privacidad", "segundo /privacidad", "tercero /privacidad"]);
    await page.close();
  });

  it("a notice the page never acknowledged (it was closing) is sent again on the next visit, with the same id", async () => {
    const session = randomUUID();
    const closing = listen(session, { ack: false });
    await expect.poll(() => closing.events.map((e) => e.event)).toEqual(["ready"]);
    expect(closing.events[0].data).toEqual({ waiting: 0 });
    await enqueue([notice(session, "aviso", 1)]);
    await expect.poll(() => closing.texts()).toEqual(["aviso /privacidad"]);
    const first = closing.events[1].data.id;
    await closing.close();
    // Given back when the page goes, never marked sent.
    await expect.poll(async () => (await unsent(session)).map((i) => i.state)).toEqual(["pending"]);

    const next = listen(session);
    await expect.poll(() => next.texts()).toEqual(["aviso /privacidad"]);
    expect(next.events.find((e) => e.event === "message")?.data.id).toBe(first);
    await expect.poll(async () => (await unsent(session)).length).toBe(0);
    await next.close();
  });

  it("a notice no page opened for in CONVERSATION_DAYS (90) is given up with its text; the page opened later gets none of it, a younger one still", async () => {
    const gone = randomUUID();
    const back = randomUUID();
    await enqueue([notice(gone, "viejo", 1)]);
    bot.clock.advance(60 * DAY);
    await enqueue([notice(back, "reciente", 2)]);
    bot.clock.advance(29 * DAY);
    // At 89 days nothing is given up.
    await bot.app.conversations.retentionPass();
    expect(await unsent(gone)).toHaveLength(1);
    bot.clock.advance(2 * DAY);
    await bot.app.conversations.retentionPass();
    expect(await unsent(gone)).toEqual([]);
    const given = await bot.app.store.outbox.get(`notice:test:1:${gone}`);
    expect(given).toMatchObject({ state: "failed", error: "never_reached", payload: null });

    const late = listen(gone);
    await expect.poll(() => late.events.map((e) => e.event)).toEqual(["ready"]);
    expect(late.events[0].data).toEqual({ waiting: 0 });
    const page = listen(back);
    await expect.poll(() => page.texts()).toEqual(["reciente /privacidad"]);
    await late.close();
    await page.close();
  });

  it("a session that is not one is refused in the visitor's language; an acknowledgement of nothing changes nothing", async () => {
    const bad = await fetch(`${base}/api/chat/events?session=not-a-session`, { headers: { "accept-language": "en" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/could not understand/i);
    const ack = await fetch(`${base}/api/chat/events/ack`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session: randomUUID(), id: "nothing" }),
    });
    expect(ack.status).toBe(204);
  });
});

describe("streams one client may hold", () => {
  /**
   * Opens a stream and resolves with its status once its headers come; `close` ends it. The response is held
   * with it: undici cancels the body of a response collected as garbage, which closed a stream the test still
   * counted (one more was let in, 200 for 503, when the full suite's load made the collector run meanwhile).
   */
  async function open(session: string): Promise<{ status: number; retryAfter: string | null; response: Response; close(): void }> {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/chat/events?session=${session}`, { signal: controller.signal });
    if (response.status !== 200) await response.body?.cancel();
    return { status: response.status, retryAfter: response.headers.get("retry-after"), response, close: () => controller.abort() };
  }

  it("a few per session and a hundred per address; beyond, come back later (503), and a stream closed frees its place", async () => {
    const session = randomUUID();
    const tabs = await Promise.all(Array.from({ length: STREAM_LIMITS.perSession }, () => open(session)));
    expect(tabs.map((t) => t.status)).toEqual(Array(STREAM_LIMITS.perSession).fill(200));
    const extra = await open(session);
    expect([extra.status, extra.retryAfter]).toEqual([503, "30"]);
    // The same address with other sessions, up to its limit (the tabs above count).
    const others = await Promise.all(Array.from({ length: STREAM_LIMITS.perAddress - STREAM_LIMITS.perSession }, () => open(randomUUID())));
    expect(others.every((o) => o.status === 200)).toBe(true);
    expect((await open(randomUUID())).status).toBe(503);
    // One closes: its place is free again.
    tabs[0].close();
    await expect
      .poll(async () => {
        const again = await open(randomUUID());
        again.close();
        return again.status;
      })
      .toBe(200);
    for (const o of [...tabs, ...others]) o.close();
  });
});

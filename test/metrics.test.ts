/**
 * What operators watch: /metrics (Prometheus text) counts messages in and out by channel, the time to
 * handle them, the outbox and reports by status, without a word of what citizens wrote; /readyz says
 * whether the bot may take traffic (its store and every channel it runs), /healthz whether it lives.
 */
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { healthPlugin } from "../src/http/health.js";
import type { Store } from "../src/store/ports.js";
import { FakeBotApi } from "./fakes/bot-api.js";
import { type RunningBot, runBot, telegramEnv } from "./helpers/service.js";

let bot: RunningBot | undefined;
let fake: FakeBotApi | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await fake?.close();
  fake = undefined;
});

/** The value of one series in Prometheus' text format, or undefined when it is not there. */
function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? "").split(",").filter(Boolean);
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe("/metrics", () => {
  it("counts a citizen's messages and the bot's replies, the report by status and the outbox; never what they wrote", async () => {
    bot = await runBot({});
    const app = bot.service.app;
    const citizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user: "lupe", lang: "es-MX" });
    const lines = ["hola", "1", "sí", "Metepec", "2", "Un socavón frente al mercado de la colonia Centro", "omitir", "omitir", "2", "1"];
    for (const line of lines) await citizen.receive(line);

    const res = await bot.service.server.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = res.body;
    expect(series(text, "municipio_messages_in_total", { channel: "console", result: "processed" })).toBe(lines.length);
    expect(series(text, "municipio_messages_out_total", { channel: "console" })).toBeGreaterThanOrEqual(lines.length);
    expect(series(text, "municipio_message_handle_seconds_count", { channel: "console" })).toBe(lines.length);
    expect(series(text, "municipio_reports", { status: "recibido" })).toBe(1);
    expect(series(text, "municipio_outbox_unsent")).toBeGreaterThanOrEqual(0);
    expect(series(text, "municipio_outbox_oldest_seconds")).toBeGreaterThanOrEqual(0);
    expect(series(text, "municipio_nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(text).not.toContain("socavón");
    expect(text).not.toContain("lupe");
  });

  it("answers Prometheus beside the bot, or whoever sends METRICS_TOKEN; nobody else (the counts time citizens' messages)", async () => {
    let running = await runBot({});
    bot = running;
    const get = (remoteAddress: string, authorization?: string) =>
      running.service.server.inject({ method: "GET", url: "/metrics", remoteAddress, headers: authorization ? { authorization } : {} });
    for (const inside of ["127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.1.10", "::1", "::ffff:10.0.0.7", "fd00::5"]) {
      expect((await get(inside)).statusCode, inside).toBe(200);
    }
    for (const outside of ["203.0.113.5", "8.8.8.8", "::ffff:203.0.113.5", "2001:db8::1", "172.32.0.1"]) {
      const res = await get(outside);
      expect(res.statusCode, outside).toBe(404);
      expect(res.body).not.toContain("municipio_");
    }
    await running.stop();
    running = await runBot({ METRICS_TOKEN: "prometheus-token-1234" });
    bot = running;
    expect((await get("203.0.113.5", "Bearer prometheus-token-1234")).statusCode).toBe(200);
    expect((await get("127.0.0.1")).statusCode).toBe(401);
    expect((await get("203.0.113.5", "Bearer wrong-token-123456")).statusCode).toBe(401);
  });
});

describe("/readyz and /healthz", () => {
  it("not ready while a channel is not connected or the store does not answer, though alive while the store answers", async () => {
    let storeUp = true;
    let whatsapp = false;
    const store = { kind: "embedded", ping: async () => (storeUp ? undefined : Promise.reject(new Error("down"))) } as unknown as Store;
    const server = Fastify();
    await server.register(healthPlugin, { store, channelsReady: () => ({ whatsapp }) });
    const get = async (url: string) => {
      const res = await server.inject({ method: "GET", url });
      return [res.statusCode, res.json()];
    };
    expect(await get("/readyz")).toEqual([503, { ready: false, store: true, channels: { whatsapp: false } }]);
    expect(await get("/healthz")).toEqual([200, { status: "ok", store: "embedded" }]);
    whatsapp = true;
    expect(await get("/readyz")).toEqual([200, { ready: true, store: true, channels: { whatsapp: true } }]);
    storeUp = false;
    expect(await get("/readyz")).toEqual([503, { ready: false, store: false, channels: { whatsapp: true } }]);
    expect(await get("/healthz")).toEqual([503, { status: "unavailable", store: "embedded" }]);
    await server.close();
  });

  it("ready with only its store; with Telegram, ready once it polls", async () => {
    bot = await runBot({});
    const plain = await bot.service.server.inject({ method: "GET", url: "/readyz" });
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toEqual({ ready: true, store: true, channels: {} });
    await bot.stop();

    fake = await FakeBotApi.start();
    bot = await runBot(telegramEnv(fake));
    const server = bot.service.server;
    for (let i = 0; i < 100 && (await server.inject({ method: "GET", url: "/readyz" })).statusCode !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await server.inject({ method: "GET", url: "/readyz" })).json()).toEqual({ ready: true, store: true, channels: { telegram: true } });
  });
});

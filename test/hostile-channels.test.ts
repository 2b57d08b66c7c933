/**
 * Hostile input through every channel adapter as it runs in production: Telegram updates of any shape
 * posted to the webhook, web chat bodies of any shape, WhatsApp messages of any type and body, console
 * lines. Whatever comes, the process answers (Telegram 200, the web chat never 5xx), nothing crashes, and
 * nothing is stored that should not be: no citizen without consent, no report of a malformed shape, no
 * operator (`$gt`, `$where`) as a stored key, no photo nobody asked for.
 *
 * `npm test` runs HOSTILE_RUNS inputs per adapter (60 by default, within the suite's time budget);
 * `npm run bench:hostile` runs 2,500 per adapter (10,000 in all) and prints how long they took.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WAWebJS from "whatsapp-web.js";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { FakeBotApi } from "./fakes/bot-api.js";
import { FakeWhatsApp } from "./fakes/whatsapp.js";
import { fakeWhatsAppEnv, freePort, type RunningBot, runBot, telegramEnv } from "./helpers/service.js";

const RUNS = Number(process.env.HOSTILE_RUNS ?? 60);
/** Per property: vitest's 30 s are enough for npm test's runs, not for the benchmark's 2,500 (a WhatsApp input that gets no answer is waited for). */
const PER_PROPERTY_MS = Math.max(30_000, RUNS * 250);

const hostileText = fc.oneof(
  fc.constant(""),
  fc.constant('{"$gt":""}'),
  fc.constant("$where: function() { return true }"),
  fc.constant("x".repeat(20_000)),
  fc.constant("{{privacy.url}} $t(errors.internal) <script>alert(1)</script>"),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 120 }),
  fc.constantFrom(
    "1",
    "2",
    "sí",
    "no",
    "omitir",
    "menu",
    "cancelar",
    "mis datos",
    "privacidad",
    "baja",
    "hablar",
    "Metepec",
    "MET-2026-000001",
    "/start c-15054-1",
  ),
);
/** Any JSON, with operators and prototypes among the keys. */
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    hostileText,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("$gt", "$where", "__proto__", "constructor", "text", "chat", "from", "id")),
      tie("value"),
      {
        maxKeys: 5,
      },
    ),
  ),
})).value;

let fake: FakeBotApi;
let network: FakeWhatsApp;
let bot: RunningBot;
let webhook: { path: string; secret: string };

beforeAll(async () => {
  fake = await FakeBotApi.start();
  network = new FakeWhatsApp();
  network.linked = true;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/telegram/webhook`;
  bot = await runBot(
    telegramEnv(fake, {
      PORT: String(port),
      TELEGRAM_WEBHOOK_URL: url,
      DIGEST_HOUR: "off",
      ...(await fakeWhatsAppEnv()),
      WEB_CHAT_SESSION_MAX_PER_MINUTE: "100000",
      WEB_CHAT_ADDRESS_MAX_PER_MINUTE: "100000",
      FLOOD_MAX_MESSAGES: "1000",
    }),
    { service: { whatsappClient: network.factory, printQr: () => {}, whatsappReconnectMs: 20 } },
  );
  webhook = { path: "/telegram/webhook", secret: fake.webhook?.secret ?? "" };
  await network.until(() => (bot.service.whatsapp?.state === "ready" ? true : undefined), 5000, "WhatsApp ready");
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
});

let updateId = 1;

describe(`hostile input through every channel adapter (${RUNS} each)`, () => {
  it(
    "Telegram: any update posted to the webhook is answered 200",
    async () => {
      const wellFormed = fc.record({ chat: fc.integer({ min: 1, max: 50 }), text: hostileText }).map(({ chat, text }) => ({
        message: {
          message_id: updateId,
          date: 1,
          chat: { id: 800_000 + chat, type: "private" },
          from: { id: 800_000 + chat, is_bot: false, first_name: "X" },
          text,
        },
      }));
      await fc.assert(
        fc.asyncProperty(fc.oneof(wellFormed, anyJson), async (body) => {
          const payload = body && typeof body === "object" && !Array.isArray(body) ? { update_id: updateId++, ...body } : body;
          const res = await bot.service.server.inject({
            method: "POST",
            url: webhook.path,
            headers: { "x-telegram-bot-api-secret-token": webhook.secret, "content-type": "application/json" },
            payload: JSON.stringify(payload),
          });
          expect([200, 400]).toContain(res.statusCode);
        }),
        { numRuns: RUNS },
      );
    },
    PER_PROPERTY_MS,
  );

  it(
    "web chat: any body is answered, never with a 5xx",
    async () => {
      const session = fc.constantFrom(randomUUID(), randomUUID(), "", "x".repeat(500));
      const wellFormed = fc.record({ session, text: hostileText }).map((b) => ({ ...b, id: randomUUID() }));
      await fc.assert(
        fc.asyncProperty(fc.oneof(wellFormed, anyJson), async (body) => {
          const res = await bot.service.server.inject({
            method: "POST",
            url: "/api/chat/messages",
            headers: { "content-type": "application/json" },
            payload: JSON.stringify(body),
          });
          expect(res.statusCode).toBeLessThan(500);
        }),
        { numRuns: RUNS },
      );
    },
    PER_PROPERTY_MS,
  );

  it(
    "WhatsApp: any message type and body is answered or ignored, never a crash",
    async () => {
      const types = fc.constantFrom(...Object.values(WAWebJS.MessageTypes));
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 30 }), types, hostileText, async (who, type, body) => {
          const citizen = network.citizen(`52172200000${String(who).padStart(2, "0")}`);
          network.deliver(network.message(citizen.chatId, { type, body }));
          // Text is answered; other types are answered or (statuses, groups) ignored: either way, handled before the next.
          await bot.service.app.conversations.idle();
        }),
        { numRuns: RUNS },
      );
      expect(bot.service.whatsapp?.state).toBe("ready");
    },
    PER_PROPERTY_MS,
  );

  it(
    "console: any line is answered",
    async () => {
      const app = bot.service.app;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 30 }), hostileText, async (who, line) => {
          const citizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user: `fuzz-${who}`, lang: "es-MX" });
          bot.clock.advance(2000);
          const answer = await citizen.receive(line);
          // A line with something readable in it is always answered (a blank one may be ignored).
          if (/[\p{L}\p{N}]/u.test(line)) expect(answer.length).toBeGreaterThan(0);
        }),
        { numRuns: RUNS },
      );
    },
    PER_PROPERTY_MS,
  );

  it("nothing is stored that should not be", async () => {
    const { store } = bot.service.app;
    // Every stored citizen consented (a record is written only then); no key is an operator.
    for (const channel of ["console", "web", "telegram", "whatsapp"]) {
      for (let i = 0; i < 60; i++) {
        const ids = [`${channel}:fuzz-${i}`, `${channel}:${800_000 + i}`, `${channel}:52172200000${String(i).padStart(2, "0")}@c.us`];
        for (const id of ids) {
          const citizen = await store.citizens.get(id);
          if (citizen) expect(citizen.consent, id).not.toBeNull();
        }
      }
    }
    const reports = await store.reports.list({}, 10_000);
    for (const r of reports) {
      expect(r.folio).toMatch(/^[A-Z]{3}-\d{4}-\d{6}$/);
      expect(r.description.length).toBeLessThanOrEqual(1000);
      expect(JSON.stringify(r)).not.toMatch(/"\$(gt|where)"\s*:/);
    }
    const events = JSON.stringify(await store.events.list({}, 10_000));
    expect(events).not.toMatch(/"\$(gt|where)"\s*:/);
  });
});

/**
 * Store writes fail for 30 s (by the bot's clock) while citizens talk to the bot on Telegram, over
 * the real channel against the fake Bot API: each citizen is told once that their message is kept,
 * nothing is answered during the window, every message is processed afterwards in the order it was
 * sent, and every report is filed exactly once. Reads keep working, as with a MongoDB primary that
 * stepped down; test/store-outage.test.ts covers the whole store away.
 */
import { afterEach, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { ManualClock } from "../src/util/clock.js";
import { FakeBotApi } from "./fakes/bot-api.js";
import { tempDir } from "./helpers/app.js";
import { faulty } from "./helpers/faulty-store.js";
import { finishTelegramReport } from "./helpers/secretariat.js";
import { type RunningBot, runBot, telegramEnv } from "./helpers/service.js";

const WINDOW_MS = 30_000;
const WAIT_NOTICE = "Estamos teniendo problemas técnicos";

let fake: FakeBotApi | undefined;
let bot: RunningBot | undefined;
afterEach(async () => {
  await bot?.stop();
  await fake?.close();
  bot = fake = undefined;
});

it("writes failing for 30 s: each citizen told once to wait, their messages answered afterwards in order, every report filed once", async () => {
  fake = await FakeBotApi.start();
  const dataDir = await tempDir();
  const store = faulty(await openEmbeddedStore(dataDir));
  const clock = new ManualClock();
  bot = await runBot(telegramEnv(fake), { dataDir, clock, service: { store, retryMs: 50 } });
  const citizens = Array.from({ length: 5 }, (_, i) => fake?.user(7100 + i)).filter((c) => c !== undefined);
  await Promise.all(
    citizens.map(async (c) => {
      await c.say("/reportar");
      await c.press("Sí");
      await c.expect("Comparte tu ubicación");
    }),
  );
  const before = new Map(citizens.map((c) => [c.chatId, c.messages.length]));

  const end = clock.now().getTime() + WINDOW_MS;
  store.writesDown = () => clock.now().getTime() < end;
  // They go on typing their answers, 10 s apart, while nothing is answered but the notice.
  for (const text of ["Metepec", "Alumbrado público", "La luminaria de la esquina lleva dos semanas apagada"]) {
    for (const c of citizens) await c.say(text);
    await fake.until(() => (citizens.every((c) => c.messages.some((m) => m.text.includes(WAIT_NOTICE))) ? true : undefined), 10_000, "the notices");
    clock.advance(10_000 - 1);
    await new Promise((r) => setTimeout(r, 300));
  }
  const during = (c: (typeof citizens)[number]) => c.messages.slice(before.get(c.chatId)).map((m) => m.text);
  for (const c of citizens) expect(during(c)).toEqual([expect.stringContaining(WAIT_NOTICE)]);
  expect(bot.service.app.conversations.waiting).toBe(15);

  clock.advance(10);
  expect(clock.now().getTime()).toBeGreaterThanOrEqual(end);
  await Promise.all(citizens.map((c) => c.expect("envíala ahora", 40_000)));
  for (const c of citizens) {
    const answers = during(c);
    expect(answers.filter((t) => t.includes(WAIT_NOTICE))).toHaveLength(1);
    expect(answers.filter((t) => /problema técnico/.test(t))).toEqual([]);
    // The three kept messages, answered in the order they were sent.
    const order = ["¿Qué tipo de problema es, en Metepec?", "Describe el problema", "envíala ahora"].map((p) => answers.findIndex((t) => t.includes(p)));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]))).toBe(true);
  }
  const { conversations } = bot.service.app;
  for (let i = 0; i < 100 && conversations.waiting > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(conversations.waiting).toBe(0);

  const folios = await Promise.all(citizens.map((c) => finishTelegramReport(c)));
  expect(new Set(folios).size).toBe(citizens.length);
  expect(await store.reports.count()).toBe(citizens.length);
  for (const c of citizens) expect(await store.reports.byCitizen(`telegram:${c.chatId}`, 10)).toHaveLength(1);
}, 60_000);

/**
 * `npm run bench:broadcast`: an announcement to 10,000 subscribers (BENCH_SUBSCRIBERS) through the
 * production Telegram adapter and the outbox, against the fake Bot API in another process enforcing
 * Telegram's limits: 30 messages a second overall, 1 a second per chat, 20 a minute per group. With
 * BENCH_SCALE=k both ends run k times faster (k×30 a second), so a quick run takes 1/k of the time.
 * Prints the total time against the limit (N / rate), the 429s the fake answered, chats that got it
 * more than once, and the bot process's CPU while sending (user + system over wall time, of one core).
 */
import { fork } from "node:child_process";
import { loadConfig } from "../src/config/settings.js";
import { startService } from "../src/service.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { seedSubscribers } from "../test/helpers/subscribers.js";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RATE = 30 * SCALE;

type Count = { sent: number; repeated: number; tooMany: number };
const fake = fork(new URL("./broadcast-fake.ts", import.meta.url), [String(SCALE)], { execArgv: ["--import", "tsx"] });
const ready = await new Promise<{ url: string; token: string }>((resolve) => fake.once("message", (m) => resolve(m as { url: string; token: string })));
const count = () =>
  new Promise<Count>((resolve) => {
    fake.once("message", (m) => resolve(m as Count));
    fake.send({ type: "count" });
  });

const config = loadConfig({
  DATA_DIR: await tempDir("ma-bench-broadcast-"),
  PORT: "0",
  HOST: "127.0.0.1",
  WEB_CHAT_ENABLED: "false",
  DIGEST_HOUR: "off",
  TELEGRAM_BOT_TOKEN: ready.token,
  TELEGRAM_API_ROOT: ready.url,
  TELEGRAM_THROTTLE: "true",
  TELEGRAM_MAX_PER_SECOND: String(RATE),
  TELEGRAM_CHAT_INTERVAL_MS: String(Math.round(1000 / SCALE)),
  TELEGRAM_GROUP_MAX_PER_MINUTE: String(20 * SCALE),
});
const service = await startService(config, { logger: createLogger("warn") });
await service.telegram?.start();
const app = service.app;
await seedSubscribers(app.store, { count: SUBSCRIBERS, first: 1_000_000, municipality: "15054", now: app.clock.now() });

console.log(`broadcast to ${SUBSCRIBERS} subscribers at ${RATE} messages/s (Telegram's limits × ${SCALE}), embedded store on disk`);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const scheduled = await app.secretariat.announcements.schedule(
  { municipality: "15054", text: "Sesión del Secretariado Técnico: jueves 17:00", audiences: ["subscribers"] },
  null,
);
if (!scheduled.ok) throw new Error(scheduled.problem);
let firstAt = 0;
for (;;) {
  const c = await count();
  if (c.sent > 0 && !firstAt) firstAt = performance.now();
  if (c.sent >= SUBSCRIBERS) break;
  await new Promise((r) => setTimeout(r, 200));
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const final = await count();
const limit = (SUBSCRIBERS / RATE) * 1000;
const sending = performance.now() - firstAt;
console.log(
  `  total ${(wall / 1000).toFixed(1)} s (rows written and first message after ${((firstAt - t0) / 1000).toFixed(1)} s); limit N/${RATE} = ${(limit / 1000).toFixed(1)} s: ${((wall / limit - 1) * 100).toFixed(1)} % over`,
);
console.log(`  sending alone ${(sending / 1000).toFixed(1)} s: ${((sending / limit - 1) * 100).toFixed(1)} % over the limit`);
console.log(`  429s: ${final.tooMany}; chats that got it more than once: ${final.repeated}; messages: ${final.sent}`);
console.log(
  `  bot CPU: ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(1)} % of one core (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s)`,
);
await service.stop();
fake.send({ type: "stop" });

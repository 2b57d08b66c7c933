/**
 * `npm run bench:telegram`: 1,000 simulated users each complete the report conversation through
 * the production Telegram adapter in polling mode, against the fake Bot API running in another
 * process. Prints updates/s answered and p50/p99 from update to reply; asserts nothing.
 */
import { fork } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../src/config/settings.js";
import { startService } from "../src/service.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { summarize } from "./stats.js";
import type { RunRequest, RunResult } from "./telegram-users.js";

const USERS = Number(process.env.BENCH_USERS ?? 1000);

const driver = fork(new URL("./telegram-users.ts", import.meta.url), { execArgv: ["--import", "tsx", ...(process.env.BENCH_DRIVER_ARGS?.split(" ") ?? [])] });
const ready = await new Promise<{ url: string; token: string }>((resolve) => driver.once("message", (m) => resolve(m as { url: string; token: string })));

async function measure(label: string, request: Omit<RunRequest, "firstChatId">, firstChatId: number, inMemoryStore = false): Promise<void> {
  const config = loadConfig({
    DATA_DIR: await tempDir("ma-bench-tg-"),
    PORT: "0",
    HOST: "127.0.0.1",
    WEB_CHAT_ENABLED: "false",
    TELEGRAM_BOT_TOKEN: ready.token,
    TELEGRAM_API_ROOT: ready.url,
    // The fake has no rate limits; with Telegram's own (30 messages/s) the bot could not answer more.
    TELEGRAM_THROTTLE: "false",
  });
  const service = await startService(config, { logger: createLogger("silent"), inMemoryStore });
  await service.telegram?.start();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const result = await new Promise<RunResult>((resolve) => {
    driver.on("message", function onResult(m: { type: string; result?: RunResult }) {
      if (m.type !== "result" || !m.result) return;
      driver.off("message", onResult);
      resolve(m.result);
    });
    driver.send({ type: "run", request: { ...request, firstChatId } });
  });
  loop.disable();
  summarize(label, result.latencies, result.wallMs);
  console.log(`  bot's event loop delay: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
  console.log(`  reports saved: ${await service.app.store.reports.count()}, folios received: ${result.folios}`);
  await service.stop();
}

console.log(`Telegram adapter, polling, ${USERS} users × 9 updates (report with buttons, location and photo)`);
// `BENCH_BURST_ONLY=1` runs only the first measure (for profiling).
await measure(`${USERS} at once, no pause (store on disk)`, { users: USERS, thinkMs: 0 }, 10_000);
if (!process.env.BENCH_BURST_ONLY) {
  await measure(`${USERS} at once, no pause (store in memory)`, { users: USERS, thinkMs: 0 }, 20_000, true);
  await measure(`${USERS}, 4 s between messages (on disk)`, { users: USERS, thinkMs: 4000 }, 30_000);
  await measure(`${USERS}, 2 s between messages (on disk)`, { users: USERS, thinkMs: 2000 }, 40_000);
}
driver.send({ type: "stop" });

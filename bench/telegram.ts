/**
 * `npm run bench:telegram`: simulated users each complete the report conversation through the
 * production Telegram adapter — long polling, and the webhook on the bot's own HTTP server —
 * against the fake Bot API running in another process. Prints updates/s answered, p50/p99 from
 * update to reply, the offered rate where it is paced, and the CPU each process spent per update;
 * asserts nothing.
 *
 * `BENCH_BURST_ONLY=1` runs only the first measure (for profiling); `BENCH_ONLY=burst|memory|paced`
 * only those measures; `BENCH_MODE=webhook` (or `polling`) only that mode; `BENCH_USERS`,
 * `BENCH_RATE` change the users and the offered rate. Each measure is warmed up first by
 * `BENCH_WARM_UP` other users (200; unmeasured, on a bot of its own, thrown away), as `npm run bench`
 * warms up every framework: the first measure paid the compiler's first work alone.
 */
import { fork } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../src/config/settings.js";
import { type Service, startService } from "../src/service.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { freePort } from "../test/helpers/ports.js";
import { summarize } from "./stats.js";
import type { RunRequest, RunResult } from "./telegram-users.js";

const USERS = Number(process.env.BENCH_USERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 200);
if (!Number.isInteger(WARM_UP) || WARM_UP < 0) throw new Error(`BENCH_WARM_UP must be a whole number of users, not «${process.env.BENCH_WARM_UP}»`);
type Mode = "polling" | "webhook";
const MODES: Mode[] = process.env.BENCH_MODE === "webhook" ? ["webhook"] : process.env.BENCH_MODE === "polling" ? ["polling"] : ["polling", "webhook"];

const driver = fork(new URL("./telegram-users.ts", import.meta.url), { execArgv: ["--import", "tsx", ...(process.env.BENCH_DRIVER_ARGS?.split(" ") ?? [])] });
const ready = await new Promise<{ url: string; token: string }>((resolve) => driver.once("message", (m) => resolve(m as { url: string; token: string })));

let nextChatId = 10_000;

async function measure(label: string, mode: Mode, request: Omit<RunRequest, "firstChatId">, inMemoryStore = false): Promise<void> {
  if (WARM_UP > 0) {
    // On a bot of its own, thrown away: its reports would change what the measured users are asked.
    const warm = await startBot(mode, inMemoryStore);
    await run(`${label}, warm-up`, mode, { users: WARM_UP, firstChatId: nextChatId });
    nextChatId += WARM_UP;
    await warm.stop();
  }
  const service = await startBot(mode, inMemoryStore);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu = process.cpuUsage();
  const firstChatId = nextChatId;
  nextChatId += request.users;
  const result = await run(label, mode, { ...request, firstChatId });
  const used = process.cpuUsage(cpu);
  loop.disable();
  summarize(`${label} (${mode}${inMemoryStore ? ", in memory" : ", on disk"})`, result.latencies, result.wallMs);
  if (request.rate) console.log(`  offered: ${result.offeredPerSecond.toFixed(0)} updates/s (paced at ${request.rate}/s)`);
  const perUpdate = (ms: number) => `${((ms * 1000) / result.updates).toFixed(0)} µs`;
  console.log(
    `  CPU per update: bot ${perUpdate((used.user + used.system) / 1000)}, fake Telegram ${perUpdate(result.cpuMs)}; bot's event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
  );
  console.log(`  reports saved: ${await service.app.store.reports.count()}, folios received: ${result.folios}`);
  await service.stop();
}

/** The bot as production starts it, on a new data folder (or in memory), taking updates in `mode`. */
async function startBot(mode: Mode, inMemoryStore: boolean): Promise<Service> {
  const port = mode === "webhook" ? await freePort() : 0;
  const config = loadConfig({
    DATA_DIR: await tempDir("ma-bench-tg-"),
    PORT: String(port),
    HOST: "127.0.0.1",
    WEB_CHAT_ENABLED: "false",
    TELEGRAM_BOT_TOKEN: ready.token,
    TELEGRAM_API_ROOT: ready.url,
    ...(mode === "webhook" ? { TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook` } : {}),
    // The fake has no rate limits; with Telegram's own (30 messages/s) the bot could not answer more.
    TELEGRAM_THROTTLE: "false",
  });
  const service = await startService(config, { logger: createLogger("silent"), inMemoryStore });
  await service.telegram?.start();
  return service;
}

/** One run of the simulated users, told by their process. */
function run(label: string, mode: Mode, request: RunRequest): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the simulated users' process ended (exit code ${code})`));
    driver.on("message", function onResult(m: { type: string; result?: RunResult; message?: string }) {
      if (m.type === "error") {
        driver.off("message", onResult);
        driver.off("exit", onExit);
        reject(new Error(`${label} (${mode}): the simulated users stopped: ${m.message}`));
      }
      if (m.type !== "result" || !m.result) return;
      driver.off("message", onResult);
      driver.off("exit", onExit);
      resolve(m.result);
    });
    driver.once("exit", onExit);
    driver.send({ type: "run", request });
  });
}

const ONLY = process.env.BENCH_BURST_ONLY ? ["first"] : (process.env.BENCH_ONLY?.split(",") ?? ["burst", "memory", "paced"]);
console.log(`Telegram adapter, ${USERS} users × 9 updates (report with buttons, location and photo)`);
if (ONLY.includes("first")) await measure(`${USERS} at once, no pause`, MODES[0], { users: USERS });
if (ONLY.includes("burst")) for (const mode of MODES) await measure(`${USERS} at once, no pause`, mode, { users: USERS });
if (ONLY.includes("memory") && MODES.includes("polling")) await measure(`${USERS} at once, no pause`, "polling", { users: USERS }, true);
if (ONLY.includes("paced")) for (const mode of MODES) await measure(`${USERS}, ${RATE} updates/s offered`, mode, { users: USERS, rate: RATE });
driver.send({ type: "stop" });

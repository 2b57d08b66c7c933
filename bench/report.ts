/**
 * `npm run bench`: the report conversation for 1,000 concurrent simulated citizens (texts.ts) on the
 * embedded store, on disk and in memory, side by side with the same conversation written with
 * grammY + @grammyjs/conversations and with BuilderBot (frameworks.ts), the same texts in the same
 * run, each warmed up first by WARM_UP other citizens (unmeasured); the memory 10,000 conversations in progress take (memory.ts); start-up with 100,000 reports
 * stored (startup.ts); and point → municipality lookups. Prints figures; asserts nothing.
 * `BENCH_ONLY=disk|memory|grammy|builderbot` runs one part, `BENCH_PROFILE=dir` profiles the waves,
 * `BENCH_WARM_UP=0` measures from a cold start.
 */

import { fork } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type App, createApp } from "../src/app.js";
import { loadDeployment } from "../src/config/deployment.js";
import { loadConfig } from "../src/config/settings.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { benchBuilderBot, benchGrammyConversations, type Figures } from "./frameworks.js";
import { pick } from "./random.js";
import { summarize, wave } from "./stats.js";
import { citizenScript, unambiguous } from "./texts.js";

const USERS = Number(process.env.BENCH_USERS ?? 1000);

const municipalities = Municipalities.load("data", loadDeployment("config/deployment.yaml"));
/** Each citizen's own messages (texts.ts), the same for every framework. */
const names = unambiguous(municipalities).map((m) => m.name);
const SCRIPTS = Array.from({ length: USERS }, () => citizenScript(pick(names)));
/**
 * Each framework first runs this many other citizens, unmeasured: what is measured is a process that has
 * run for a while (as a bot in production has), not the compiler's first work on each one's code.
 */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 300);
const WARM_UP_SCRIPTS = Array.from({ length: WARM_UP }, () => citizenScript(pick(names)));
/** Latency alone: Metepec, where potholes are open by then, so the citizen is first offered to follow one: it is another problem. */
const aloneScript = () => {
  const script = citizenScript("Metepec");
  return [...script.slice(0, 5), "Es otro problema", ...script.slice(5)];
};

/** Sends every citizen's messages, a wave per step; returns the folios sent. */
async function runWaves(app: App, scripts: string[][], latencies: number[]): Promise<number> {
  let folios = 0;
  for (let i = 0; i < scripts[0].length; i++) {
    await wave(
      scripts.length,
      (u) =>
        app.conversations.handle(
          { channel: "web", chatId: `u${u}`, messageId: `u${u}-${i}`, content: { type: "text", text: scripts[u][i] } },
          async (_c, m) => {
            if (/folio [A-Z]{3}-/.test(m.text)) folios++;
          },
        ),
      latencies,
    );
  }
  return folios;
}

async function benchEngine(inMemoryStore: boolean): Promise<Figures> {
  // Warmed up, as the other frameworks are (frameworks.ts): WARM_UP citizens on a store of the same kind, thrown away.
  const warm = await createApp(loadConfig({ DATA_DIR: await tempDir("ma-bench-") }), { logger: createLogger("silent"), inMemoryStore });
  await runWaves(warm, WARM_UP_SCRIPTS, []);
  await warm.close();
  const config = loadConfig({ DATA_DIR: await tempDir("ma-bench-") });
  const app = await createApp(config, { logger: createLogger("silent"), inMemoryStore });
  const latencies: number[] = [];
  const profile = await profileIfAsked();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const folios = await runWaves(app, SCRIPTS, latencies);
  await profile.stop(inMemoryStore ? "memory" : "disk");
  const label = inMemoryStore ? "municipio abierto (embedded store in memory)" : "municipio abierto (embedded store on disk)";
  const result = summarize(label, latencies, performance.now() - t0, cpu);
  console.log(`  reports saved: ${await app.store.reports.count()}, folios sent: ${folios}`);
  // The same conversation once more for 200 new citizens, one message at a time: latency without queueing.
  const alone: number[] = [];
  let aloneFolios = 0;
  const aloneCpu = process.cpuUsage();
  for (let u = 0; u < 200; u++) {
    for (const [i, text] of aloneScript().entries()) {
      const t = performance.now();
      await app.conversations.handle({ channel: "web", chatId: `s${u}`, messageId: `s${u}-${i}`, content: { type: "text", text } }, async (_c, m) => {
        if (/folio [A-Z]{3}-/.test(m.text)) aloneFolios++;
      });
      alone.push(performance.now() - t);
    }
  }
  summarize(
    `  same, one message at a time (${aloneFolios} folios)`,
    alone,
    alone.reduce((a, b) => a + b, 0),
    aloneCpu,
  );
  await app.close();
  return result;
}

/** `BENCH_PROFILE=dir`: a CPU profile of the waves alone (start-up left out), written to dir/<part>.cpuprofile. */
async function profileIfAsked(): Promise<{ stop(part: string): Promise<void> }> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  return {
    async stop(part) {
      const { profile } = (await post("Profiler.stop")) as { profile: unknown };
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${part}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function benchLookups(): void {
  const m = municipalities;
  const points = Array.from({ length: 200_000 }, () => [18.35 + Math.random() * 1.95, -100.62 + Math.random() * 2.05] as const);
  let inside = 0;
  const t0 = performance.now();
  for (const [lat, lon] of points) if (m.atPoint(lat, lon)) inside++;
  const ms = performance.now() - t0;
  console.log(
    `point → municipality lookups: ${points.length} in ${ms.toFixed(0)} ms = ${((ms * 1000) / points.length).toFixed(2)} µs each, ${((points.length / ms) * 1000).toFixed(0)} lookups/s (${inside} inside the state)`,
  );
}

console.log(
  `report conversation: ${USERS} concurrent citizens × ${SCRIPTS[0].length} messages, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
const only = process.env.BENCH_ONLY;
if (only) {
  if (only === "disk") await benchEngine(false);
  if (only === "memory") await benchEngine(true);
  if (only === "grammy") await benchGrammyConversations(municipalities, SCRIPTS, WARM_UP_SCRIPTS);
  if (only === "builderbot") await benchBuilderBot(municipalities, SCRIPTS, WARM_UP_SCRIPTS);
  process.exit(0);
}
const onDisk = await benchEngine(false);
const inMemory = await benchEngine(true);
const grammy = await benchGrammyConversations(municipalities, SCRIPTS, WARM_UP_SCRIPTS);
const builderbot = await benchBuilderBot(municipalities, SCRIPTS, WARM_UP_SCRIPTS);
const ratio = (theirs: Figures) =>
  `${(onDisk.perSecond / theirs.perSecond).toFixed(2)}× on disk, ${(inMemory.perSecond / theirs.perSecond).toFixed(2)}× in memory` +
  ` (by CPU per message ${((theirs.cpuUs ?? 0) / (onDisk.cpuUs ?? 1)).toFixed(2)}× and ${((theirs.cpuUs ?? 0) / (inMemory.cpuUs ?? 1)).toFixed(2)}×)`;
console.log(`ratio of messages/s: to grammY conversations ${ratio(grammy)}; to BuilderBot ${ratio(builderbot)}`);
console.log(
  `load average after the run: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
// Memory, and start-up with 100,000 reports, in processes of their own, so that nothing of the runs above is counted.
for (const part of ["./memory.ts", "./startup.ts"]) {
  await new Promise<void>((resolve) =>
    fork(fileURLToPath(new URL(part, import.meta.url)), { execArgv: ["--import", "tsx", "--expose-gc"] }).on("exit", () => resolve()),
  );
}
benchLookups();

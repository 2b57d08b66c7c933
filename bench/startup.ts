/**
 * `npm run bench:startup` (and the end of `npm run bench`): start-up of the real service on a data
 * folder holding REPORTS reports (and their audit events), and on an empty one. The reports are written through the store's
 * port (not through conversations: a few seconds); then the service starts in a process of its own
 * (`startService`, as `npm start` does, no channel but the web) and the time from starting that
 * process to `/readyz` answering 200 is printed, with its memory once it has been quiet (V8 gives back what start-up took), and how long
 * opening the reports and the audit trail alone takes in a fresh process (what of start-up grows with them). Then the same over two years of
 * reports: the retention job's first pass (a backlog of closed reports to de-identify), how long it took
 * and the longest the event loop waited meanwhile. Prints figures; asserts nothing. `BENCH_ONLY=retention`
 * runs the last part alone, `BENCH_ONLY=startup` the others; `BENCH_CHILD_ARGS` gives the service's process more Node flags (`--cpu-prof`); `BENCH_KEEP=1` keeps the
 * data folder of 100,000 reports and prints where.
 */
import { execFileSync, fork, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadDeployment } from "../src/config/deployment.js";
import { loadConfig } from "../src/config/settings.js";
import { type RecordedEvent, recordEvent } from "../src/domain/model/events.js";
import type { Report } from "../src/domain/model/report.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { startService } from "../src/service.js";
import { EmbeddedEvents } from "../src/store/embedded/events.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { EmbeddedReports } from "../src/store/embedded/reports.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { rssOf } from "../test/helpers/process.js";
import { type IdleMemory, memoryOnceIdle, quietFor } from "./idle-memory.js";
import { pick, random } from "./random.js";

const REPORTS = Number(process.env.BENCH_REPORTS ?? 100_000);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

interface Ready {
  port: number;
}
interface Memory {
  memory: NodeJS.MemoryUsage;
  sizes?: Record<string, number>;
  idle: IdleMemory;
}
interface Retention {
  retention: { ms: number; purged: number; maxDelayMs: number };
}

/** The child: the service on DATA_DIR, listening on PORT; answers "memory" and "stop". */
async function serve(): Promise<void> {
  const config = loadConfig({ DATA_DIR: process.env.DATA_DIR, PORT: process.env.PORT, HOST: "127.0.0.1" });
  const service = await startService(config, { logger: createLogger("silent") });
  process.on("message", async (m: string) => {
    if (m === "memory") {
      // As a running bot between bursts: quiet until V8 has given back what start-up took.
      const idle = await memoryOnceIdle();
      (globalThis as { gc?: () => void }).gc?.();
      const { store } = service.app;
      const sizes = (store as unknown as { sizes?: () => Record<string, number> }).sizes?.();
      process.send?.({ memory: process.memoryUsage(), sizes, idle } satisfies Memory);
    }
    if (m === "retention") {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const t0 = performance.now();
      const purged = await service.app.retention.run();
      const ms = performance.now() - t0;
      loop.disable();
      process.send?.({ retention: { ms, purged, maxDelayMs: loop.max / 1e6 } } satisfies Retention);
    }
    if (m === "stop") {
      await service.stop();
      process.exit(0);
    }
  });
  process.send?.({ port: config.PORT } satisfies Ready);
}

/**
 * The child `read <dir>`: how long the two large files take to open alone, in a fresh process — the
 * reports (their keys kept in memory, every line of reports.db read) and the audit trail (its entries'
 * keys, every line of events.db read) — with nothing else of the bot; prints one JSON line.
 */
async function readOnly(dir: string): Promise<void> {
  let t0 = performance.now();
  await EmbeddedReports.open(dir);
  const reports = performance.now() - t0;
  t0 = performance.now();
  await EmbeddedEvents.open(dir);
  console.log(JSON.stringify({ reports, events: performance.now() - t0 }));
}

/** Seconds to open the reports and the audit trail alone, in a process of its own (`readOnly`). */
function readingAlone(dir: string): { reports: number; events: number } {
  const out = execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "read", dir], { encoding: "utf8" });
  const ms = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { reports: number; events: number };
  return { reports: ms.reports / 1000, events: ms.events / 1000 };
}

const STATUSES = ["recibido", "en_revision", "canalizado", "en_atencion", "resuelto", "no_procede", "duplicado"];
const CATEGORIES = ["alumbrado", "baches", "agua", "drenaje", "basura", "seguridad", "parques", "transparencia", "otro"];
const WORDS = "bache luminaria fuga agua basura drenaje calle esquina frente escuela mercado parque colonia avenida noche semanas vecinos".split(" ");

/**
 * `count` reports as citizens leave them, with their audit trail (filed; moved by a member): spread over
 * the municipalities, categories, statuses and the last 300 days (none is due for the retention job, which would de-identify the older closed ones
 * right after start-up: a one-time job, not start-up).
 */
async function fill(dataDir: string, count: number, days = 300): Promise<number> {
  const deployment = loadDeployment("config/deployment.yaml");
  const municipalities = Municipalities.load("data", deployment).list;
  const store = await openEmbeddedStore(dataDir);
  const t0 = performance.now();
  const start = Date.now() - days * 86_400_000;
  for (let from = 0; from < count; from += 500) {
    const batch: Promise<void>[] = [];
    for (let i = from; i < Math.min(count, from + 500); i++) {
      const m = pick(municipalities);
      const createdAt = new Date(start + Math.floor(random() * (days - 1) * 86_400_000));
      const status = pick(STATUSES);
      const history: Report["history"] = [{ status: "recibido", at: createdAt, by: "system", note: null, kind: "status", area: null, version: 1 }];
      if (status !== "recibido")
        history.push({
          status,
          at: new Date(createdAt.getTime() + 86_400_000),
          by: "member-1",
          note: "Atendido por la dirección de obras",
          kind: "status",
          area: null,
          version: 2,
        });
      // Its audit trail, as the domain records it: filed, and moved by a member.
      const folio = `${m.folioPrefix}-${createdAt.getUTCFullYear()}-${String(i).padStart(6, "0")}`;
      const category = pick(CATEGORIES);
      const channel = pick(["telegram", "whatsapp", "web"] as const);
      const events: RecordedEvent[] = [
        recordEvent(
          { type: "report_created", report: `r${i}`, folio, municipality: m.cvegeo, category, channel, anonymous: false },
          `created:r${i}`,
          createdAt,
          "citizen",
        ),
      ];
      if (status !== "recibido") {
        const moved = {
          type: "status_changed",
          report: `r${i}`,
          municipality: m.cvegeo,
          from: "recibido",
          to: status,
          area: null,
          duplicateOf: null,
          reason: true,
        } as const;
        events.push(recordEvent(moved, `moved:r${i}`, history[1].at, "member-1"));
      }
      batch.push(store.events.append(events));
      const words = Array.from({ length: 12 + Math.floor(random() * 20) }, () => pick(WORDS)).join(" ");
      const located = random() < 0.5;
      batch.push(
        store.reports.insert({
          id: `r${i}`,
          folio,
          municipality: m.cvegeo,
          category,
          description: words,
          location: located ? { latitude: 18.4 + random() * 1.9, longitude: -100.6 + random() * 2 } : null,
          address: located ? null : `Calle ${pick(WORDS)} ${Math.floor(random() * 900)}`,
          photos: [],
          channel,
          citizenId: `telegram:${Math.floor(random() * 60_000)}`,
          anonymous: false,
          contactable: true,
          language: "es-MX",
          status,
          history,
          area: null,
          duplicateOf: null,
          notes: [],
          followers: Math.floor(random() * 3),
          version: history.length,
          dispatched: history.length,
          dispatchPending: false,
          createdAt,
          updatedAt: history[history.length - 1].at,
        }),
      );
    }
    await Promise.all(batch);
  }
  await store.close();
  return performance.now() - t0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

/** Milliseconds from `t0` until `/readyz` on `port` answers 200 (rejects if `exited` does first). */
async function untilReady(port: number, t0: number, exited: Promise<never>): Promise<number> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return performance.now() - t0;
    await Promise.race([new Promise((r) => setTimeout(r, 10)), exited]);
  }
}

const BUILT = "dist/main.js";

/** Whether a file of src/ changed after `file` was built (a stale build may not even read today's flows). */
function olderThanSources(file: string): boolean {
  const built = statSync(file).mtimeMs;
  return readdirSync("src", { recursive: true, withFileTypes: true }).some((e) => e.isFile() && statSync(join(e.parentPath, e.name)).mtimeMs > built);
}

/** The Node options the Docker image runs the bot with (its `ENV NODE_OPTIONS=…`), and any the bench was given. */
const IMAGE_NODE_OPTIONS = [/NODE_OPTIONS=(\S+)/.exec(readFileSync("Dockerfile", "utf8"))?.[1], process.env.NODE_OPTIONS].filter(Boolean).join(" ");

/**
 * The production build (`npm run build`, then `node dist/main.js` as the Docker image runs it, with its Node options) on
 * `dataDir`: milliseconds to `/readyz` 200, its RSS then and (`quiet`) once it has been quiet; stopped with SIGTERM.
 */
async function startBuilt(dataDir: string, quiet: boolean): Promise<{ ms: number; rss: number; trailMs: number; idle?: IdleMemory }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [BUILT], {
    env: {
      ...process.env,
      NODE_OPTIONS: IMAGE_NODE_OPTIONS,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  // The audit trail is read once the bot listens: when its log line comes.
  const trailRead = new Promise<number>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.includes('"audit trail read"')) resolve(performance.now() - t0);
    });
  });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the service stopped (exit code ${code})`))));
  const ms = await untilReady(port, t0, exited);
  const rss = rssOf(child.pid);
  const trailMs = await Promise.race([trailRead, exited]);
  const idle = quiet ? await memoryOnceIdle(child.pid) : undefined;
  child.kill("SIGTERM");
  await exited.catch(() => undefined);
  return { ms, rss, trailMs, idle };
}

/**
 * Starts the service on `dataDir` in a process of its own: milliseconds to `/readyz` 200, then what
 * `measure` asks: its memory once it has been quiet, the retention job's first pass (before the
 * service's own, a minute after start), or nothing (a warm-up).
 */
async function startUp(dataDir: string, measure: "memory" | "retention" | "nothing"): Promise<{ ms: number } & Partial<Memory & Retention>> {
  const port = await freePort();
  const t0 = performance.now();
  const child = fork(fileURLToPath(import.meta.url), ["serve"], {
    execArgv: ["--import", "tsx", "--expose-gc", ...(process.env.BENCH_CHILD_ARGS?.split(" ") ?? [])],
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port) },
  });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the service stopped (exit code ${code})`))));
  const ms = await untilReady(port, t0, exited);
  const memory =
    measure === "memory"
      ? await new Promise<Memory>((resolve) => {
          child.on("message", (m: Ready | Memory) => {
            if ("memory" in m) resolve(m);
          });
          child.send("memory");
        })
      : undefined;
  const pass =
    measure === "retention"
      ? await new Promise<Retention>((resolve) => {
          child.on("message", (m: Ready | Memory | Retention) => {
            if ("retention" in m) resolve(m);
          });
          child.send("retention");
        })
      : undefined;
  child.send("stop");
  await new Promise((resolve) => child.once("exit", resolve));
  return { ms, ...memory, ...pass };
}

async function main(): Promise<void> {
  console.log(
    `start-up to /readyz (a process of its own, tsx included), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  // Once without measuring: tsx's cache of compiled files and the disk's cache are then warm for both.
  const warmUp = await tempDir("ma-bench-start-");
  await startUp(warmUp, "nothing");
  const built = existsSync(BUILT) && !olderThanSources(BUILT);
  if (built) await startBuilt(warmUp, false);
  else if (existsSync(BUILT)) console.log(`  (${BUILT} is older than src/: run \`npm run build\` again to measure the production build too)`);
  else console.log(`  (no ${BUILT}: run \`npm run build\` first to measure the production build too)`);
  await rm(warmUp, { recursive: true, force: true });
  for (const count of process.env.BENCH_ONLY === "retention" ? [] : [0, REPORTS]) {
    const dataDir = await tempDir("ma-bench-start-");
    const fillMs = count ? await fill(dataDir, count) : 0;
    const { ms, memory, sizes, idle } = await startUp(dataDir, "memory");
    const production = built ? await startBuilt(dataDir, true) : undefined;
    const reading = count ? readingAlone(dataDir) : undefined;
    const fileMb = (name: string) => mb(statSync(`${dataDir}/${name}.db`).size);
    const read =
      reading &&
      `    opening the two large files alone (a process of its own, nothing else of the bot): the reports, reports.db (${fileMb("reports")}), ${reading.reports.toFixed(2)} s; the audit trail, events.db (${fileMb("events")}), ${reading.events.toFixed(2)} s`;
    // 100,000 reports are 100 MB on disk: not left behind (unless BENCH_KEEP asks to look at them).
    if (count && process.env.BENCH_KEEP) console.log(`    kept in ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
    console.log(
      `  ${count} reports${count ? ` (written in ${(fillMs / 1000).toFixed(1)} s)` : ""}: ready in ${(ms / 1000).toFixed(2)} s${memory && idle ? `, ${mb(memory.rss)} RSS once quiet ${quietFor(idle)} (heap ${mb(memory.heapUsed)} used of ${mb(memory.heapTotal)}, external ${mb(memory.external)})` : ""}`,
    );
    if (production)
      console.log(
        `    production build (node ${BUILT}): ready in ${(production.ms / 1000).toFixed(2)} s (the audit trail read, after, at ${(production.trailMs / 1000).toFixed(2)} s), ${mb(production.rss)} RSS then${production.idle ? `, ${mb(production.idle.rss)} once quiet ${quietFor(production.idle)}` : ""}`,
      );
    if (read) console.log(read);
    if (count && sizes) {
      console.log(
        `    the store keeps in memory: ${Object.entries(sizes)
          .filter(([, v]) => v)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
      );
    }
  }
  if (process.env.BENCH_ONLY === "startup") return;
  // Over two years instead: the retention job's first pass (a minute after start) has a backlog to de-identify.
  const dataDir = await tempDir("ma-bench-start-");
  await fill(dataDir, REPORTS, 730);
  const { ms, retention } = await startUp(dataDir, "retention");
  await rm(dataDir, { recursive: true, force: true });
  if (retention)
    console.log(
      `  ${REPORTS} reports over two years: ready in ${(ms / 1000).toFixed(2)} s; the retention pass de-identified ${retention.purged} in ${(retention.ms / 1000).toFixed(1)} s, the event loop waited at most ${retention.maxDelayMs.toFixed(0)} ms`,
    );
}

if (process.argv[2] === "serve") await serve();
else if (process.argv[2] === "read") await readOnly(process.argv[3]);
else await main();

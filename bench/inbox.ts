/**
 * `npm run bench:inbox`: the secretariat panel's inbox over 100,000 reports in the embedded store
 * on disk, spread over the 125 municipalities by population: p50/p95 of the inbox query
 * (municipality + status + category, newest first, a page of 50, with its total), of a free-text
 * search (in a municipality, as a member sees it, and across the state, as an admin does), of the
 * counts per status, and of the whole inbox page rendered over HTTP with its session, counts and
 * filters; the process's RSS right after the queries and once it has been quiet (`idle-memory.ts`). Prints
 * figures; asserts nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/settings.js";
import { startService } from "../src/service.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { ManualClock } from "../src/util/clock.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { sampleReport } from "../test/helpers/reports.js";
import { memoryOnceIdle, quietFor } from "./idle-memory.js";
import { pick, random } from "./random.js";
import { percentile } from "./stats.js";

const REPORTS = Number(process.env.BENCH_REPORTS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const CATEGORIES = ["alumbrado", "baches", "agua", "drenaje", "basura", "seguridad", "parques", "transparencia", "otro"];
const STATUSES = ["recibido", "en_revision", "canalizado", "en_atencion", "resuelto", "no_procede", "duplicado"];
const CHANNELS = ["whatsapp", "telegram", "web"] as const;
const WORDS =
  "bache fuga luminaria basura coladera banqueta poste cable árbol perro ruido parque escuela mercado calle avenida esquina semáforo drenaje agua luz tiradero".split(
    " ",
  );
const DAY = 24 * 60 * 60 * 1000;

const municipalities = JSON.parse(readFileSync(join("data", "municipalities.json"), "utf8")) as { cvegeo: string; population: number; folioPrefix: string }[];
const people = municipalities.reduce((n, m) => n + m.population, 0);
/** A municipality drawn with the weight of its population. */
function municipality() {
  let x = random() * people;
  for (const m of municipalities) {
    x -= m.population;
    if (x <= 0) return m;
  }
  return municipalities[municipalities.length - 1];
}

const clock = new ManualClock();
const now = clock.now();
const dir = await tempDir("ma-bench-inbox-");
const store = await openEmbeddedStore(join(dir, "data"));
const t0 = performance.now();
for (let i = 0; i < REPORTS; i++) {
  const m = municipality();
  const at = new Date(now.getTime() - random() * 365 * DAY);
  const description = Array.from({ length: 8 + Math.floor(random() * 12) }, () => pick(WORDS)).join(" ");
  await store.reports.insert(
    sampleReport({
      folio: `${m.folioPrefix}-2026-${String(i + 1).padStart(6, "0")}`,
      municipality: m.cvegeo,
      category: pick(CATEGORIES),
      channel: pick(CHANNELS),
      description,
      location: null,
      status: pick(STATUSES),
      history: [{ status: "recibido", at, by: "system", note: null, kind: "status", area: null, version: 1 }],
      dispatched: 1,
      dispatchPending: false,
      createdAt: at,
      updatedAt: at,
    }),
  );
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
console.log(
  `${REPORTS} reports stored in ${((performance.now() - t0) / 1000).toFixed(1)} s (embedded store on disk), Node ${process.version}; RSS ${mb(process.memoryUsage().rss)}`,
);

async function measure(label: string, run: () => Promise<unknown>, note = ""): Promise<void> {
  for (let i = 0; i < 20; i++) await run();
  const latencies: number[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const t = performance.now();
    await run();
    latencies.push(performance.now() - t);
  }
  const sorted = latencies.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} p50 ${percentile(sorted, 50).toFixed(2).padStart(7)} ms  p95 ${percentile(sorted, 95).toFixed(2).padStart(7)} ms${note}`);
}

/** The most populous municipality: the busiest inbox. */
const busiest = [...municipalities].sort((a, b) => b.population - a.population)[0].cvegeo;
const page = { sort: "newest" as const, offset: 0, limit: 50 };
let found = 0;
await measure("inbox query (municipality + status + category, page of 50)", async () => {
  const r = await store.reports.inbox({ municipalities: [municipality().cvegeo], statuses: [pick(STATUSES)], category: pick(CATEGORIES) }, page);
  found += r.reports.length;
});
await measure("inbox query, busiest municipality, status only", () => store.reports.inbox({ municipalities: [busiest], statuses: [pick(STATUSES)] }, page));
await measure("counts per status of a municipality", () => store.reports.inboxCounts({ municipalities: [municipality().cvegeo] }));
await measure("free-text search in a municipality (one word)", () => store.reports.inbox({ municipalities: [municipality().cvegeo], text: pick(WORDS) }, page));
await measure("free-text search in a municipality (two words)", () =>
  store.reports.inbox({ municipalities: [municipality().cvegeo], text: `${pick(WORDS)} ${pick(WORDS)}` }, page),
);
const saved = QUERIES;
await measure(
  "free-text search across the state (an admin, one word)",
  () => store.reports.inbox({ text: pick(WORDS), category: pick(CATEGORIES) }, page),
  `  (${saved} queries)`,
);

// The whole page over HTTP: session check, filters, query, counts, template.
const config = loadConfig({ DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", WEB_CHAT_ENABLED: "false", LOG_LEVEL: "silent" });
const service = await startService(config, { store, clock, logger: createLogger("silent") });
const member = await service.app.secretariat.members.add({ name: "Bench", role: "admin", municipalities: ["all"], telegramId: "1000" });
const { password } = await service.app.secretariat.members.setPassword("1000");
const server = service.server;
const loginPage = await server.inject({ url: "/panel/login" });
const csrf = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)?.[1] ?? "";
const jar = (loginPage.cookies as { name: string; value: string }[]).map((c) => `${c.name}=${c.value}`);
const login = await server.inject({
  method: "POST",
  url: "/panel/login",
  headers: { cookie: jar.join("; "), "content-type": "application/x-www-form-urlencoded" },
  payload: new URLSearchParams({ telegramId: "1000", password, _csrf: csrf }).toString(),
});
const cookie = [...jar, ...(login.cookies as { name: string; value: string }[]).map((c) => `${c.name}=${c.value}`)].join("; ");
let bytes = 0;
await measure("inbox page rendered (HTTP, municipality + status + category)", async () => {
  const res = await server.inject({
    url: `/panel/?municipality=${municipality().cvegeo}&status=${pick(STATUSES)}&category=${pick(CATEGORIES)}`,
    headers: { cookie },
  });
  if (res.statusCode !== 200) throw new Error(`inbox answered ${res.statusCode}`);
  bytes = res.body.length;
});
await measure("inbox page rendered (HTTP, busiest municipality, all)", async () => {
  await server.inject({ url: `/panel/?municipality=${busiest}`, headers: { cookie } });
});
console.log(
  `${(found / (QUERIES + 20)).toFixed(1)} reports per inbox page on average; a page is ${(bytes / 1024).toFixed(0)} KB; member ${member.id.slice(0, 8)}`,
);
console.log(`RSS after the queries: ${mb(process.memoryUsage().rss)} (heap used ${mb(process.memoryUsage().heapUsed)})`);
// As a running bot is between its secretariat's bursts: what V8 gives back once the process has been quiet.
const idle = await memoryOnceIdle();
console.log(`RSS once quiet: ${mb(idle.rss)} ${quietFor(idle)} (heap used ${mb(process.memoryUsage().heapUsed)})`);
await service.stop();

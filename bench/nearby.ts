/**
 * `npm run bench:nearby`: the open reports offered before a new one is filed ("a mí también me
 * afecta"), over 10,000 reports in the embedded store on disk: near a point (150 m) and in a
 * municipality, each of the last 60 days' open reports of one category. Prints figures; asserts nothing.
 */
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { tempDir } from "../test/helpers/app.js";
import { sampleReport } from "../test/helpers/reports.js";
import { pick, random } from "./random.js";
import { percentile } from "./stats.js";

const REPORTS = Number(process.env.BENCH_REPORTS ?? 10_000);
const QUERIES = 2000;
const CATEGORIES = ["alumbrado", "baches", "agua", "drenaje", "basura", "seguridad", "parques", "transparencia", "otro"];
const STATUSES = ["recibido", "en_revision", "canalizado", "en_atencion", "resuelto", "no_procede", "duplicado"];
const OPEN = STATUSES.slice(0, 4);
/** Metepec, Toluca, Zinacantepec, Lerma, San Mateo Atenco: reports crowd where people live. */
const MUNICIPALITIES = ["15054", "15106", "15118", "15051", "15076"];
const DAY = 24 * 60 * 60 * 1000;

/** A point in a 20 × 20 km square around Toluca and Metepec. */
const point = () => ({ latitude: 19.2 + random() * 0.18, longitude: -99.7 + random() * 0.19 });

const now = new Date();
const dir = await tempDir("ma-bench-nearby-");
const store = await openEmbeddedStore(dir);
const t0 = performance.now();
for (let i = 0; i < REPORTS; i++) {
  const at = new Date(now.getTime() - random() * 180 * DAY);
  const report = sampleReport({
    folio: `MET-2026-${String(i + 1).padStart(6, "0")}`,
    municipality: pick(MUNICIPALITIES),
    category: pick(CATEGORIES),
    location: random() < 0.7 ? point() : null,
    status: pick(STATUSES),
    history: [{ status: "recibido", at, by: "system", note: null, kind: "status", area: null, version: 1 }],
    dispatched: 1,
    dispatchPending: false,
    createdAt: at,
    updatedAt: at,
  });
  await store.reports.insert(report);
}
console.log(`${REPORTS} reports stored in ${((performance.now() - t0) / 1000).toFixed(1)} s (embedded store on disk), Node ${process.version}`);

const since = new Date(now.getTime() - 60 * DAY);
for (const scope of ["point", "municipality"] as const) {
  const latencies: number[] = [];
  let found = 0;
  const start = performance.now();
  for (let q = 0; q < QUERIES; q++) {
    const where = scope === "point" ? { point: point(), meters: 150 } : { municipality: pick(MUNICIPALITIES) };
    const t = performance.now();
    found += (await store.reports.nearby({ category: pick(CATEGORIES), statuses: OPEN, since, where, limit: 3 })).length;
    latencies.push(performance.now() - t);
  }
  const ms = performance.now() - start;
  const sorted = latencies.sort((a, b) => a - b);
  console.log(
    `nearby ${scope === "point" ? "within 150 m of a point" : "in a municipality"}: ${QUERIES} queries, ${((QUERIES / ms) * 1000).toFixed(0)}/s, ` +
      `p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, ${(found / QUERIES).toFixed(2)} reports offered per query`,
  );
}
await store.close();

/**
 * `npx tsx bench/outbox.ts`: the embedded store's outbox alone, on disk: BENCH_ITEMS (10,000) rows of one
 * announcement added in chunks of 500, then claimed in rounds of BENCH_ROUND (60, a paced round at 30/s)
 * and each marked sent, as the outbox worker does. Prints the rows a second it can hand out and the
 * longest claim (the event loop is held that long, and a pacer's timer with it).
 */
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import type { NewOutboxItem } from "../src/store/ports.js";
import { tempDir } from "../test/helpers/app.js";

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const ROUND = Number(process.env.BENCH_ROUND ?? 60);

const store = await openEmbeddedStore(await tempDir("ma-bench-outbox-"));
const now = new Date();
const rows: NewOutboxItem[] = Array.from({ length: ITEMS }, (_, i) => ({
  id: `ann:A-1:telegram:${1_000_000 + i}`,
  channel: "telegram",
  chatId: String(1_000_000 + i),
  kind: "announcement",
  ref: "A-1",
  payload: { id: `p${i}`, lang: "es-MX", text: "Sesión del Secretariado Técnico: jueves 17:00" },
  createdAt: now,
  seq: i,
}));
let t0 = performance.now();
for (let i = 0; i < ITEMS; i += 500) await store.outbox.add(rows.slice(i, i + 500));
const added = performance.now() - t0;
const claims: number[] = [];
let sent = 0;
t0 = performance.now();
while (sent < ITEMS) {
  const t = performance.now();
  const claimed = await store.outbox.claim("telegram", "bench", now, 60_000, ROUND);
  claims.push(performance.now() - t);
  if (!claimed.length) throw new Error("nothing claimed while rows are unsent");
  for (const item of claimed) {
    await store.outbox.markSent(item.id, "bench", now, "tg");
    sent++;
  }
}
const handed = performance.now() - t0;
console.log(`embedded outbox on disk, ${ITEMS} rows, claims of ${ROUND}`);
console.log(`  added in ${(added / 1000).toFixed(2)} s (${Math.round(ITEMS / (added / 1000))} rows/s)`);
console.log(
  `  claimed and marked sent in ${(handed / 1000).toFixed(2)} s: ${Math.round(ITEMS / (handed / 1000))} messages/s; claim mean ${(claims.reduce((a, b) => a + b, 0) / claims.length).toFixed(1)} ms, longest ${Math.max(...claims).toFixed(1)} ms`,
);
await store.close();

/**
 * The understanding, measured: training time, then intent and entity accuracy on the held-out phrases
 * of each language (test/nlu/<lang>.yaml, never in the corpora), and the time one message takes.
 *   npm run bench:nlu            figures
 *   npm run bench:nlu -- --misses  and every phrase it got wrong
 */
import { join } from "node:path";
import { understandingFor } from "../src/app.js";
import { loadDeployment } from "../src/config/deployment.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { LANGUAGES } from "../src/locale/languages.js";
import { loadCorpus } from "../src/nlu/corpus.js";
import { evaluate, percent, readHeldOut } from "../src/nlu/evaluate.js";
import { percentile } from "./stats.js";

const showMisses = process.argv.includes("--misses");
const deployment = loadDeployment("config/deployment.yaml");
const corpus = loadCorpus("locales");
const { understander, ms } = await understandingFor("locales", Municipalities.load("data", deployment), deployment);
console.log(`training: ${Math.round(ms)} ms (${LANGUAGES.map((l) => `${l} ${Object.values(corpus.intents[l]).flat().length} phrases`).join(", ")})`);

for (const lang of LANGUAGES) {
  const items = readHeldOut(join("test", "nlu", `${lang}.yaml`));
  const score = await evaluate(understander, items, lang);
  console.log(
    `${lang}: intents ${percent(score.intents).toFixed(1)} % (${score.intents.right}/${score.intents.total}), entities ${percent(score.entities).toFixed(1)} % (${score.entities.right}/${score.entities.total})`,
  );
  if (showMisses) for (const m of score.misses) console.log(`  «${m.text}»: expected ${m.expected}, got ${m.got}`);
}

const samples = [
  "quiero reportar un bache en neza",
  "hay una fuga de agua enorme en la calle Hidalgo esquina con Morelos, colonia Centro, Toluca de Lerdo, desde hace tres días y nadie viene",
  "sí",
  "cómo va mi reporte TOL-2026-000001",
];
const times: number[] = [];
for (let i = 0; i < 200; i++) {
  for (const s of samples) {
    const t = performance.now();
    await understander.understand(s, "es-MX");
    times.push(performance.now() - t);
  }
}
times.sort((a, b) => a - b);
console.log(`one message: p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms (${times.length} messages of 1 to 30 words)`);

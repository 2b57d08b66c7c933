/**
 * The trained classifier kept between starts (src/nlu/model-cache.ts): read back, it understands
 * exactly as a fresh training does; a changed corpus is trained again; a damaged model is not used.
 */
import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { folioInText, parseFolio } from "../src/domain/folio.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { LANGUAGES } from "../src/locale/languages.js";
import { type Corpus, loadCorpus } from "../src/nlu/corpus.js";
import { readHeldOut } from "../src/nlu/evaluate.js";
import { type ModelCache, modelCacheIn } from "../src/nlu/model-cache.js";
import { Understander } from "../src/nlu/understander.js";
import { tempDir } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

const municipalities = Municipalities.load("data", deployment);
const base = {
  municipalities: Object.fromEntries(municipalities.list.map((m) => [m.cvegeo, municipalities.names(m.cvegeo)])),
  folio: { pattern: folioInText(deployment.folioDigits), read: (text: string) => parseFolio(text, deployment.folioDigits) },
};

/** A cache that says how many models it handed back. */
function counted(dir: string): ModelCache & { found: number } {
  const inner = modelCacheIn(dir);
  const cache = {
    found: 0,
    read: async (material: unknown) => {
      const model = await inner.read(material);
      if (model) cache.found++;
      return model;
    },
    write: inner.write,
  };
  return cache;
}

/** What `understander` makes of every held-out phrase, in every language. */
async function readings(understander: Understander): Promise<string[]> {
  const out: string[] = [];
  for (const lang of LANGUAGES) {
    for (const { text } of readHeldOut(join("test", "nlu", `${lang}.yaml`))) out.push(JSON.stringify(await understander.understand(text, lang)));
  }
  return out;
}

const models = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".json"));

describe("the trained classifier kept between starts", () => {
  it("is read back at the next start and understands every held-out phrase as a fresh training does", async () => {
    const corpus = loadCorpus("locales");
    const dir = await tempDir("ma-nlu-cache-");
    const fresh = await Understander.train({ ...base, corpus });
    const first = counted(dir);
    await Understander.train({ ...base, corpus, cache: first });
    expect(first.found).toBe(0);
    expect(models(dir)).toHaveLength(1);
    const next = counted(dir);
    const restored = await Understander.train({ ...base, corpus, cache: next });
    expect(next.found).toBe(1);
    expect(await readings(restored)).toEqual(await readings(fresh));
  });

  it("trains again when a phrase of the corpus changed, and keeps only the new model", async () => {
    const corpus = loadCorpus("locales");
    const dir = await tempDir("ma-nlu-cache-");
    await Understander.train({ ...base, corpus, cache: modelCacheIn(dir) });
    const [before] = models(dir);
    const changed: Corpus = structuredClone(corpus);
    changed.intents["es-MX"].report.push("se cayó un árbol sobre la banqueta");
    const cache = counted(dir);
    await Understander.train({ ...base, corpus: changed, cache });
    expect(cache.found).toBe(0);
    expect(models(dir)).toHaveLength(1);
    expect(models(dir)[0]).not.toBe(before);
  });

  it("removes what a write stopped half way left, once it is an hour old, and never a write under way", async () => {
    const dir = await tempDir("ma-nlu-cache-");
    const old = join(dir, "understanding-0123.json.4f1c.partial");
    const recent = join(dir, "understanding-4567.json.9a2b.partial");
    writeFileSync(old, "{");
    writeFileSync(recent, "{");
    // Times as this process's clock tells them (the files' own are the system's, which a test may shift).
    const ago = (ms: number) => new Date(Date.now() - ms);
    utimesSync(old, ago(2 * 3_600_000), ago(2 * 3_600_000));
    utimesSync(recent, ago(60_000), ago(60_000));
    await modelCacheIn(dir).write({ phrases: ["hola"] }, "{}");
    expect(readdirSync(dir).sort()).toEqual([basename(recent), ...models(dir)].sort());
    expect(models(dir)).toHaveLength(1);
  });

  it.each([
    ["cut in half", (whole: string) => whole.slice(0, whole.length / 2)],
    ["not a model", () => "{}"],
    ["a model missing a language", (whole: string) => JSON.stringify({ ...JSON.parse(whole), locales: ["es"] })],
    [
      "a model nlp.js fails half way through",
      (whole: string) => {
        const model = JSON.parse(whole);
        model.domainManagers.en.domains = { master_domain: null };
        return JSON.stringify(model);
      },
    ],
  ])("a damaged model (%s) is not used: the understanding is trained again, works, and is kept whole", async (_, damage) => {
    const corpus = loadCorpus("locales");
    const dir = await tempDir("ma-nlu-cache-");
    await Understander.train({ ...base, corpus, cache: modelCacheIn(dir) });
    const file = join(dir, models(dir)[0]);
    const whole = readFileSync(file, "utf8");
    writeFileSync(file, damage(whole));
    const understander = await Understander.train({ ...base, corpus, cache: modelCacheIn(dir) });
    for (const [text, intent] of [
      ["hay una fuga de agua en la calle", "report"],
      ["quiero saber cómo va mi reporte", "status"],
    ]) {
      expect((await understander.understand(text, "es-MX")).intents[0]?.name, text).toBe(intent);
    }
    expect(readFileSync(file, "utf8")).toBe(whole);
  });
});

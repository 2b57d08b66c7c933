/**
 * The trained classifier kept between starts: training it is most of what the understanding costs at
 * start-up (about 0.2 s on an idle machine, a second on a busy one); reading it back takes about 20 ms.
 * A model is found by a hash of everything it was learnt from — the phrases as learnt, the names of
 * the entities, nlp.js's versions — so a changed corpus, a changed way of learning it or another
 * nlp.js is trained again. It holds the corpora's phrases and names only, never a citizen's text.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

export interface ModelCache {
  /** The model learnt from `material`, or null. */
  read(material: unknown): Promise<string | null>;
  /** Keeps `model` as the one learnt from `material` (in place of any other); never fails. */
  write(material: unknown, model: string): Promise<void>;
}

const require = createRequire(import.meta.url);
const NLPJS = ["@nlpjs/nlp", "@nlpjs/nlu", "@nlpjs/neural", "@nlpjs/lang-es", "@nlpjs/lang-en"].map(
  (name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`,
);

const PREFIX = "understanding-";

/** The hash a model learnt from `material` is kept under. */
function keyOf(material: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify([NLPJS, material]))
    .digest("hex")
    .slice(0, 32);
}

/** Models kept in `dir` (created when first written). */
export function modelCacheIn(dir: string): ModelCache {
  const file = (material: unknown) => join(dir, `${PREFIX}${keyOf(material)}.json`);
  return {
    read: (material) => readFile(file(material), "utf8").catch(() => null),
    async write(material, model) {
      const to = file(material);
      const partial = `${to}.${process.pid}.partial`;
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(partial, model, { mode: 0o600 });
        await rename(partial, to);
        for (const name of await readdir(dir)) {
          if (name.startsWith(PREFIX) && name.endsWith(".json") && join(dir, name) !== to) await rm(join(dir, name), { force: true });
        }
      } catch {
        // A folder that cannot be written only means training again next time.
        await rm(partial, { force: true }).catch(() => undefined);
      }
    },
  };
}

/**
 * The trained classifier kept between starts: training it is most of what the understanding costs at
 * start-up (about 0.2 s on an idle machine, a second on a busy one); reading it back takes about 20 ms.
 * A model is found by a hash of everything it was learnt from — the phrases as learnt, the names of
 * the entities, nlp.js's settings and the versions of every nlp.js package loaded — so a changed
 * corpus, other settings or another nlp.js is trained again. It holds the corpora's phrases and names only, never a citizen's text.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

export interface ModelCache {
  /** The model learnt from `material`, or null. */
  read(material: unknown): Promise<string | null>;
  /** Keeps `model` as the one learnt from `material` (in place of any other); never fails. */
  write(material: unknown, model: string): Promise<void>;
}

/** Every nlp.js package the bot loads, with its version: from the three it imports, through their @nlpjs dependencies. */
function nlpjsVersions(): string[] {
  const found = new Map<string, string>();
  const visit = (name: string, from: string) => {
    if (found.has(name)) return;
    const file = createRequire(from).resolve(`${name}/package.json`);
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { version: string; dependencies?: Record<string, string> };
    found.set(name, pkg.version);
    for (const dependency of Object.keys(pkg.dependencies ?? {})) if (dependency.startsWith("@nlpjs/")) visit(dependency, file);
  };
  for (const name of ["@nlpjs/nlp", "@nlpjs/lang-es", "@nlpjs/lang-en"]) visit(name, import.meta.url);
  return [...found].map(([name, version]) => `${name}@${version}`).sort();
}
const NLPJS = nlpjsVersions();

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
      // Its own name: another process (another container on the same folder) may be writing the same model.
      const partial = `${to}.${randomUUID()}.partial`;
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(partial, model, { mode: 0o600 });
        await rename(partial, to);
        // Other models, and what a write stopped half way left (not one under way: an hour old).
        for (const name of await readdir(dir)) {
          const other = join(dir, name);
          if (!name.startsWith(PREFIX) || other === to) continue;
          if (name.endsWith(".json") || (name.endsWith(".partial") && (await stat(other)).mtimeMs < Date.now() - 3_600_000)) await rm(other, { force: true });
        }
      } catch {
        // A folder that cannot be written only means training again next time.
        await rm(partial, { force: true }).catch(() => undefined);
      }
    },
  };
}

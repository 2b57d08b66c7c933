/**
 * The layers point one way. Reads the imports of every file under src/ and fails, naming the file
 * and the import, when one points where its layer may not look:
 *   - the engine is pure: it imports only engine/, locale/ and util/ (and no Node built-in);
 *   - the domain never imports the conversation layer, channels, store adapters or HTTP;
 *   - a channel never imports the store;
 *   - the store's ports and adapters never import anything above the domain's nouns;
 *   - the secretariat's face imports the domain, the outbox, texts, utilities and the store's ports
 *     only, and no channel imports it (the composition root hands it to the Telegram channel);
 *   - the web panel imports the domain, the HTTP helpers, texts, utilities and the store's ports only,
 *     and only the composition root imports it;
 *   - no two folders under src/ import each other.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

interface Import {
  file: string;
  /** Path under src/ of the imported file, or the package / built-in name. */
  target: string;
  local: boolean;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const from = relative(SRC, file);
    if (spec.startsWith(".")) out.push({ file: from, target: relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, ".ts"))), local: true });
    else out.push({ file: from, target: spec, local: false });
  }
  return out;
}

const ALL = sourceFiles(SRC).flatMap(importsOf);
const under = (path: string, ...folders: string[]) => folders.some((f) => path === f || path.startsWith(`${f}/`));
const describeImport = (i: Import) => `${i.file} imports ${i.target}`;

describe("layers", () => {
  it("reads the imports of every source file", () => {
    // A broken reader would make every rule below pass: it must see the engine and the store.
    expect(ALL.filter((i) => under(i.file, "engine")).length).toBeGreaterThan(20);
    expect(ALL.some((i) => i.file === "conversation/conversations.ts" && i.target === "engine/engine.ts")).toBe(true);
  });

  it("the engine is pure: engine/, locale/ and util/ only, no Node built-ins", () => {
    const bad = ALL.filter((i) => under(i.file, "engine") && (i.local ? !under(i.target, "engine", "locale", "util") : i.target.startsWith("node:")));
    expect(bad.map(describeImport)).toEqual([]);
  });

  it("the domain never imports the conversation layer, channels, store adapters or HTTP", () => {
    const bad = ALL.filter(
      (i) =>
        i.local &&
        under(i.file, "domain") &&
        (under(i.target, "conversation", "channels", "http", "engine", "store/embedded", "store/mongo") || i.target === "store/index.ts"),
    );
    expect(bad.map(describeImport)).toEqual([]);
  });

  it("a channel never imports the store", () => {
    const bad = ALL.filter((i) => i.local && under(i.file, "channels") && under(i.target, "store"));
    expect(bad.map(describeImport)).toEqual([]);
  });

  it("the store imports only its own files, the domain's nouns, locale/, util/ and configuration", () => {
    const bad = ALL.filter((i) => i.local && under(i.file, "store") && !under(i.target, "store", "domain/model", "locale", "util", "config"));
    expect(bad.map(describeImport)).toEqual([]);
  });

  it("the secretariat's face reaches the domain, the outbox, texts, utilities and the store's ports only; no channel imports it", () => {
    const bad = ALL.filter(
      (i) =>
        i.local &&
        ((under(i.file, "secretariat") && !under(i.target, "secretariat", "domain", "notify", "locale", "util") && i.target !== "store/ports.ts") ||
          (under(i.file, "channels") && under(i.target, "secretariat"))),
    );
    expect(bad.map(describeImport)).toEqual([]);
    expect(ALL.filter((i) => under(i.file, "secretariat") && i.local).length).toBeGreaterThan(10);
  });

  it("the web panel reaches the domain, the HTTP helpers, texts, utilities and the store's ports only; only the composition root imports it", () => {
    const bad = ALL.filter(
      (i) =>
        i.local &&
        ((under(i.file, "panel") && !under(i.target, "panel", "domain", "http", "locale", "util") && i.target !== "store/ports.ts") ||
          (!under(i.file, "panel") && i.file.includes("/") && under(i.target, "panel"))),
    );
    expect(bad.map(describeImport)).toEqual([]);
    expect(ALL.filter((i) => under(i.file, "panel") && i.local).length).toBeGreaterThan(10);
  });

  it("no two folders of src/ import each other", () => {
    // Layers are the folders under src/ (a folder's own sub-folders are its parts) and the files at the root compose
    // them; the domain's nouns (domain/model/) are a layer of their own, below the store's ports that the services use.
    const folder = (path: string) => (under(path, "domain/model") ? "domain/model" : path.includes("/") ? path.split("/")[0] : "(root)");
    const edges = new Set(ALL.filter((i) => i.local && folder(i.file) !== folder(i.target)).map((i) => `${folder(i.file)} -> ${folder(i.target)}`));
    const cycles = [...edges].filter((e) => {
      const [a, b] = e.split(" -> ");
      return a < b && edges.has(`${b} -> ${a}`);
    });
    const examples = cycles.map((c) => {
      const [a, b] = c.split(" -> ");
      const one = ALL.find((i) => i.local && folder(i.file) === a && folder(i.target) === b);
      const other = ALL.find((i) => i.local && folder(i.file) === b && folder(i.target) === a);
      return `${one && describeImport(one)}; ${other && describeImport(other)}`;
    });
    expect(examples).toEqual([]);
  });
});

/** Every text exists in every language, with the same parameters: a citizen never meets a raw key. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LANGUAGES } from "../src/locale/languages.js";

const DIR = "locales";

/** `report.summary` → its text, for every leaf of one language. */
function leaves(lang: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else {
      out.set(prefix, Array.isArray(value) ? "[list]" : String(value));
    }
  };
  for (const file of readdirSync(join(DIR, lang)).filter((f) => f.endsWith(".yaml"))) {
    walk(file.replace(/\.yaml$/, ""), parse(readFileSync(join(DIR, lang, file), "utf8")));
  }
  return out;
}

const params = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]).sort();

describe("locales", () => {
  const [first, ...others] = LANGUAGES;
  const base = leaves(first);
  it.each(others)(`${first} and %s have the same keys and the same parameters`, (lang) => {
    const other = leaves(lang);
    // Word lists may differ in length per language; everything else must line up.
    const keys = (m: Map<string, string>) => [...m.keys()].filter((k) => !k.startsWith("words.")).sort();
    expect(keys(other)).toEqual(keys(base));
    for (const [key, text] of base) {
      if (key.startsWith("words.")) continue;
      expect(params(other.get(key) ?? ""), `${lang} ${key}`).toEqual(params(text));
    }
  });
});

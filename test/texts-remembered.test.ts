/**
 * Texts are rendered once per shape and put back together for each call (src/locale/texts.ts): what
 * a citizen reads must be exactly what i18next itself renders from the same values, for every text
 * with parameters — nested ones (`$t(category.{{category}})`) included — the first time and the
 * next times, with other values.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import i18next from "i18next";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LANGUAGES, type Language } from "../src/locale/languages.js";
import { loadTexts, type Texts } from "../src/locale/texts.js";
import { deployment } from "./helpers/deployment.js";
import { tempDirSync } from "./helpers/temp-dirs.js";

type Tree = Record<string, unknown>;
const resources: Record<string, Tree> = {};
for (const lang of LANGUAGES) {
  const tree: Tree = {};
  for (const file of readdirSync(join("locales", lang)).filter((f) => f.endsWith(".yaml")))
    tree[file.replace(/\.yaml$/, "")] = parse(readFileSync(join("locales", lang, file), "utf8"));
  resources[lang] = tree;
}

const at = (tree: Tree, path: string): unknown => path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Tree)[k] : undefined), tree);

/** Every text of a language that names a parameter. */
function textsWithParams(lang: Language): { key: string; raw: string }[] {
  const out: { key: string; raw: string }[] = [];
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else if (typeof value === "string" && value.includes("{{")) out.push({ key: prefix, raw: value });
  };
  walk("", resources[lang]);
  return out;
}

/** Values for a text: a real key where a nesting chooses one (`$t(category.{{category}})`), else words and numbers of `round`. */
function valuesFor(lang: Language, raw: string, round: number): Tree {
  const values: Tree = {};
  const set = (path: string, value: unknown) => {
    const parts = path.split(".");
    let node = values;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Tree;
    }
    node[parts.at(-1) as string] ??= value;
  };
  // A nesting may carry a plain default (`$t(report.nearby_said.{{described}}, {"defaultValue": ""})`).
  for (const m of raw.matchAll(/\$t\(([^{)]*)\{\{\s*([\w.]+)\s*\}\}(?:,[^)]*)?\)/g)) {
    const group = at(resources[lang], m[1].replace(/\.$/, ""));
    const choices = group && typeof group === "object" ? Object.keys(group) : [];
    if (choices.length) set(m[2], choices[round % choices.length]);
  }
  // What is formatted: a moment (`{{at, day}}`), a day of the calendar (`{{due, date}}`), a number.
  for (const m of raw.matchAll(/\{\{-?\s*([\w.]+)\s*,\s*(\w+)[^}]*\}\}/g)) {
    const moment = new Date(Date.UTC(2026, round, 10 + round, 5 + round * 4, 7 * round));
    set(m[1], m[2] === "day" ? moment.toISOString() : m[2] === "date" ? moment.toISOString().slice(0, 10) : 1200 + round);
  }
  for (const m of raw.matchAll(/\{\{-?\s*([\w.]+)\s*\}\}/g)) set(m[1], round % 2 ? 1200 + round : `Valor ${round} de ${m[1]}, calle Juárez`);
  // What nested texts read ("a unos {{meters}} m"): a number.
  for (const name of ["meters", "count_open", "days"]) set(name, 30 + round);
  return values;
}

let texts: Texts;
const reference = i18next.createInstance();
beforeAll(async () => {
  texts = await loadTexts("locales", deployment);
  await reference.init({
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: resources[l] }])),
    lng: LANGUAGES[0],
    fallbackLng: LANGUAGES[0],
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  } as Parameters<typeof reference.init>[0]);
  // The bot's own formats, written again from what they promise: a moment in the deployment's time
  // zone, a day of the calendar as it is.
  reference.services.formatter?.add("day", (value, lng) =>
    new Intl.DateTimeFormat(lng, { dateStyle: "medium", timeStyle: "short", timeZone: deployment.timeZone }).format(new Date(String(value))),
  );
  reference.services.formatter?.add("date", (value, lng) =>
    new Intl.DateTimeFormat(lng, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${String(value)}T00:00:00Z`)),
  );
});

describe("a text rendered once per shape", () => {
  it.each(LANGUAGES)("a %s value that is not a date where a text formats one is shown as i18next shows it", (lang) => {
    const t = reference.getFixedT(lang);
    const dated = textsWithParams(lang).filter((x) => /, (day|date)\}\}/.test(x.raw));
    expect(dated.length).toBeGreaterThan(5);
    for (const { key, raw } of dated) {
      const values = valuesFor(lang, raw, 1);
      for (const m of raw.matchAll(/\{\{-?\s*([\w.]+)\s*,\s*(day|date)\s*\}\}/g)) {
        const path = m[1].split(".");
        let node = values as Tree;
        for (const part of path.slice(0, -1)) node = node[part] as Tree;
        node[path.at(-1) as string] = "pasado mañana";
      }
      expect(texts.t(lang, key, values), `${lang} ${key}`).toBe(String(t(key, values as never)));
    }
  });

  it.each(LANGUAGES)("every %s text with parameters reads exactly as i18next renders it, the first time and the next ones", (lang) => {
    const all = textsWithParams(lang);
    expect(all.filter((t) => t.raw.includes("$t(")).length).toBeGreaterThan(5);
    expect(all.filter((t) => /, (day|date)\}\}/.test(t.raw)).length).toBeGreaterThan(5);
    const t = reference.getFixedT(lang);
    for (const { key, raw } of all) {
      for (let round = 0; round < 4; round++) {
        const values = valuesFor(lang, raw, round);
        expect(texts.t(lang, key, values), `${lang} ${key}, round ${round}`).toBe(String(t(key, values as never)));
      }
    }
  });
});

describe("texts the shipped locales do not have yet", () => {
  /** The same texts in every language, loaded by the bot and by i18next alone. */
  const tree = {
    // i18next's own `list` after ours: an odd text, but any format after ours must see the date formatted.
    chained: "Sale el {{at, day, list}}.",
    both: "{{at}} es {{at, day}}",
    guess: "¿Quisiste decir «{{guess}}»?",
    chosen: "Tipo: $t(x.kinds.{{kind}})",
    kinds: { a: "uno", b: "dos" },
  };
  let scratch: Texts;
  const alone = i18next.createInstance();
  beforeAll(async () => {
    const dir = tempDirSync("ma-texts-");
    for (const lang of LANGUAGES) {
      mkdirSync(join(dir, lang));
      writeFileSync(join(dir, lang, "x.yaml"), JSON.stringify(tree));
    }
    scratch = await loadTexts(dir, deployment);
    await alone.init({
      resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: { x: tree } }])),
      lng: LANGUAGES[0],
      interpolation: { escapeValue: false },
      showSupportNotice: false,
    } as Parameters<typeof alone.init>[0]);
    alone.services.formatter?.add("day", (value, lng) =>
      new Intl.DateTimeFormat(lng, { dateStyle: "medium", timeStyle: "short", timeZone: deployment.timeZone }).format(new Date(String(value))),
    );
  });

  it("a value formatted by a chain of formats, and one shown both formatted and as it is, read as i18next renders them", () => {
    const t = alone.getFixedT(LANGUAGES[0]);
    for (const at of ["2026-03-01T18:30:00.000Z", "2026-12-24T05:00:00.000Z"]) {
      for (const key of ["x.chained", "x.both"]) expect(scratch.t(LANGUAGES[0], key, { at })).toBe(t(key, { at }));
    }
  });

  it("a value left out and one given as undefined or NaN are not taken for each other", () => {
    const t = alone.getFixedT(LANGUAGES[0]);
    const calls: Record<string, unknown>[] = [{}, { guess: undefined }, {}, { guess: undefined }];
    for (const params of calls) expect(scratch.t(LANGUAGES[0], "x.guess", params)).toBe(t("x.guess", params));
    for (const params of [{ kind: "a" }, { kind: Number.NaN }, { kind: null }, { kind: Number.NaN }])
      expect(scratch.t(LANGUAGES[0], "x.chosen", params)).toBe(t("x.chosen", params));
  });
});

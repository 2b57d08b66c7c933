/**
 * Texts: every word the bot says lives in locales/<language>/*.yaml (i18next). Each file is a
 * top-level key: locales/es-MX/report.yaml holds `report.*`. What people wrote (a description, a
 * typed folio, a note) is never read by i18next: see `shield`.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import i18next, { type i18n } from "i18next";
import { parseYaml } from "../util/yaml.js";
import { checkLanguage, LocaleError } from "./check.js";
import { LANGUAGES, type Language } from "./languages.js";

export interface Texts {
  t(lang: Language, key: string, params?: Record<string, unknown>): string;
  /** Every word, in every language, that means `name` (locales' `words.<name>` lists). */
  words(name: string): string[];
  /** The locales where `key` is missing (empty when it exists everywhere). */
  missingKey(key: string): string[];
  /** A list of strings from every locale (e.g. `privacy.sensitive_words`). */
  listAll(key: string): string[];
}

export { LocaleError };

function loadLanguage(dir: string, lang: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const file of readdirSync(join(dir, lang))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const name = file.replace(/\.ya?ml$/, "");
    try {
      out[name] = parseYaml(readFileSync(join(dir, lang, file), "utf8"));
    } catch (err) {
      throw new LocaleError(`${join(dir, lang, file)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/**
 * A parameter i18next may see as it is: it cannot hold interpolation, nesting or formatting syntax
 * (keys, ids, folios, ISO dates, numbers as text). Anything else may be text a person wrote.
 */
const INERT = /^[\w.:+-]*$/;

/**
 * How hidden values are written for i18next and put back: a random nonce (so nothing a person types
 * matches), and the formats of our own (`{{at, day}}`) applied when a value is put back, so a date
 * need not be seen by i18next either.
 */
interface Hiding {
  nonce: string;
  /** Every token of this nonce: `⟪<nonce>g<n>⟫`, or `⟪<nonce>g<n>~<format>⟫` once a format of ours met it. */
  tokens: RegExp;
  format(name: string, value: string, lang: Language): string;
}

/**
 * Parameters with every string that is not inert swapped for a random token, and a function that
 * puts the real strings back into i18next's result. i18next never sees what people wrote, so a
 * description holding `$t(…)` or `{{…}}` is shown as written and cannot change the text around it
 * (with i18next's own `skipOnVariables`, such a value is not expanded but stops the template's own
 * nestings — `Tipo: $t(category.baches)` shown raw).
 */
function shield(
  params: Record<string, unknown>,
  hiding: Hiding,
  lang: Language,
  keep?: ReadonlySet<string>,
): { params: Record<string, unknown>; restore(text: string): string; told: boolean } {
  const values: string[] = [];
  // Whether the parameters' JSON tells apart every call i18next could render differently (it drops
  // `undefined`, writes NaN as null and a Date as its ISO text).
  let told = true;
  // No `:` or `.` (i18next reads them in a nested key as namespace and key separators).
  const hide = (value: string) => {
    values.push(value);
    return `\u27EA${hiding.nonce}g${values.length - 1}\u27EB`;
  };
  // With `keep` (the paths a text uses to choose a nested text, or formats with i18next's own), every
  // other string and number is hidden too, inert or not: the text is then the same for every value.
  const walk = (value: unknown, depth: number, path: string): unknown => {
    if (typeof value === "string") return INERT.test(value) && (!keep || keep.has(path)) ? value : hide(value);
    if (typeof value === "number" && keep && !keep.has(path)) return hide(String(value));
    if (value === undefined || value instanceof Date || (typeof value === "number" && !Number.isFinite(value))) told = false;
    if (depth > 8 || value === null || typeof value !== "object" || value instanceof Date) return value;
    const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
    if (Array.isArray(value)) return value.map((v, i) => walk(v, depth + 1, at(i)));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, depth + 1, at(k))]));
  };
  const shielded = walk(params, 0, "") as Record<string, unknown>;
  return {
    params: shielded,
    told,
    restore(text) {
      if (!values.length) return text;
      // One pass: a value put back is not read again, and a function keeps `$&` or `$1` in it as written.
      return text.replace(hiding.tokens, (_, n: string, format: string | undefined) => {
        const value = values[Number(n)] ?? "";
        return format ? hiding.format(format, value, lang) : value;
      });
    },
  };
}

/** Parameters i18next reads as options (plural, context, language…): a call with one is passed on whole. */
const I18NEXT_OPTIONS = [
  "count",
  "context",
  "ordinal",
  "defaultValue",
  "lng",
  "lngs",
  "ns",
  "replace",
  "returnObjects",
  "joinArrays",
  "postProcess",
  "interpolation",
  "skipInterpolation",
  "keySeparator",
  "nsSeparator",
];
/** What a text reads of its parameters: the paths it names (shortest first), and those i18next must see as they are. */
interface Reads {
  paths: Set<string>;
  keep: Set<string>;
}

/**
 * The parameters at `paths` alone (`nearby.scope`, not the whole list of nearby reports), in the
 * same shape, so that only what a text reads is hidden and remembered. Never changes `params`.
 */
function pick(params: Record<string, unknown>, paths: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const whole: string[] = [];
  // Shortest first (`Reads.paths`): a path inside one taken whole is skipped.
  for (const path of paths) {
    if (whole.some((w) => path.startsWith(`${w}.`))) continue;
    if (path in params) {
      out[path] = params[path];
      whole.push(path);
      continue;
    }
    const parts = path.split(".");
    let from: unknown = params;
    let to = out;
    for (const [i, part] of parts.entries()) {
      if (from === null || typeof from !== "object" || !(part in from)) break;
      from = (from as Record<string, unknown>)[part];
      if (i === parts.length - 1) {
        to[part] = from;
        whole.push(path);
      } else {
        if (to[part] === null || typeof to[part] !== "object") to[part] = {};
        to = to[part] as Record<string, unknown>;
      }
    }
  }
  return out;
}

/**
 * Reads a text's `{{name}}`, `{{- name}}`, `{{name, format}}` and `$t(key)` / `$t(prefix.{{name}})`;
 * `nested` reads a text it nests, `under` lists the keys below a prefix (every text a nesting may choose).
 */
function readsOfText(raw: string, nested: (key: string) => Reads | null, under: (prefix: string) => string[] | null, ours: ReadonlySet<string>): Reads | null {
  const read: Reads = { paths: new Set(), keep: new Set() };
  const add = (path: string, keep: boolean) => {
    read.paths.add(path);
    if (keep) read.keep.add(path);
  };
  // A value formatted by one of our formats alone is hidden like any other (the format is applied when
  // it is put back); i18next's own formats (`{{min, number}}`), and a chain of formats, must see it.
  for (const m of raw.matchAll(/\{\{-?\s*([^},]+?)\s*(,[^}]*)?\}\}/g)) add(m[1], m[2] !== undefined && !ours.has(m[2].slice(1).trim()));
  for (const m of raw.matchAll(/\$t\(([^)]*)\)/g)) {
    const target = withoutPlainDefault(m[1]);
    if (target.includes(",")) return null;
    const open = target.indexOf("{{");
    for (const v of target.matchAll(/\{\{-?\s*([^},]+?)\s*\}\}/g)) add(v[1], true);
    const keys = open < 0 ? [target] : under(target.slice(0, open).replace(/\.$/, ""));
    if (!keys) return null;
    for (const key of keys) {
      const inner = nested(key);
      if (!inner) return null;
      for (const p of inner.paths) read.paths.add(p);
      for (const k of inner.keep) read.keep.add(k);
    }
  }
  // Shortest first, once per text, for `pick`.
  return { ...read, paths: new Set([...read.paths].sort((a, b) => a.length - b.length)) };
}

/**
 * A nesting's key without its options when they only give a plain text for a key that is not there
 * (`$t(report.nearby_said.{{described}}, {"defaultValue": ""})`): that changes nothing a text reads,
 * so it is rendered once per shape like any other. Any other options are returned as written.
 */
function withoutPlainDefault(target: string): string {
  const comma = target.indexOf(",");
  if (comma < 0) return target;
  try {
    const options: unknown = JSON.parse(target.slice(comma + 1));
    const plain =
      options !== null &&
      typeof options === "object" &&
      Object.keys(options).length === 1 &&
      typeof (options as { defaultValue?: unknown }).defaultValue === "string" &&
      !/\{\{|\$t\(/.test((options as { defaultValue: string }).defaultValue);
    return plain ? target.slice(0, comma).trim() : target;
  } catch {
    return target;
  }
}

/** The keys of every text below `prefix` (null when it is not a group of texts). */
function leafKeys(value: unknown, prefix: string, depth = 0): string[] | null {
  if (typeof value === "string") return [prefix];
  if (value === null || typeof value !== "object" || Array.isArray(value) || depth > 4) return null;
  const keys: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const inner = leafKeys(v, `${prefix}.${k}`, depth + 1);
    if (!inner) return null;
    keys.push(...inner);
  }
  return keys;
}

/** Texts with parameters remembered once rendered (the same question with the same values comes again and again). */
const RENDERED_KEPT = 5000;

/** What the texts need from the deployment (config/deployment.yaml), and from the code. */
export interface TextSettings {
  /** Languages spoken here, the default first: a text missing in one language is taken from the default. */
  languages: readonly Language[];
  /** Dates are shown in this time zone. */
  timeZone: string;
  /**
   * Keys the code uses (src/locale/code-keys.ts): start-up stops naming the file and key when one is
   * missing in a language, as it does when a nested `$t(…)` points nowhere.
   */
  required?: readonly string[];
}

export async function loadTexts(dir: string, settings: TextSettings): Promise<Texts> {
  const resources: Record<string, { translation: Record<string, unknown> }> = {};
  for (const lang of LANGUAGES) {
    const translation = loadLanguage(dir, lang);
    checkLanguage(dir, lang, translation, settings.required ?? []);
    resources[lang] = { translation };
  }
  const fallback = settings.languages[0];
  const instance: i18n = i18next.createInstance();
  await instance.init({
    resources,
    lng: fallback,
    fallbackLng: fallback,
    supportedLngs: [...LANGUAGES],
    // Texts go to chat apps, not HTML: the web chat escapes on display.
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  } as Parameters<i18n["init"]>[0]);
  // Formats made once per language (making an Intl.DateTimeFormat costs more than using it).
  const formats = (options: Intl.DateTimeFormatOptions) => {
    const made = new Map<string, Intl.DateTimeFormat>();
    return (lng: string | undefined) => {
      const id = lng ?? fallback;
      let format = made.get(id);
      if (!format) {
        format = new Intl.DateTimeFormat(id, options);
        made.set(id, format);
      }
      return format;
    };
  };
  const dayFormat = formats({ dateStyle: "medium", timeStyle: "short", timeZone: settings.timeZone });
  const dateFormat = formats({ dateStyle: "medium", timeZone: "UTC" });
  // The formats of our own. A hidden value (a token, see `shield`) is formatted when it is put back.
  const ours: Record<string, (value: string, lng: string | undefined) => string> = {
    // `{{at, day}}`: a stored ISO date as local date and time in the deployment's time zone, in the reader's language.
    day: (value, lng) => dayFormat(lng).format(new Date(value)),
    // `{{due, date}}`: a day of the calendar (2026-03-31), as the reader's language writes it; no time zone moves it.
    date: (value, lng) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? dateFormat(lng).format(new Date(`${value}T00:00:00Z`)) : value),
  };
  const nonce = randomBytes(8).toString("hex");
  const hidden = new RegExp(`^\u27EA${nonce}g\\d+\u27EB$`);
  const hiding: Hiding = {
    nonce,
    tokens: new RegExp(`\u27EA${nonce}g(\\d+)(?:~(\\w+))?\u27EB`, "g"),
    // As i18next does with a format that fails (a date that is not one): the value as it is.
    format: (name, value, lang) => {
      try {
        return ours[name]?.(value, lang) ?? value;
      } catch {
        return value;
      }
    },
  };
  for (const [name, format] of Object.entries(ours)) {
    instance.services.formatter?.add(name, (value, lng) => {
      const text = String(value ?? "");
      return hidden.test(text) ? `${text.slice(0, -1)}~${name}\u27EB` : format(text, lng);
    });
  }
  const deferred = new Set(Object.keys(ours));
  const fixed = new Map(LANGUAGES.map((l) => [l, instance.getFixedT(l)]));
  const wordCache = new Map<string, string[]>();

  const listIn = (lang: Language, key: string): string[] => {
    const value = instance.getResource(lang, "translation", key);
    return Array.isArray(value) ? value.map(String) : [];
  };

  // A text without interpolation or nesting is itself: most labels, asked for on every message.
  const plain = new Map<Language, Map<string, string | null>>(LANGUAGES.map((l) => [l, new Map()]));
  const plainText = (lang: Language, key: string): string | null => {
    const known = plain.get(lang);
    let value = known?.get(key);
    if (value === undefined) {
      const raw = instance.getResource(lang, "translation", key);
      value = typeof raw === "string" && !raw.includes("{{") && !raw.includes("$t(") ? raw : null;
      known?.set(key, value);
    }
    return value;
  };

  // What a text reads of its parameters (its own and those of the texts it nests): the paths it
  // interpolates, and those whose values i18next must see as they are (they choose a nested text,
  // `$t(category.{{category}})`, or i18next formats them, `{{min, number}}`). Null when that cannot be told from
  // the texts alone (a nesting with options, a plural or context form, a text only in the fallback
  // language): then every parameter goes, as given, and nothing is remembered.
  const reads = new Map<string, Reads | null>();
  const readsOf = (lang: Language, key: string, depth = 0): Reads | null => {
    const id = `${lang}\u0000${key}`;
    if (reads.has(id)) return reads.get(id) ?? null;
    const raw = instance.getResource(lang, "translation", key);
    const found =
      typeof raw === "string" && depth < 6
        ? readsOfText(
            raw,
            (nested) => readsOf(lang, nested, depth + 1),
            (prefix) => leafKeys(instance.getResource(lang, "translation", prefix), prefix),
            deferred,
          )
        : null;
    reads.set(id, found);
    return found;
  };
  const rendered = new Map<string, string>();

  const i18n = (lang: Language) => fixed.get(lang) ?? fixed.get(fallback);
  const translateAll = (lang: Language, key: string, params?: Record<string, unknown>): string => {
    const t = i18n(lang);
    if (!params) return String(t?.(key));
    const shielded = shield(params, hiding, lang);
    return shielded.restore(String(t?.(key, shielded.params as never)));
  };
  // Every value a text only shows goes to i18next as a numbered token (what people wrote never reaches
  // it); what i18next made of the tokens is remembered for the same shape and put back together for
  // each call: "Revisa tu reporte… Municipio: ⟪0⟫… Descripción: ⟪1⟫" is rendered once per category,
  // photo and identity, not once per citizen. The remembered text holds no value anyone wrote.
  const translate = (lang: Language, key: string, params?: Record<string, unknown>): string => {
    const read = params ? readsOf(lang, key) : null;
    if (!params || !read || I18NEXT_OPTIONS.some((option) => option in params)) return translateAll(lang, key, params);
    const shielded = shield(pick(params, read.paths), hiding, lang, read.keep);
    if (!shielded.told) return shielded.restore(String(i18n(lang)?.(key, shielded.params as never)));
    const id = `${lang}\u0000${key}\u0000${JSON.stringify(shielded.params)}`;
    let text = rendered.get(id);
    if (text === undefined) {
      text = String(i18n(lang)?.(key, shielded.params as never));
      if (rendered.size >= RENDERED_KEPT) rendered.clear();
      rendered.set(id, text);
    }
    return shielded.restore(text);
  };

  return {
    t: (lang, key, params) => plainText(lang, key) ?? translate(lang, key, params),
    words(name) {
      let cached = wordCache.get(name);
      if (!cached) {
        cached = LANGUAGES.flatMap((l) => listIn(l, `words.${name}`));
        wordCache.set(name, cached);
      }
      return cached;
    },
    missingKey: (key) => LANGUAGES.filter((l) => instance.getResource(l, "translation", key) === undefined),
    listAll: (key) => LANGUAGES.flatMap((l) => listIn(l, key)),
  };
}

/**
 * Texts: every word the bot says lives in locales/<language>/*.yaml (i18next). Each file is a
 * top-level key: locales/es-MX/report.yaml holds `report.*`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import i18next, { type i18n } from "i18next";
import { parse } from "yaml";
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

export class LocaleError extends Error {}

function loadLanguage(dir: string, lang: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const file of readdirSync(join(dir, lang))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const name = file.replace(/\.ya?ml$/, "");
    try {
      out[name] = parse(readFileSync(join(dir, lang, file), "utf8"));
    } catch (err) {
      throw new LocaleError(`${join(dir, lang, file)}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return out;
}

/** What the texts need from the deployment (config/deployment.yaml). */
export interface TextSettings {
  /** Languages spoken here, the default first: a text missing in one language is taken from the default. */
  languages: readonly Language[];
  /** Dates are shown in this time zone. */
  timeZone: string;
}

export async function loadTexts(dir: string, settings: TextSettings): Promise<Texts> {
  const resources: Record<string, { translation: Record<string, unknown> }> = {};
  for (const lang of LANGUAGES) resources[lang] = { translation: loadLanguage(dir, lang) };
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
  // `{{at, day}}`: a stored ISO date as local date and time in the deployment's time zone, in the reader's language.
  instance.services.formatter?.add("day", (value, lng) =>
    new Intl.DateTimeFormat(lng, { dateStyle: "medium", timeStyle: "short", timeZone: settings.timeZone }).format(new Date(String(value))),
  );
  const fixed = new Map(LANGUAGES.map((l) => [l, instance.getFixedT(l)]));
  const wordCache = new Map<string, string[]>();

  const listIn = (lang: Language, key: string): string[] => {
    const value = instance.getResource(lang, "translation", key);
    return Array.isArray(value) ? value.map(String) : [];
  };

  // A text without interpolation or nesting is itself: most labels, asked for on every message.
  const plain = new Map<string, string | null>();
  const plainText = (lang: Language, key: string): string | null => {
    const id = `${lang}\u0000${key}`;
    let value = plain.get(id);
    if (value === undefined) {
      const raw = instance.getResource(lang, "translation", key);
      value = typeof raw === "string" && !raw.includes("{{") && !raw.includes("$t(") ? raw : null;
      plain.set(id, value);
    }
    return value;
  };

  return {
    t: (lang, key, params) => plainText(lang, key) ?? String((fixed.get(lang) ?? fixed.get(fallback))?.(key, params as never)),
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

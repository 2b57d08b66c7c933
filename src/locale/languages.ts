/** The languages the bot speaks, and how a platform's language code maps to one of them. */

export const LANGUAGES = ["es-MX", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language we speak for a code ("en", "en-US", "es"), if any. */
function spoken(hint: string): Language | undefined {
  const base = hint.toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((l) => l.toLowerCase().split("-")[0] === base);
}

/** Maps a platform's language code ("en", "en-US", "es") to one we speak. */
export function languageFromHint(hint: string | undefined, fallback: Language): Language {
  return (hint && spoken(hint)) || fallback;
}

/**
 * The language of a web request: `?lang=` when it names one we speak, else the first language of
 * the browser's `Accept-Language` that we speak ("fr-FR,en;q=0.8" → en), else `fallback`.
 */
export function languageOfRequest(query: unknown, acceptLanguage: string | undefined, fallback: Language): Language {
  const browser = (acceptLanguage ?? "").split(",").map((part) => part.split(";")[0]?.trim() ?? "");
  for (const hint of [typeof query === "string" ? query : "", ...browser]) {
    const lang = hint && spoken(hint);
    if (lang) return lang;
  }
  return fallback;
}

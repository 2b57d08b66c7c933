/** The languages the bot speaks, and how a platform's language code maps to one of them. */

export const LANGUAGES = ["es-MX", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Maps a platform's language code ("en", "en-US", "es") to one we speak. */
export function languageFromHint(hint: string | undefined, fallback: Language): Language {
  if (!hint) return fallback;
  const base = hint.toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((l) => l.toLowerCase().split("-")[0] === base) ?? fallback;
}

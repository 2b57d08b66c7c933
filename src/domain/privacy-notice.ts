/**
 * The integral privacy notice (aviso de privacidad integral): one file per language in
 * config/privacy/ (`es-MX.yaml`, `en.yaml`), written by the deployment and checked at start-up.
 * Texts may use the authority's data (`{{authority.name}}`, `{{privacy.version}}`…), filled in here,
 * so the notice, the short notice in the chat and the contact topic never disagree.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Language } from "../locale/languages.js";
import { ConfigFileError, readConfigFile } from "../util/config-file.js";

/** Where the notice is served; links the bot sends are this path under the public URL. */
export const PRIVACY_PATH = "/privacidad";

/** The notice's address in one language, under `base` ("" for a link relative to this server). */
export function privacyUrl(base: string, lang: Language, defaultLanguage: Language): string {
  return `${base}${PRIVACY_PATH}${lang === defaultLanguage ? "" : `?lang=${lang}`}`;
}

const schema = z.strictObject({
  title: z.string().min(1),
  /** "Versión {{privacy.version}}": the line that says which notice this is. */
  version: z.string().min(1),
  intro: z.string().min(1).optional(),
  sections: z
    .array(
      z.strictObject({
        heading: z.string().min(1),
        paragraphs: z.array(z.string().min(1)).default([]),
        items: z.array(z.string().min(1)).default([]),
      }),
    )
    .min(1),
});

/** One language's notice, with every placeholder filled. */
export type PrivacyNoticeText = z.infer<typeof schema>;

type Params = Record<string, unknown>;

function lookup(params: Params, path: string): string | undefined {
  let value: unknown = params;
  for (const part of path.split(".")) value = value && typeof value === "object" ? (value as Params)[part] : undefined;
  return typeof value === "string" ? value : undefined;
}

/**
 * Fills `{{a.b}}` from `params`; a placeholder with no value is an error naming it. A value that ends with an
 * abbreviation's period ends a sentence with it: «…52166 Metepec, Méx.» before the text's own «.» is not «Méx..».
 */
function fill(text: string, params: Params, where: string): string {
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (placeholder: string, path: string, at: number) => {
    const value = lookup(params, path);
    if (value === undefined) throw new ConfigFileError(`${where}: unknown placeholder {{${path}}}`);
    return value.endsWith(".") && text.startsWith(".", at + placeholder.length) ? value.slice(0, -1) : value;
  });
}

export class PrivacyNotice {
  private constructor(
    private readonly texts: Map<Language, PrivacyNoticeText>,
    /** The language of a visitor who asks for one the deployment does not speak. */
    readonly defaultLanguage: Language,
  ) {}

  /**
   * Reads `<dir>/<language>.yaml` for each of the deployment's `languages`; `params(lang)` fills the
   * placeholders.
   */
  static load(dir: string, languages: readonly Language[], defaultLanguage: Language, params: (lang: Language) => Params): PrivacyNotice {
    const texts = new Map<Language, PrivacyNoticeText>();
    for (const lang of languages) {
      const file = join(dir, `${lang}.yaml`);
      if (!existsSync(file)) throw new ConfigFileError(`${file}: missing: the privacy notice must exist in every language of config/deployment.yaml`);
      const raw = readConfigFile(file, schema);
      const p = params(lang);
      texts.set(lang, {
        title: fill(raw.title, p, `${file}: title`),
        version: fill(raw.version, p, `${file}: version`),
        intro: raw.intro === undefined ? undefined : fill(raw.intro, p, `${file}: intro`),
        sections: raw.sections.map((s, i) => ({
          heading: fill(s.heading, p, `${file}: sections.${i}.heading`),
          paragraphs: s.paragraphs.map((t, j) => fill(t, p, `${file}: sections.${i}.paragraphs.${j}`)),
          items: s.items.map((t, j) => fill(t, p, `${file}: sections.${i}.items.${j}`)),
        })),
      });
    }
    return new PrivacyNotice(texts, defaultLanguage);
  }

  /** The languages the notice is written in. */
  get languages(): Language[] {
    return [...this.texts.keys()];
  }

  /** The whole notice as plain text for a chat ("privacidad"): title, version, sections, items as bullets. */
  plain(lang: Language): string {
    const { text } = this.in(lang);
    const sections = text.sections.map((s) => [s.heading.toUpperCase(), ...s.paragraphs, ...s.items.map((i) => `• ${i}`)].join("\n"));
    return [text.title, text.version, text.intro ?? "", ...sections].filter(Boolean).join("\n\n");
  }

  /** The notice in `lang`, or in the default language when it is not written in `lang`. */
  in(lang: Language): { lang: Language; text: PrivacyNoticeText } {
    const text = this.texts.get(lang);
    if (text) return { lang, text };
    return { lang: this.defaultLanguage, text: this.texts.get(this.defaultLanguage) as PrivacyNoticeText };
  }
}

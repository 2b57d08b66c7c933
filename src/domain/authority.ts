/**
 * The guarantor authority and the privacy notice: who to contact and who is responsible for the
 * data. Configuration, not code (config/authority.yaml), since the authority may change by law.
 * What is prose (the full name, the responsible party) is written in every language.
 */
import { z } from "zod";
import { LANGUAGES, type Language } from "../locale/languages.js";
import { ConfigFileError, readConfigFile } from "../util/config-file.js";

/** A text per language; every language of the deployment must have one (checked at load). */
const localized = z.partialRecord(z.enum(LANGUAGES), z.string().min(1));

const schema = z.strictObject({
  authority: z.strictObject({
    /** The short name people know it by (a proper name, the same in every language). */
    name: z.string().min(1),
    full_name: localized,
    address: z.string().min(1),
    phone: z.string().min(1),
    emails: z.array(z.email()).min(1),
    website: z.url({ protocol: /^https?$/ }),
    social: z.array(z.strictObject({ network: z.string().min(1), account: z.string().min(1) })).default([]),
  }),
  privacy: z.strictObject({
    /** Bumped whenever the notice changes: citizens consent again. */
    version: z.string().min(1),
    responsible: localized,
  }),
});

export type AuthorityConfig = z.infer<typeof schema>;

/** Reads config/authority.yaml; its prose must be written in each of the deployment's `languages`. */
export function loadAuthority(file: string, languages: readonly Language[]): AuthorityConfig {
  const config = readConfigFile(file, schema);
  const texts = { "authority.full_name": config.authority.full_name, "privacy.responsible": config.privacy.responsible };
  for (const [path, text] of Object.entries(texts)) {
    const missing = languages.filter((l) => !text[l]);
    if (missing.length) throw new ConfigFileError(`${file}: ${path}: missing in ${missing.join(", ")} (every language of config/deployment.yaml)`);
  }
  return config;
}

/**
 * What texts may say about the authority and the notice, in one language: `{{authority.emails}}`,
 * `{{privacy.url}}`… (the locales' contact topic, the short notice, the full notice's files).
 */
export function authorityParams(config: AuthorityConfig, lang: Language, privacyUrl: string, defaultLanguage: Language) {
  const { authority, privacy } = config;
  const inLang = (text: Partial<Record<Language, string>>) => text[lang] ?? text[defaultLanguage] ?? "";
  return {
    authority: {
      name: authority.name,
      full_name: inLang(authority.full_name),
      address: authority.address,
      phone: authority.phone,
      emails: authority.emails.join(", "),
      website: authority.website,
      social: authority.social.map((s) => `${s.account} (${s.network})`).join(", "),
    },
    privacy: { version: privacy.version, responsible: inLang(privacy.responsible), url: privacyUrl },
  };
}

/**
 * Response templates per status (config/templates/<language>.yaml) that a member picks when
 * answering a citizen and may edit before sending. Only `{{folio}}`, `{{area}}` and
 * `{{municipality}}` are filled in; the text is otherwise taken as it is.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Language } from "../locale/languages.js";
import { ConfigFileError, readConfigFile } from "../util/config-file.js";

const schema = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), z.array(z.string().min(5).max(1000)).min(1));
const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
const KNOWN = new Set(["folio", "area", "municipality"]);

export class Templates {
  constructor(private readonly byLanguage: ReadonlyMap<Language, Record<string, string[]>>) {}

  /** Reads one file per language; a template for an unknown status or with an unknown placeholder stops start-up. */
  static load(dir: string, languages: readonly Language[], statuses: readonly string[]): Templates {
    const out = new Map<Language, Record<string, string[]>>();
    for (const lang of languages) {
      const file = join(dir, `${lang}.yaml`);
      if (!existsSync(file)) continue;
      const templates = readConfigFile(file, schema);
      for (const [status, texts] of Object.entries(templates)) {
        if (!statuses.includes(status)) throw new ConfigFileError(`${file}: ${status}: not a status of config/statuses.yaml`);
        texts.forEach((text, i) => {
          for (const [, name] of text.matchAll(PLACEHOLDER)) {
            if (!KNOWN.has(name)) throw new ConfigFileError(`${file}: ${status}.${i}: unknown placeholder {{${name}}} (known: folio, area, municipality)`);
          }
        });
      }
      out.set(lang, templates);
    }
    return new Templates(out);
  }

  /** The templates for a status in a language, filled in (falling back to the first language that has some). */
  for(status: string, lang: Language, values: { folio: string; area?: string; municipality: string }): string[] {
    const texts = this.byLanguage.get(lang)?.[status] ?? [...this.byLanguage.values()].find((t) => t[status])?.[status] ?? [];
    const fill: Record<string, string> = { folio: values.folio, area: values.area ?? "", municipality: values.municipality };
    return texts.map((t) => t.replace(PLACEHOLDER, (_, name: string) => fill[name] ?? ""));
  }
}

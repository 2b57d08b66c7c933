/**
 * The offices a report can be channelled to (config/areas.yaml): a default list and, per
 * municipality, its own. Names are the ayuntamientos' proper names, with an optional English one.
 */
import { z } from "zod";
import type { Language } from "../locale/languages.js";
import { readConfigFile } from "../util/config-file.js";

const area = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "use lower case letters, digits and _"),
  name: z.string().min(2).max(120),
  en: z.string().min(2).max(120).optional(),
});
const schema = (municipalityKey: RegExp) =>
  z.strictObject({
    default: z.array(area).min(1),
    municipalities: z.record(z.string().regex(municipalityKey, "is not a municipality key of this state"), z.array(area).min(1)).default({}),
  });

export type Area = z.infer<typeof area>;

export class Areas {
  constructor(private readonly config: z.infer<ReturnType<typeof schema>>) {}

  static load(file: string, municipalityKey: RegExp): Areas {
    return new Areas(readConfigFile(file, schema(municipalityKey)));
  }

  forMunicipality(cvegeo: string): Area[] {
    return this.config.municipalities[cvegeo] ?? this.config.default;
  }

  get(cvegeo: string, id: string): Area | undefined {
    return this.forMunicipality(cvegeo).find((a) => a.id === id);
  }

  /** The office's name in a language (Spanish when it has none in that language). */
  name(area: Area, lang: Language): string {
    return lang === "en" && area.en ? area.en : area.name;
  }
}

/**
 * Report categories: a default list and, per municipality, its own list (config/categories.yaml).
 * Labels are locale keys `category.<id>`; a category without a label in every locale stops start-up.
 */
import { z } from "zod";
import { ConfigFileError, readConfigFile } from "../util/config-file.js";

const id = z.string().regex(/^[a-z][a-z0-9_]*$/);
const schema = (municipalityKey: RegExp) =>
  z.strictObject({
    default: z.array(id).min(1),
    municipalities: z.record(z.string().regex(municipalityKey, "is not a municipality key of this state"), z.array(id).min(1)).default({}),
    /** The category for a problem no other fits: named to a citizen whose typed type was not recognised. */
    other: id.optional(),
    /** The category of corruption (a bribe asked for): named, a message is a report to file, never an emergency by itself. */
    corruption: id.optional(),
  });
type CategoriesConfig = z.infer<ReturnType<typeof schema>>;

export class Categories {
  constructor(private readonly config: CategoriesConfig) {}

  static load(file: string, missingKey: (key: string) => string[], municipalityKey: RegExp): Categories {
    const config = readConfigFile(file, schema(municipalityKey));
    if (config.other && !config.default.includes(config.other)) throw new ConfigFileError(`${file}: other: "${config.other}" is not in the default list`);
    if (config.corruption && !config.default.includes(config.corruption))
      throw new ConfigFileError(`${file}: corruption: "${config.corruption}" is not in the default list`);
    for (const cat of [...config.default, ...Object.values(config.municipalities).flat()]) {
      const missing = missingKey(`category.${cat}`);
      if (missing.length) throw new ConfigFileError(`${file}: category "${cat}" has no text "category.${cat}" in locale ${missing.join(", ")}`);
    }
    return new Categories(config);
  }

  forMunicipality(cvegeo: string): string[] {
    return this.config.municipalities[cvegeo] ?? this.config.default;
  }

  /** The category for a problem no other fits, when this municipality's list has it. */
  otherFor(cvegeo: string): string | null {
    const { other } = this.config;
    return other && this.forMunicipality(cvegeo).includes(other) ? other : null;
  }

  /** The category of corruption (config `corruption`), if the deployment names one. */
  get corruption(): string | undefined {
    return this.config.corruption;
  }

  isValid(cvegeo: string, category: string): boolean {
    return this.forMunicipality(cvegeo).includes(category);
  }
}

/**
 * The facts of a deployment (config/deployment.yaml): the state, the time zone, the languages, the
 * reference data and the folio format. Read once at start-up and handed to whoever needs them.
 */
import { z } from "zod";
import { LANGUAGES, type Language } from "../locale/languages.js";
import { readConfigFile } from "../util/config-file.js";

const schema = z.strictObject({
  state: z.strictObject({ code: z.string().regex(/^\d{2}$/, 'is the state\'s two-digit INEGI key, such as "15"'), name: z.string().min(1) }),
  time_zone: z.string().refine(isTimeZone, "is not a time zone this Node.js knows (an IANA name such as America/Mexico_City)"),
  languages: z
    .array(z.enum(LANGUAGES, { message: `accepts languages with texts in this version: ${LANGUAGES.join(", ")}` }))
    .min(1)
    .refine((l) => new Set(l).size === l.length, "lists a language twice"),
  municipalities: z.string().min(1),
  boundaries: z.string().min(1),
  seats: z.string().min(1).optional(),
  aliases: z.string().min(1).optional(),
  folio: z.strictObject({ digits: z.number().int().min(4).max(9) }),
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface Deployment {
  state: { code: string; name: string };
  timeZone: string;
  /** Languages spoken here, the default first. */
  languages: readonly Language[];
  defaultLanguage: Language;
  /** A municipality key of this state: the state's key and three digits. */
  municipalityKey: RegExp;
  /** File names in the reference-data folder. */
  municipalitiesFile: string;
  boundariesFile: string;
  /** The official names of the municipal seats, and other names in common use (optional files). */
  seatsFile?: string;
  aliasesFile?: string;
  folioDigits: number;
}

export function loadDeployment(file: string): Deployment {
  const d = readConfigFile(file, schema);
  return {
    state: d.state,
    timeZone: d.time_zone,
    languages: d.languages,
    defaultLanguage: d.languages[0],
    municipalityKey: new RegExp(`^${d.state.code}\\d{3}$`),
    municipalitiesFile: d.municipalities,
    boundariesFile: d.boundaries,
    seatsFile: d.seats,
    aliasesFile: d.aliases,
    folioDigits: d.folio.digits,
  };
}

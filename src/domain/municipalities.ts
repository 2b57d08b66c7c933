/**
 * The 125 municipalities of the Estado de México (INEGI): lookup by key, by a shared
 * location (point in polygon) and by a typed name (forgiving accents and typos) — the official
 * name, the name of its seat ("Toluca de Lerdo") or a common one ("Neza").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { normalize } from "../util/text.js";
import { type Area, locate, makeArea } from "./geo.js";

/** Letters a word needs to be offered as the start of several municipalities' names (`sharedFirstWords`). */
const SHARED_WORD_MIN = 6;

/**
 * How the understanding names a municipality it cannot tell from several (`sharedFirstWords`): this, then
 * the word. No key: whoever needs the municipality searches by the text named (search_municipality).
 */
export const SEVERAL_MUNICIPALITIES = "several:";

export interface Municipality {
  cvegeo: string;
  name: string;
  population: number;
  /** Three letters that start every folio of the municipality (MET for Metepec). */
  folioPrefix: string;
}

const tableSchema = (key: RegExp) =>
  z.array(z.object({ cvegeo: z.string().regex(key), name: z.string().min(1), population: z.number().int(), folioPrefix: z.string().regex(/^[A-Z]{3}$/) }));

/** Where the reference data is: the state's municipality keys and the two files in the data folder. */
export interface MunicipalitySource {
  municipalityKey: RegExp;
  municipalitiesFile: string;
  boundariesFile: string;
  /** Key → the official name of the municipality's seat (data/municipal-seats.json), when shipped. */
  seatsFile?: string;
  /** Key → other names in common use (data/municipality-aliases.json), when shipped. */
  aliasesFile?: string;
}

const SKIP_WORDS = new Set(["de", "del", "la", "las", "los", "el", "y"]);

interface SearchEntry {
  municipality: Municipality;
  full: string;
  words: string[];
  /** Its words joined again (without the small ones: "ixtapan sal"). */
  joined: string;
  /** The official name (false: the seat's name or a common one). */
  official: boolean;
}

/** The titles a saint's name starts with («San Mateo Atenco»), which people leave out when they say it. */
const SAINTS = new Set(["san", "santa", "santo", "santiago"]);

/**
 * A name said without the saint's title it starts with («Mateo Atenco», «Felipe del Progreso»), when
 * two words or more are left and no municipality goes by them already (`taken`, normalised): «Santo
 * Tomás» is not «Tomás». Empty for any other name.
 */
function withoutSaint(name: string, taken: ReadonlySet<string>): string[] {
  const [first, ...rest] = name.trim().split(/\s+/);
  if (!SAINTS.has(normalize(first)) || rest.length < 2) return [];
  const short = rest.join(" ");
  return taken.has(normalize(short)) ? [] : [short];
}

/**
 * A name as it is typed in a hurry: without the little words inside it («Valle Chalco», «Ecatepec
 * Morelos», «San Felipe Progreso») and with «de» as «d» («Valle d Chalco»), when no municipality goes by
 * that already (`taken`, normalised). A little word that starts or ends the name stays («La Paz»).
 */
function hurried(name: string, taken: ReadonlySet<string>): string[] {
  const words = name.trim().split(/\s+/);
  const inside = (w: string, i: number) => i > 0 && i < words.length - 1 && SKIP_WORDS.has(normalize(w));
  if (!words.some(inside)) return [];
  const variants = [words.filter((w, i) => !inside(w, i)).join(" "), words.map((w, i) => (inside(w, i) && normalize(w) === "de" ? "d" : w)).join(" ")];
  return variants.filter((v) => v !== name && v.split(" ").length >= 2 && !taken.has(normalize(v)));
}

function entry(municipality: Municipality, name: string, official: boolean): SearchEntry {
  const full = normalize(name);
  const words = full.split(" ").filter((w) => !SKIP_WORDS.has(w));
  return { municipality, full, words, joined: words.join(" "), official };
}

export class Municipalities {
  private readonly byKey: Map<string, Municipality>;
  private readonly byPrefix: Map<string, Municipality>;
  private readonly entries: SearchEntry[];

  private readonly otherNames: ReadonlyMap<string, readonly string[]>;

  /** `otherNames`: key → the names besides the official one (seat, common names). */
  constructor(
    readonly list: readonly Municipality[],
    private readonly areas: readonly Area<Municipality>[],
    otherNames: Record<string, string[]> = {},
  ) {
    this.byKey = new Map(list.map((m) => [m.cvegeo, m]));
    this.byPrefix = new Map(list.map((m) => [m.folioPrefix, m]));
    const given = list.map((m) => ({ m, names: [m.name, ...(otherNames[m.cvegeo] ?? [])] }));
    const taken = new Set(given.flatMap(({ names }) => names.map(normalize)));
    this.otherNames = new Map(
      given.map(({ m, names }) => [
        m.cvegeo,
        [...new Set([...names.slice(1), ...names.flatMap((n) => [...withoutSaint(n, taken), ...hurried(n, taken)])])].filter(
          (n) => normalize(n) !== normalize(m.name),
        ),
      ]),
    );
    this.entries = list.flatMap((m) => [entry(m, m.name, true), ...(this.otherNames.get(m.cvegeo) ?? []).map((n) => entry(m, n, false))]);
  }

  /** Loads the shipped table, INEGI boundaries, seats and common names from `dataDir`. */
  static load(dataDir: string, source: MunicipalitySource): Municipalities {
    const list = tableSchema(source.municipalityKey).parse(JSON.parse(readFileSync(join(dataDir, source.municipalitiesFile), "utf8")));
    const json = (file: string | undefined) => (file ? JSON.parse(readFileSync(join(dataDir, file), "utf8")) : {});
    const seats = z.record(z.string().regex(source.municipalityKey), z.string().min(1)).parse(json(source.seatsFile));
    const aliases = z.record(z.string().regex(source.municipalityKey), z.array(z.string().min(1))).parse(json(source.aliasesFile));
    const otherNames: Record<string, string[]> = {};
    for (const m of list) otherNames[m.cvegeo] = [...(seats[m.cvegeo] ? [seats[m.cvegeo]] : []), ...(aliases[m.cvegeo] ?? [])];
    const geo = JSON.parse(readFileSync(join(dataDir, source.boundariesFile), "utf8")) as {
      features: { properties: { cvegeo: string }; geometry: { type: string; coordinates: unknown } }[];
    };
    const byKey = new Map(list.map((m) => [m.cvegeo, m]));
    const areas = geo.features.flatMap((f) => {
      const m = byKey.get(f.properties.cvegeo);
      return m ? [makeArea(m, f.geometry)] : [];
    });
    return new Municipalities(list, areas, otherNames);
  }

  /**
   * The first words that several municipalities' names begin with and that name none alone («Almoloya»:
   * Almoloya de Juárez, de Alquisiras, del Río), as written in the first of them. Written alone, such a word
   * means one of those, to be asked which. Short ones («San», «Villa», «Valle») are words of everything.
   */
  sharedFirstWords(): string[] {
    const named = new Set(this.entries.map((e) => e.full));
    const byWord = new Map<string, { written: string; count: number }>();
    for (const m of this.list) {
      const written = m.name.split(/\s+/)[0];
      const word = normalize(written);
      const seen = byWord.get(word);
      byWord.set(word, { written: seen?.written ?? written, count: (seen?.count ?? 0) + 1 });
    }
    return [...byWord].filter(([word, { count }]) => count > 1 && word.length >= SHARED_WORD_MIN && !named.has(word)).map(([, { written }]) => written);
  }

  /** Every name a municipality goes by: official first, then its seat's and common ones. */
  names(cvegeo: string): string[] {
    const m = this.byKey.get(cvegeo);
    return m ? [m.name, ...(this.otherNames.get(cvegeo) ?? [])] : [];
  }

  get(cvegeo: string): Municipality | undefined {
    return this.byKey.get(cvegeo);
  }

  /** The municipality's boundary as GeoJSON polygons (rings of [longitude, latitude]), for maps. */
  boundary(cvegeo: string): readonly (readonly (readonly number[])[])[][] | undefined {
    return this.areas.find((a) => a.value.cvegeo === cvegeo)?.polygons;
  }

  byFolioPrefix(prefix: string): Municipality | undefined {
    return this.byPrefix.get(prefix.toUpperCase());
  }

  /** The municipality containing the point, or undefined outside the state. */
  atPoint(latitude: number, longitude: number): Municipality | undefined {
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
    return locate(this.areas, longitude, latitude);
  }

  /**
   * Best matches for a typed name, best first. An exact name (accents and case aside) comes
   * first, with any other municipality whose first word it is; otherwise whole-name, word and prefix matches, then near spellings.
   */
  search(query: string, limit = 5): Municipality[] {
    const raw = normalize(query);
    const q = raw.replace(/^(municipio|mpio|ciudad)( de)? /, "");
    if (q.length < 3) return [];
    const named = (text: string) => this.entries.find((e) => e.full === text && e.official) ?? this.entries.find((e) => e.full === text);
    const exact = named(raw) ?? named(q);
    // "Atizapán" is a municipality and also how people call Atizapán de Zaragoza: offer both.
    // A seat's or common name ("Toluca de Lerdo", "Neza") names one municipality.
    if (exact && !exact.official) return [exact.municipality];
    if (exact) {
      const others = this.entries.filter((e) => e.official && e !== exact && this.certain(q, e));
      return [exact, ...others].map((e) => e.municipality).slice(0, limit);
    }
    const best = new Map<Municipality, number>();
    for (const e of this.entries) {
      const score = this.score(q, e);
      if (score < 1 && score < (best.get(e.municipality) ?? 1)) best.set(e.municipality, score);
    }
    const scored = [...best].map(([m, score]) => ({ m, score }));
    scored.sort((a, b) => a.score - b.score || b.m.population - a.m.population);
    // A clearly best match stands alone; otherwise the close ones are offered to pick from.
    if (scored.length > 1 && scored[1].score - scored[0].score >= 0.1) return [scored[0].m];
    return scored.slice(0, limit).map((s) => s.m);
  }

  /** Whether the query is the name's first word or its words (a score of 0). */
  private certain(q: string, e: SearchEntry): boolean {
    return e.words.length > 0 && (e.words[0] === q || e.joined === q);
  }

  /** 0 is a certain match, under 1 a plausible one; lower is better. */
  private score(q: string, e: SearchEntry): number {
    if (this.certain(q, e)) return 0;
    if (e.full.startsWith(q) || e.words.some((w) => w.startsWith(q) && q.length >= 4)) return 0.2;
    const whole = distance(q, e.full) / Math.max(q.length, e.full.length);
    const first = e.words.length ? distance(q, e.words[0]) / Math.max(q.length, e.words[0].length) : 1;
    const best = Math.min(whole, first);
    return best <= 0.25 ? 0.3 + best : 1;
  }
}

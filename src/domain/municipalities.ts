/**
 * The 125 municipalities of the Estado de México (INEGI): lookup by key, by a shared
 * location (point in polygon) and by a typed name (forgiving accents and typos).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { normalize } from "../util/text.js";
import { type Area, locate, makeArea } from "./geo.js";

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
}

const SKIP_WORDS = new Set(["de", "del", "la", "las", "los", "el", "y"]);

interface SearchEntry {
  municipality: Municipality;
  full: string;
  words: string[];
}

export class Municipalities {
  private readonly byKey: Map<string, Municipality>;
  private readonly byPrefix: Map<string, Municipality>;
  private readonly entries: SearchEntry[];

  constructor(
    readonly list: readonly Municipality[],
    private readonly areas: readonly Area<Municipality>[],
  ) {
    this.byKey = new Map(list.map((m) => [m.cvegeo, m]));
    this.byPrefix = new Map(list.map((m) => [m.folioPrefix, m]));
    this.entries = list.map((m) => {
      const full = normalize(m.name);
      return { municipality: m, full, words: full.split(" ").filter((w) => !SKIP_WORDS.has(w)) };
    });
  }

  /** Loads the shipped table and INEGI boundaries from `dataDir`. */
  static load(dataDir: string, source: MunicipalitySource): Municipalities {
    const list = tableSchema(source.municipalityKey).parse(JSON.parse(readFileSync(join(dataDir, source.municipalitiesFile), "utf8")));
    const geo = JSON.parse(readFileSync(join(dataDir, source.boundariesFile), "utf8")) as {
      features: { properties: { cvegeo: string }; geometry: { type: string; coordinates: unknown } }[];
    };
    const byKey = new Map(list.map((m) => [m.cvegeo, m]));
    const areas = geo.features.flatMap((f) => {
      const m = byKey.get(f.properties.cvegeo);
      return m ? [makeArea(m, f.geometry)] : [];
    });
    return new Municipalities(list, areas);
  }

  get(cvegeo: string): Municipality | undefined {
    return this.byKey.get(cvegeo);
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
    const q = normalize(query).replace(/^(municipio|mpio|ciudad)( de)? /, "");
    if (q.length < 3) return [];
    const exact = this.entries.find((e) => e.full === q);
    // "Atizapán" is a municipality and also how people call Atizapán de Zaragoza: offer both.
    if (exact) return [exact, ...this.entries.filter((e) => e !== exact && this.score(q, e) === 0)].map((e) => e.municipality).slice(0, limit);
    const scored: { m: Municipality; score: number }[] = [];
    for (const e of this.entries) {
      const score = this.score(q, e);
      if (score < 1) scored.push({ m: e.municipality, score });
    }
    scored.sort((a, b) => a.score - b.score || b.m.population - a.m.population);
    // A clearly best match stands alone; otherwise the close ones are offered to pick from.
    if (scored.length > 1 && scored[1].score - scored[0].score >= 0.1) return [scored[0].m];
    return scored.slice(0, limit).map((s) => s.m);
  }

  /** 0 is a certain match, under 1 a plausible one; lower is better. */
  private score(q: string, e: SearchEntry): number {
    if (e.words.length > 0 && (e.words[0] === q || e.words.join(" ") === q)) return 0;
    if (e.full.startsWith(q) || e.words.some((w) => w.startsWith(q) && q.length >= 4)) return 0.2;
    const whole = distance(q, e.full) / Math.max(q.length, e.full.length);
    const first = e.words.length ? distance(q, e.words[0]) / Math.max(q.length, e.words[0].length) : 1;
    const best = Math.min(whole, first);
    return best <= 0.25 ? 0.3 + best : 1;
  }
}

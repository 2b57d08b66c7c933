/**
 * The corpora the understanding learns from: data per language in locales/<lang>/nlu/, reviewed like
 * texts. intents.yaml (intent → phrases), entities.yaml (entity → value → words), emoji.yaml
 * (intent → emoji), streets.yaml (the words that make the name after them a street's). Entity words,
 * emoji and street words of every language are merged: they work in any language.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LANGUAGES, type Language } from "../locale/languages.js";
import { readConfigFile } from "../util/config-file.js";

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, "use lower case letters, digits and _");
const phrases = z.array(z.string().trim().min(1).max(200)).min(1);

const intentsSchema = z.record(name, phrases);
const entitiesSchema = z.record(name, z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), phrases));
const emojiSchema = z.record(name, phrases);
const streetsSchema = z.strictObject({
  before_a_name: phrases,
  names_follow: z.boolean().default(true),
  no_name_after: phrases.optional(),
  place_before: phrases.optional(),
});

export interface Corpus {
  /** Per language: intent → the phrases that express it. */
  intents: Record<Language, Record<string, string[]>>;
  /** Entity → value → the words that name it, from every language. */
  entities: Record<string, Record<string, string[]>>;
  /** Intent → the emoji that alone express it. */
  emoji: Record<string, string[]>;
  /**
   * Per language, the words after which a name is a street's or a neighbourhood's ("avenida Morelos"),
   * not a municipality's; kept apart, as a street word of one language is not a word of another
   * («calle» is not "call").
   */
  streetWordsOf: Record<Language, string[]>;
  /**
   * The street words after which a street's name is written as a rule («calle Hidalgo», «avenida
   * Juárez»): those of the languages whose streets.yaml says `names_follow` (not English: "Main Street").
   */
  streetWordsBeforeNames: string[];
  /** The words before a street word after which no name follows («mi calle», «esta colonia»), of every language. */
  noNameAfter: string[];
  /** The words that make what follows a place, not the problem («junto al bache», «en el camellón»), of every language. */
  placeBefore: string[];
}

/** The folder of one language's corpus. */
export const corpusDir = (localesDir: string, lang: Language) => join(localesDir, lang, "nlu");

function merge(into: Record<string, string[]>, from: Record<string, string[]>): void {
  for (const [key, list] of Object.entries(from)) into[key] = [...new Set([...(into[key] ?? []), ...list])];
}

/** Reads and checks every language's corpus; a bad file stops start-up naming the file and the path. */
export function loadCorpus(localesDir: string): Corpus {
  const corpus: Corpus = {
    intents: {} as Corpus["intents"],
    entities: {},
    emoji: {},
    streetWordsOf: {} as Corpus["streetWordsOf"],
    streetWordsBeforeNames: [],
    noNameAfter: [],
    placeBefore: [],
  };
  for (const lang of LANGUAGES) {
    const dir = corpusDir(localesDir, lang);
    corpus.intents[lang] = readConfigFile(join(dir, "intents.yaml"), intentsSchema);
    const entities = join(dir, "entities.yaml");
    if (existsSync(entities)) {
      for (const [entity, values] of Object.entries(readConfigFile(entities, entitiesSchema))) {
        corpus.entities[entity] ??= {};
        merge(corpus.entities[entity], values);
      }
    }
    const emoji = join(dir, "emoji.yaml");
    if (existsSync(emoji)) merge(corpus.emoji, readConfigFile(emoji, emojiSchema));
    const streets = join(dir, "streets.yaml");
    const street = existsSync(streets) ? readConfigFile(streets, streetsSchema) : undefined;
    corpus.streetWordsOf[lang] = street?.before_a_name ?? [];
    if (street?.names_follow) corpus.streetWordsBeforeNames.push(...street.before_a_name);
    corpus.noNameAfter.push(...(street?.no_name_after ?? []));
    corpus.placeBefore.push(...(street?.place_before ?? []));
  }
  return corpus;
}

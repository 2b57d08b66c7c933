/**
 * The corpora the understanding learns from: data per language in locales/<lang>/nlu/, reviewed like
 * texts. intents.yaml (intent → phrases), entities.yaml (entity → value → words), emoji.yaml
 * (intent → emoji), streets.yaml (the words that make the name after them a street's), places.yaml (the
 * types of problem whose words name where it is, and the words that are a type only there), irony.yaml
 * (what a thanks is for when it is a complaint), contrast.yaml (the words that say a thing named is not
 * the one meant: «es drenaje no agua»), shorthand.yaml (words as people text them: «q», «xq»), things.yaml
 * (names of things whose words say what the name does not: «salida de emergencia»). Entity
 * words, emoji, street, place and irony words of every language are merged: they work in any language.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LANGUAGES, type Language } from "../locale/languages.js";
import { ConfigFileError, readConfigFile } from "../util/config-file.js";
import { normalize } from "../util/text.js";
import type { Courtesies } from "./courtesy.js";
import { withOtherNumber } from "./number.js";

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
const placesSchema = z.strictObject({
  places: phrases,
  at_places: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), phrases).default({}),
  part_of: z.array(z.string().trim().min(1).max(40)).default([]),
});
const ironySchema = z.strictObject({ thanks_for: phrases, bad: phrases, negations: phrases.optional() });
/** A texted word → the word it stands for («q» → «que»): one word written without spaces, to one or more. */
const shorthandSchema = z.record(z.string().regex(/^[\p{L}\p{N}]+$/u, "one word, letters and digits"), z.string().trim().min(1).max(40));
const contrastSchema = z.strictObject({
  not: phrases,
  between: z.array(z.string().trim().min(1).max(40)).default([]),
  not_after: z.array(z.string().trim().min(1).max(40)).default([]),
  unfixed: z.array(z.string().trim().min(1).max(40)).default([]),
});
const oneWords = z.array(
  z
    .string()
    .trim()
    .regex(/^[\p{L}']+$/u, "one word"),
);
const asksSchema = z.strictObject({
  heads: phrases,
  verbs: oneWords.min(1),
  joins: phrases,
  reports: oneWords.default([]),
  duties: phrases.default([]),
  objects: oneWords.default([]),
  about: phrases.default([]),
  leads: oneWords.default([]),
  determiners: oneWords.default([]),
});
const courtesySchema = z.strictObject({
  greetings: phrases,
  clauses: phrases,
  closings: phrases.default([]),
  asks: asksSchema.optional(),
  salutations: phrases.default([]),
  signoffs: phrases.default([]),
});
const thingsSchema = z.strictObject({ things: phrases });

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
  /**
   * The words of a type of problem that name where a problem is rather than what fails («parque»,
   * «cancha», "park"), of every language: named with another type, the other is the problem.
   */
  places: string[];
  /** Type of problem → the words that name it only in a message that names one of `places` («luz»: «no hay luz en el parque»). */
  atPlaces: Record<string, string[]>;
  /** Words of a type that, said with another type, are part of that problem, not a second one («un bache lleno de agua»), of every language. */
  partOf: string[];
  /**
   * A thanks for something bad is a complaint («gracias por nada», «gracias por ignorarnos»): the words
   * that say what a thanks is for («por», "for"), and the words that make it bad («nada», «nunca»,
   * «ignorar»), of every language.
   */
  ironicThanks: { for: string[]; bad: string[]; negations: string[] };
  /**
   * A thing named right after one of `not` («no», "not"), one or two of `between` («es», «el») allowed
   * in between, is what the citizen says it is not, where the message names another of its kind («es
   * drenaje no agua»), of every language; and after one of `notAfter` that ends its clause («agua no, es drenaje»).
   * `unfixed`: the words that keep a message from saying a problem is fixed («pero», «sigue», «no»: «ya lo
   * taparon pero se volvió a abrir»).
   */
  contrast: { not: string[]; between: string[]; notAfter: string[]; unfixed: string[] };
  /**
   * Per language, what a message may open with before it says what it is about, left out of what the
   * classifier reads (courtesy.ts): greetings, wherever they come in the opening («hola buenas tardes …»), and
   * courtesies that count only as a clause of their own («todo bien?», «disculpe la molestia,»); and what it may
   * close with, as a clause of its own («…desde hace una semana. Agradecería su pronta atención.»); and the
   * question of whom or how to tell, opening or closing (`asks`: «¿con quién me quejo de que…?»).
   */
  courtesies: Record<Language, Courtesies>;
  /** Per language, a texted word (normalised) → what it stands for («q» → «que», "u" → "you"), for the classifier. */
  shorthand: Record<Language, Record<string, string>>;
  /**
   * Per language, names of things whose words would tell the classifier what the name does not say («la
   * salida de emergencia está bloqueada» tells of a door, not of an emergency now), normalised: left out of
   * what the classifier reads.
   */
  things: Record<Language, string[]>;
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
    places: [],
    atPlaces: {},
    partOf: [],
    ironicThanks: { for: [], bad: [], negations: [] },
    contrast: { not: [], between: [], notAfter: [], unfixed: [] },
    shorthand: {} as Corpus["shorthand"],
    courtesies: {} as Corpus["courtesies"],
    things: {} as Corpus["things"],
  };
  /** Where each place and each type of `at_places` was named, to say which file names an unknown one. */
  const placesFrom = new Map<string, string>();
  /** The language of the file each name of a type of problem came from (the first, when two name it). */
  const categoryLanguage = new Map<string, Language>();
  const atPlacesFrom = new Map<string, string>();
  for (const lang of LANGUAGES) {
    const dir = corpusDir(localesDir, lang);
    corpus.intents[lang] = readConfigFile(join(dir, "intents.yaml"), intentsSchema);
    const entities = join(dir, "entities.yaml");
    if (existsSync(entities)) {
      for (const [entity, values] of Object.entries(readConfigFile(entities, entitiesSchema))) {
        if (entity === "category") for (const name of Object.values(values).flat()) if (!categoryLanguage.has(name)) categoryLanguage.set(name, lang);
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
    const placesFile = join(dir, "places.yaml");
    if (existsSync(placesFile)) {
      const places = readConfigFile(placesFile, placesSchema);
      corpus.places.push(...places.places);
      corpus.partOf.push(...places.part_of);
      for (const place of places.places) placesFrom.set(place, placesFile);
      merge(corpus.atPlaces, places.at_places);
      for (const value of Object.keys(places.at_places)) atPlacesFrom.set(value, placesFile);
    }
    const ironyFile = join(dir, "irony.yaml");
    if (existsSync(ironyFile)) {
      const irony = readConfigFile(ironyFile, ironySchema);
      corpus.ironicThanks.for.push(...irony.thanks_for);
      corpus.ironicThanks.bad.push(...irony.bad);
      corpus.ironicThanks.negations.push(...(irony.negations ?? []));
    }
    const shorthandFile = join(dir, "shorthand.yaml");
    const shorthand = existsSync(shorthandFile) ? readConfigFile(shorthandFile, shorthandSchema) : {};
    corpus.shorthand[lang] = Object.fromEntries(Object.entries(shorthand).map(([word, full]) => [normalize(word), full]));
    const thingsFile = join(dir, "things.yaml");
    corpus.things[lang] = existsSync(thingsFile) ? readConfigFile(thingsFile, thingsSchema).things.map(normalize) : [];
    const courtesyFile = join(dir, "courtesy.yaml");
    corpus.courtesies[lang] = existsSync(courtesyFile) ? readConfigFile(courtesyFile, courtesySchema) : { greetings: [], clauses: [] };
    const contrastFile = join(dir, "contrast.yaml");
    if (existsSync(contrastFile)) {
      const contrast = readConfigFile(contrastFile, contrastSchema);
      corpus.contrast.not.push(...contrast.not);
      corpus.contrast.between.push(...contrast.between);
      corpus.contrast.notAfter.push(...contrast.not_after);
      corpus.contrast.unfixed.push(...contrast.unfixed);
    }
  }
  // A place is a word of a type of problem, and a word that names a type only at a place names a type entities.yaml knows.
  const categories = corpus.entities.category ?? {};
  const categoryWords = new Set(Object.values(categories).flat().map(normalize));
  for (const [place, file] of placesFrom) {
    if (!categoryWords.has(normalize(place))) throw new ConfigFileError(`${file}: places: «${place}» is not a word of a category of entities.yaml`);
  }
  for (const [value, file] of atPlacesFrom) {
    if (!(value in categories)) throw new ConfigFileError(`${file}: at_places.${value}: not a category of entities.yaml`);
  }
  // «perros muertos» names what «perro muerto» does.
  if (corpus.entities.category) {
    const others = Object.entries(corpus.entities).flatMap(([entity, values]) => (entity === "category" ? [] : Object.values(values).flat()));
    corpus.entities.category = withOtherNumber(corpus.entities.category, (name) => categoryLanguage.get(name) ?? LANGUAGES[0], others);
  }
  return corpus;
}

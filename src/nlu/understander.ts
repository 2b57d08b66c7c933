/**
 * Intent and entity understanding with nlp.js: trained at start-up from the corpora (locales/<lang>/nlu/)
 * and the municipalities' names, it turns a citizen's text into intents with a confidence and the
 * things it names (category, municipality, folio, region, topic, language). It decides nothing: the
 * engine does, from what it is handed.
 */
import { LangEn } from "@nlpjs/lang-en";
import { LangEs } from "@nlpjs/lang-es";
import { type EnumExtractor, type NerEdge, type NerRule, Nlp } from "@nlpjs/nlp";
import { distance } from "fastest-levenshtein";
import {
  ANNOYED,
  CONFIDENT,
  FRUSTRATED,
  type Mention,
  NO_READING,
  PRAISE,
  SIGNALS,
  type UnderstandOptions,
  type Understood,
  WHY_ASKED,
  WORKS,
} from "../engine/understanding.js";
import { LANGUAGES, type Language } from "../locale/languages.js";
import { isQuestion, normalize } from "../util/text.js";
import type { Corpus } from "./corpus.js";
import { Courtesy, endsClause } from "./courtesy.js";
import type { ModelCache } from "./model-cache.js";
import { textForgetter } from "./nlpjs-memory.js";

/** Entities whose names streets also bear ("avenida Morelos", "av. Tecnológico"): after a street word, the street's. */
const NAMED_STREETS = new Set(["municipality", "topic", "region", "language"]);

/** Only the start of a long message is read for what it asks: intents are said early, and the cost stays bounded. */
export const MAX_UNDERSTOOD = 300;
/**
 * What a message names is read further, as far as a description may go: a long, polite account names its
 * municipality last («…en la colonia San Miguel, en Metepec. Le agradecería mucho su ayuda.»). The names are
 * looked up span by span (exactly, past FUZZY_MAX_WORDS words), so the cost grows with the length, bounded here.
 */
export const MAX_NAMED = 1000;
/**
 * Short texts without digits whose reading is remembered (Understander.understand), and how many: the
 * answers everybody gives ("sí", "omitir", a municipality), in memory only, never a phone number.
 */
const REMEMBERED_LENGTH = 30;
const REMEMBERED = 5000;

function freeze(u: Understood): Understood {
  for (const intent of u.intents) Object.freeze(intent);
  for (const mention of Object.values(u.entities)) Object.freeze(mention);
  Object.freeze(u.intents);
  Object.freeze(u.entities);
  return Object.freeze(u);
}
/** The signal that the problem told is fixed already (entities.yaml `fixed`): the message is read as the intent of that name. */
const FIXED = "fixed";
/** The signal of not knowing («no sé»): short, it counts only where it ends its clause (see `fitting`). */
const UNSURE = "unsure";
/** The signal of a problem still there («sigue igual», «quedó mal»): a message that says it says nothing is fixed. */
const STILL = "still";
/**
 * Words a message may have at most to be taken for annoyance (ANNOYED) on one of its signal's words alone
 * (naming nothing, saying nothing else): longer, it tells something.
 */
const ANNOYED_WORDS = 6;
/**
 * Whether a message asks, with a question mark or without one: a tail that asks («ya lo arreglaron o qué», «…o no»,
 * "…or not") or, in English, a question's inverted opening ("did they fix it yet").
 */
function asksInWords(utterance: string): boolean {
  if (isQuestion(utterance)) return true;
  const said = normalize(utterance);
  return QUESTION_TAIL.test(said) || QUESTION_HEAD.test(said);
}
const QUESTION_TAIL = / (o que|o q|o k|o no|or not)$/;
const QUESTION_HEAD = /^(did|does|do|is|are|was|were|has|have|will|can|could) (they|it|you|he|she|we|someone|anyone|somebody|anybody|the|my|this|that)\b/;

/** The same for frustration with the government (FRUSTRATED: «ya estoy harto de que no hagan nada»), said in more words. */
const FRUSTRATED_WORDS = 10;
/** What frustration is read as even surely, and is not: learning («qué asco de gobierno»), help («¿para qué reporto?»), cancelling («ya estoy harto»), nothing. */
const FRUSTRATION_MISREAD = new Set(["learn", "help", "cancel", NO_READING]);

/**
 * Entities of which, named twice, the first is meant: the problem comes before what it causes or what it
 * is next to («se tapó el drenaje y se mete el agua»), unless it is named as the place (`placed`: «en el
 * camellón hay una fuga de agua», «hay basura junto al bache»). Of the others the last is (an address ends
 * with its town).
 */
const CATEGORY = "category";
const FIRST_NAMED = new Set([CATEGORY]);

/**
 * The entity, known to the understanding only, of the words that name a type of problem only where a
 * place is named (places.yaml `at_places`: «luz»): in a message that names a place («no hay luz en el
 * parque») they are that type, elsewhere nothing («se fue la luz» is the power at home). Its name is no
 * corpus entity's (those are written in lower case letters, digits and _).
 */
const AT_PLACE = "category-at-place";

/**
 * Intents asked for in a few words («menú», «volver al inicio», «ayuda»), whose own words decide nothing
 * in a message of LONG_MESSAGE_WORDS or more that names a type of problem: there they are a place («la
 * esquina del menú de la fonda»), or come before what the message asks («menú, quiero ver cómo va mi
 * reporte del bache…»), and the classifier, which learnt them as whole phrases, read the menu (1.00) in
 * both. The words only their phrases use are left out of what it reads in such a message
 * (`forClassifier`); anywhere else («quiero regresar al menú principal para ver las otras opciones»)
 * they are read as always.
 */
const COMMANDS = new Set(["menu", "help"]);
const LONG_MESSAGE_WORDS = 9;
/** What a problem's type becomes in the text the classifier reads: the command words are left out of such a message only. */
const TOLD_MARK = "@category";

/** Words of a language's own a text needs, and none of another's, for its language to be told (`writtenIn`). */
const WRITTEN_MIN_WORDS = 3;

/** Shorter words of a municipality's name («san», «del», «oro») are left to the classifier. */
const PLACE_WORD_MIN_LENGTH = 4;

/** Messages longer than this many words are searched for exact names only (the approximate search grows with length). */
const FUZZY_MAX_WORDS = 12;

/** Words after the greetings a message opens with from which they are what it says (`reading`). */
const REST_WORDS = 3;
/** Words before the courtesies a message closes with from which they are what it says, even read as nothing (`reading`). */
const READ_ALONE_WORDS = 8;
/**
 * Intents whose phrases, written alone, tell the language (`writtenIn`): a greeting («hello») opens a
 * conversation, and is all it says. Not acknowledgements («ok») nor insults («shut up»): Spanish has them too.
 */
const TELLING_INTENTS = ["greeting"];
/** Letters a phrase of one word needs to tell its language: «hi», «hey» are typed in Spanish too, «hello» less. */
const TELLING_WORD_MIN = 4;

/** The intent and the entity that tell of a danger (their words are never a street's name). */
const EMERGENCY_INTENT = "emergency";
const DANGER_ENTITY = "danger";
/** The shortest stem an intent's phrases share with one other intent's and still count as their own (see `ownStemsOf`). */
const OWN_SHARED_MIN = 4;

const EMPTY: ReadonlySet<string> = new Set();

/** What the classifier read (`Understander.reading`): its intents, in which locale, and the text it was given. */
interface Reading {
  intents: Understood["intents"];
  /** The language it was read in, and nlp.js's name for it. */
  lang: Language;
  locale: string;
  read: string;
  /** Its only question is whom, where or how to tell what it tells (`Understood.asksHow`). */
  asksHow?: true;
  /** It opens or closes with courtesies (then `Understood.told` is what it tells). */
  courteous?: true;
}

/** What nlp.js's classifier of one language knows of its phrases: each one's stems (sorted, joined) and intent. */
interface StemmedPhrases {
  stemDict: Record<string, { intent: string }>;
  generateStemKey(text: string): Promise<string>;
}
/** How many first letters two words share to be taken for one word's forms («golpean», «golpeando»). */
const DANGER_PREFIX = 5;

/** The intent a thanks for something bad is not (see `withoutIronicThanks`). */
const THANKS_INTENT = "thanks";
/** The longest little word («su», «la», "the") between what a thanks is for and the word that makes it bad. */
const LITTLE_WORD = 3;
/** How many little words may come between them. */
const LITTLE_WORDS = 2;

/** The most words a street's name is taken to have after its street word («5 de mayo»). */
const STREET_NAME_WORDS = 3;
/** A house's number as it follows a street's name, normalised («12», «12a», «12-b»). */
const HOUSE_NUMBER = /^\d{1,5}(?:-?[a-z])?$/;

/** The shortest word `closeEnough` lets be written with a slip. */
const SLIP_MIN_LENGTH = 7;

/** The shortest word that may be written as it sounds (`soundsLike`) instead of as it is spelt. */
const SOUND_MIN_LENGTH = 5;

/** The letters after which an h is not said («ahora» is «aora»). */
const VOWELS: ReadonlySet<string> = new Set("aeiou");

/**
 * A word as Spanish speakers hear it (normalised text in): the letters that sound alike written one way —
 * b and v, s, z and a soft c, y and ll, an h that starts a word or follows a vowel (not «ch», nor English
 * "trash", which would be «tras»), k for a hard c and qu — so that «vache» is «bache»,
 * «basura» «vasura» and «kalle» «calle». Spelling by ear is the commonest slip in short words, where
 * one letter is too much to let pass otherwise.
 */
export function soundsLike(word: string): string {
  if (!/[lhqcvz]/.test(word)) return word;
  // First «ll» as «y» and the silent h left out, as the rest reads what they leave («quhe» is «que», «ke»)…
  let spoken = "";
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    if (c === "l" && word[i + 1] === "l") {
      spoken += "y";
      i++;
    } else if (c !== "h" || (i > 0 && !VOWELS.has(word[i - 1]))) spoken += c;
  }
  // …then qu and c as k or s, v as b, z as s.
  let sounded = "";
  for (let i = 0; i < spoken.length; i++) {
    const c = spoken[i];
    const next = spoken[i + 1];
    if (c === "q" && next === "u" && (spoken[i + 2] === "e" || spoken[i + 2] === "i")) {
      sounded += "k";
      i++;
    } else if (c === "c") sounded += next === "e" || next === "i" ? "s" : "k";
    else if (c === "v") sounded += "b";
    else if (c === "z") sounded += "s";
    else sounded += c;
  }
  return sounded;
}

/** How sure a name written as it sounds is: less than one written as it is, which wins over it. */
const SOUND_ACCURACY = 0.95;

/** A word as it sounds when it is long enough for that to tell (SOUND_MIN_LENGTH), as it is otherwise. */
function heard(word: string): string {
  return word.length >= SOUND_MIN_LENGTH ? soundsLike(word) : word;
}

/** Whether `written` is `name` as it sounds, `name` long enough for that to tell (SOUND_MIN_LENGTH). */
const soundsAs = (written: string, name: string) => name.length >= SOUND_MIN_LENGTH && heard(written) === heard(name);

/**
 * Whether `written` may stand for `name` despite a slip: the same number of words, and each one that
 * differs is long enough to be recognisable (7 letters for one slip, 10 for two): "metepek" is Metepec,
 * "noches" is not "moches", "right" is not "light".
 */
export function closeEnough(written: string, name: string): boolean {
  const a = normalize(written).split(" ");
  const b = normalize(name).split(" ");
  if (a.length !== b.length) return false;
  return a.every((w, i) => {
    if (w === b[i] || soundsAs(w, b[i])) return true;
    const d = distance(w, b[i]);
    return (b[i].length >= SLIP_MIN_LENGTH && d <= 1) || (b[i].length >= 10 && d <= 2);
  });
}

export interface UnderstanderOptions {
  corpus: Corpus;
  /** Municipality key → every name it goes by (official name, seat, common names). */
  municipalities: Record<string, string[]>;
  /** How a folio looks inside a text (global), and how a found one is written (undefined: not a folio). */
  folio: { pattern: RegExp; read(text: string): string | undefined };
  /** Where the trained classifier is kept between starts (none: trained every time). */
  cache?: ModelCache;
}

const nlpLocale = (lang: Language) => lang.split("-")[0];
const NLP_LOCALES = LANGUAGES.map(nlpLocale);
/** nlp.js's settings (a new object each time: nlp.js keeps and fills the one it is given). */
const nlpSettings = () => ({ languages: NLP_LOCALES, autoSave: false, autoLoad: false, nlu: { log: false }, calculateSentiment: false });
/** How a kept model is learnt beyond its phrases, names and settings: bumped when that changes, so kept models are trained again. */
const MODEL_FORMAT = 1;

/**
 * Makes `model` (a classifier as kept) nlp.js's classifier: "unreadable" when it is not one (nlp.js
 * untouched), "broken" when nlp.js failed half way through it.
 */
function restore(nlp: Nlp, model: string): "restored" | "unreadable" | "broken" {
  let json: { locales?: unknown; domainManagers?: Record<string, unknown> };
  try {
    json = JSON.parse(model);
  } catch {
    return "unreadable";
  }
  const locales = json?.locales;
  const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object";
  const whole = (m: unknown) => isObject(m) && isObject(m.domains) && isObject(m.stemDict) && isObject(m.intentDict);
  if (!Array.isArray(locales) || !NLP_LOCALES.every((l) => locales.includes(l) && whole(json.domainManagers?.[l]))) return "unreadable";
  try {
    nlp.nluManager.addLanguage(NLP_LOCALES);
    nlp.nluManager.fromJSON(json);
    return "restored";
  } catch {
    return "broken";
  }
}

const GRAPHEMES = new Intl.Segmenter("und", { granularity: "grapheme" });

/** A message made only of emoji (and spaces): its emoji, one per grapheme. */
function emojiOnly(text: string): string[] | undefined {
  const compact = text.replace(/\s+/g, "");
  if (!compact || /[\p{L}\p{N}]/u.test(compact)) return undefined;
  const graphemes = [...GRAPHEMES.segment(compact)].map((s) => s.segment.replace(/\ufe0f/g, ""));
  return graphemes.every((g) => /^\p{Extended_Pictographic}/u.test(g) || /^\p{Regional_Indicator}/u.test(g)) ? graphemes : undefined;
}

/** A name of a rule as `mayResemble` reads it, and where it comes in the rule (option by option). */
interface ResemblingName {
  option: string;
  text: string;
  words: string[];
  order: number;
}

/** A rule's names by the first of their short words, and those of long words only by the length of their first. */
interface ShortWordIndex {
  byWord: Map<string, ResemblingName[]>;
  longOnly: Map<number, ResemblingName[]>;
}

/**
 * Whether a name (its words, normalised) could be `closeEnough` to some words of the message (`written`,
 * and the same as a set): its short words are there as written, its long ones nearly. (Names written as
 * they sound are found apart, `bySound`.)
 */
function mayResemble(written: string[], present: ReadonlySet<string>, name: string[]): boolean {
  let exact = true;
  for (const w of name) {
    if (present.has(w)) continue;
    exact = false;
    if (w.length < SLIP_MIN_LENGTH) return false;
    const slips = w.length >= 10 ? 2 : 1;
    let near = false;
    for (const m of written) {
      if (Math.abs(m.length - w.length) <= slips && distance(m, w) <= slips) {
        near = true;
        break;
      }
    }
    if (!near) return false;
  }
  return !exact; // an exact mention is found by the exact search already
}

type WordPosition = ReturnType<EnumExtractor["getWordPositions"]>[number];

/** Every rule's names by their folded text. */
function allNames(rules: readonly NerRule[], extractor: EnumExtractor): AllNames {
  const names: AllNames = { byText: new Map(), bySound: new Map(), textPrefixes: new Set(), soundPrefixes: new Set(), span: 1 };
  for (const [index, rule] of rules.entries()) {
    const own = new Map<string, NameEntry>();
    for (const { option, texts } of rule.rules) {
      for (const text of texts) {
        const key = extractor.normalize(text);
        let entry = own.get(key);
        if (!entry) {
          entry = { rule: index, options: [], source: text };
          own.set(key, entry);
          const all = names.byText.get(key);
          if (all) all.push(entry);
          else names.byText.set(key, [entry]);
          const sounds = key.split(" ").map(heard);
          const sound = sounds.join(" ");
          const alike = names.bySound.get(sound);
          if (alike) alike.push(entry);
          else names.bySound.set(sound, [entry]);
          // What a shorter span of a longer name may be, as `lookUp` builds its keys: a span none begins ends the search from its first word.
          for (let n = 1; n < key.length; n++) names.textPrefixes.add(key.slice(0, n));
          for (let n = 1; n < sounds.length; n++) names.soundPrefixes.add(sounds.slice(0, n).join(" "));
        }
        entry.options.push(option);
        // nlp.js keeps the last text written this way as the mention's source.
        entry.source = text;
        names.span = Math.max(names.span, extractor.getWordPositions(key).length);
      }
    }
  }
  return names;
}

/** A rule's names by the first of their words too short to be written with a slip, or by the length of the first of their long words. */
function byShortWord(rule: NerRule): ShortWordIndex {
  const names: ShortWordIndex = { byWord: new Map(), longOnly: new Map() };
  const add = <K>(map: Map<K, ResemblingName[]>, key: K, name: ResemblingName) => {
    const list = map.get(key);
    if (list) list.push(name);
    else map.set(key, [name]);
  };
  let order = 0;
  for (const { option, texts } of rule.rules) {
    for (const text of texts) {
      const name: ResemblingName = { option, text, words: normalize(text).split(" "), order: order++ };
      const short = name.words.find((w) => w.length < SLIP_MIN_LENGTH);
      if (short === undefined) add(names.longOnly, name.words[0].length, name);
      else add(names.byWord, short, name);
    }
  }
  return names;
}

/**
 * Every rule's names by their folded text, with the rule (its index) and options each stands for,
 * and how many words the longest spans.
 */
interface AllNames {
  byText: Map<string, NameEntry[]>;
  /** The same by how their words sound (`heard`): «vache», «basura» written «vasura». */
  bySound: Map<string, NameEntry[]>;
  /** Every beginning of a name's folded text, shorter than it («san mateo» of «san mateo atenco»). */
  textPrefixes: Set<string>;
  /** The first words of the names of two words or more as they sound, one word or more short of the whole («san mateo»). */
  soundPrefixes: Set<string>;
  span: number;
}

/** A name as the search finds it: its rule (by index), the options it stands for, its text as written in the rule. */
interface NameEntry {
  rule: number;
  options: string[];
  source: string;
}

export class Understander {
  private readonly emoji = new Map<string, string>();
  private readonly extractor: EnumExtractor;
  private readonly rules: NerRule[];
  /** The rules' names, for the exact search (`exact`) and the approximate one (`resembling`): made once, the rules do not change. */
  private readonly names: AllNames;
  private readonly shortWords: ShortWordIndex[];
  /** nlp.js keeps every text it reads for an hour: forgotten once read (nlpjs-memory.ts). */
  private readonly forgetTexts: (words?: "and words") => void;
  /** Words after which a name is a street's (streets.yaml), normalised. */
  private readonly streetWords: ReadonlySet<string>;
  /** The street words as they sound (`soundsLike`, words of SOUND_MIN_LENGTH or more): what `streetWordEndsAt` compares. */
  private readonly streetSounds: ReadonlySet<string>;
  /** The same, of the street words a name follows as a rule (`withoutStreetNames`). */
  private readonly beforeNames: ReadonlySet<string>;
  /** Per language, the street words of the other languages only (one word each). */
  private readonly foreignStreetWords = new Map<Language, ReadonlySet<string>>();
  /** Per language, the words its phrases use other than as a street's name: what a street's name is not. */
  private readonly notNames = new Map<Language, ReadonlySet<string>>();
  /**
   * The first letters (DANGER_PREFIX) of the words that tell of a danger (the `emergency` phrases, the
   * `danger` names): a word after a street word that starts so is never taken for its name («en mi calle
   * golpean a una mujer», «en el barrio mataron a un señor» keep what tells the danger).
   */
  private readonly dangerStarts: ReadonlySet<string>;
  /**
   * Per locale, the stems each intent's phrases have and (nearly) no other intent's (`ownStemsOf`): what a
   * reading as an emergency must share with the text (`withoutBareEmergency`), and a reading that is no guess
   * (`unsupported`). Made from the classifier's own phrases, once it is trained or read back.
   */
  private readonly ownStems = new Map<string, Map<string, Set<string>>>();
  /** The words before a street word after which no name follows (streets.yaml `no_name_after`: «mi calle»). */
  private readonly noNameAfter: ReadonlySet<string>;
  /** The words that make what follows a place (streets.yaml `place_before`: «junto al bache»). */
  private readonly placeBefore: ReadonlySet<string>;
  /** The words of a type of problem that name where it is (places.yaml `places`: «parque»), normalised. */
  private readonly places: ReadonlySet<string>;
  /** What a thanks is for (irony.yaml `thanks_for`: «por»), normalised. */
  private readonly thanksFor: ReadonlySet<string>;
  /** The words that make a thanks a complaint (irony.yaml `bad`), normalised: the short ones whole, the others by their first letters (DANGER_PREFIX). */
  private readonly badWords: ReadonlySet<string>;
  private readonly badStarts: ReadonlySet<string>;
  /** The words that deny the bad word after them (irony.yaml `negations`: «no»), normalised. */
  private readonly negations: ReadonlySet<string>;
  /** Words of a type that, said with another, are part of it, never a second problem (places.yaml `part_of`: «agua»), normalised. */
  private readonly partOf: ReadonlySet<string>;
  /** The words that say the thing named after them is not the one meant (contrast.yaml `not`), and those that may come between (`between`). */
  private readonly notBefore: ReadonlySet<string>;
  private readonly notBetween: ReadonlySet<string>;
  /** The words that, right after a thing and ending its clause, say it is not the one meant (contrast.yaml `not_after`: «agua no, …»). */
  private readonly notAfter: ReadonlySet<string>;
  /** The words that keep a message from saying a problem is fixed (contrast.yaml `unfixed`: «pero», «sigue»), normalised. */
  private readonly unfixed: readonly string[];
  /** The phrases that say a problem is fixed, normalised, longest first: their own words («sigue funcionando bien») are no `unfixed`. */
  private readonly fixedPhrases: readonly string[];
  /** Per language, the words only the municipalities' names use (see `forClassifier`). */
  private readonly placeWords = new Map<Language, ReadonlySet<string>>();
  /** Per language, the words only the phrases of COMMANDS use (see `forClassifier`). */
  private readonly commandWords = new Map<Language, ReadonlySet<string>>();
  /** Per language, the words of its phrases no other language's phrases use (see `writtenIn`). */
  private readonly ownWords = new Map<Language, ReadonlySet<string>>();
  /**
   * Per language, the phrases of TELLING_INTENTS that no other language's phrases say («hello», «buenas
   * tardes»; not «hey»): one alone tells the language it is written in (see `writtenIn`).
   */
  private readonly ownPhrases = new Map<Language, ReadonlySet<string>>();
  /** Per language, the greetings and courtesies a message opens with, left out of what the classifier reads (courtesy.ts). */
  private readonly courtesy = new Map<Language, Courtesy>();
  /** Per language, the words of each name of a thing left out of what the classifier reads (things.yaml, see `forClassifier`). */
  private readonly thingWords = new Map<Language, Phrases>();

  private constructor(
    private readonly nlp: Nlp,
    private readonly options: UnderstanderOptions,
  ) {
    this.extractor = nlp.container.get("extract-enum") as EnumExtractor;
    this.forgetTexts = textForgetter(nlp);
    for (const lang of LANGUAGES) this.thingWords.set(lang, phrasesOf(options.corpus.things[lang] ?? []));
    this.rules = nlp.ner.getRules("*").filter((r) => r.type === "enum");
    this.names = allNames(this.rules, this.extractor);
    this.shortWords = this.rules.map(byShortWord);
    for (const [intent, list] of Object.entries(options.corpus.emoji)) for (const e of list) this.emoji.set(e.replace(/\ufe0f/g, ""), intent);
    // Any language's street word names a street in any message ("Spanish words work here too").
    this.streetWords = new Set(Object.values(options.corpus.streetWordsOf).flat().map(normalize));
    const sounds = (phrases: Iterable<string>) => new Set(Array.from(phrases, (phrase) => phrase.split(" ").map(heard).join(" ")));
    this.streetSounds = sounds(this.streetWords);
    this.beforeNames = sounds(options.corpus.streetWordsBeforeNames.map(normalize));
    for (const lang of LANGUAGES) {
      const own = new Set((options.corpus.streetWordsOf[lang] ?? []).map(normalize));
      this.foreignStreetWords.set(lang, new Set([...this.streetWords].filter((w) => !own.has(w) && !w.includes(" "))));
    }
    // A word of a municipality's name that no phrase of the language and no other name uses.
    const wordsOf = (texts: string[]) => new Set(texts.flatMap((t) => normalize(t).split(" ")));
    const named = wordsOf(Object.values(options.corpus.entities).flatMap((values) => Object.values(values).flat()));
    const places = [...wordsOf(Object.values(options.municipalities).flat())].filter((w) => w.length >= PLACE_WORD_MIN_LENGTH && !named.has(w));
    const dangerWords = wordsOf([
      ...LANGUAGES.flatMap((lang) => options.corpus.intents[lang]?.[EMERGENCY_INTENT] ?? []),
      ...Object.values(options.corpus.entities[DANGER_ENTITY] ?? {}).flat(),
    ]);
    this.noNameAfter = new Set(options.corpus.noNameAfter.map(normalize));
    this.placeBefore = new Set(options.corpus.placeBefore.map(normalize));
    this.places = new Set(options.corpus.places.map(normalize));
    this.partOf = new Set(options.corpus.partOf.map(normalize));
    this.thanksFor = new Set(options.corpus.ironicThanks.for.map(normalize));
    const bad = options.corpus.ironicThanks.bad.map(normalize);
    this.badWords = new Set(bad.filter((w) => w.length < DANGER_PREFIX));
    this.badStarts = new Set(bad.filter((w) => w.length >= DANGER_PREFIX).map((w) => w.slice(0, DANGER_PREFIX)));
    this.negations = new Set(options.corpus.ironicThanks.negations.map(normalize));
    this.notBefore = new Set(options.corpus.contrast.not.map(normalize));
    this.notBetween = new Set(options.corpus.contrast.between.map(normalize));
    this.notAfter = new Set(options.corpus.contrast.notAfter.map(normalize));
    this.unfixed = options.corpus.contrast.unfixed.map(normalize);
    this.fixedPhrases = [FIXED, WORKS, PRAISE]
      .flatMap((entity) => Object.values(options.corpus.entities[entity] ?? {}))
      .flat()
      .map(normalize)
      .sort((a, b) => b.length - a.length);
    this.dangerStarts = new Set([...dangerWords].filter((w) => w.length >= DANGER_PREFIX).map((w) => w.slice(0, DANGER_PREFIX)));
    // Each language's words, those of its phrases (what `ownWords` compares across languages).
    const vocabulary = new Map<Language, Set<string>>();
    for (const lang of LANGUAGES) {
      const phrases = options.corpus.intents[lang] ?? {};
      const all = Object.values(phrases).flat();
      const used = wordsOf(all);
      vocabulary.set(lang, used);
      this.notNames.set(lang, this.usedNotAsNames(all));
      this.placeWords.set(lang, new Set(places.filter((w) => !used.has(w))));
      this.courtesy.set(lang, new Courtesy(options.corpus.courtesies[lang] ?? { greetings: [], clauses: [] }));
      const others = wordsOf(Object.entries(phrases).flatMap(([intent, list]) => (COMMANDS.has(intent) ? [] : list)));
      const commands = wordsOf(Object.entries(phrases).flatMap(([intent, list]) => (COMMANDS.has(intent) ? list : [])));
      this.commandWords.set(lang, new Set([...commands].filter((w) => !others.has(w))));
    }
    for (const [lang, used] of vocabulary) {
      const elsewhere = new Set([...vocabulary].filter(([l]) => l !== lang).flatMap(([, words]) => [...words]));
      this.ownWords.set(lang, new Set([...used].filter((w) => !elsewhere.has(w) && !w.startsWith("@"))));
      const othersSay = new Set(
        LANGUAGES.filter((l) => l !== lang).flatMap((l) =>
          Object.values(options.corpus.intents[l] ?? {})
            .flat()
            .map(normalize),
        ),
      );
      const telling = TELLING_INTENTS.flatMap((intent) => options.corpus.intents[lang]?.[intent] ?? []).map(normalize);
      this.ownPhrases.set(lang, new Set(telling.filter((g) => !othersSay.has(g) && (g.includes(" ") || g.length >= TELLING_WORD_MIN))));
    }
  }

  /** Trains a model on the corpora (a second or so; see bench/nlu.ts). */
  static async train(options: UnderstanderOptions): Promise<Understander> {
    const nlp = new Nlp(nlpSettings());
    nlp.container.use(LangEs);
    nlp.container.use(LangEn);
    const entities = { ...options.corpus.entities, municipality: options.municipalities, [AT_PLACE]: options.corpus.atPlaces };
    for (const [entity, values] of Object.entries(entities)) {
      for (const [value, words] of Object.entries(values)) nlp.addNerRuleOptionTexts("*", entity, value, words);
    }
    const understander = new Understander(nlp, options);
    // Each phrase is learnt as written and with the things it names made generic ("no hay agua en
    // Toluca" also as "@category en @municipality"), the form messages are classified in.
    const learnt: [string, string, string][] = [];
    for (const lang of LANGUAGES) {
      const locale = nlpLocale(lang);
      for (const [intent, phrases] of Object.entries(options.corpus.intents[lang])) {
        for (const phrase of phrases) {
          learnt.push([locale, phrase, intent]);
          const generic = understander.substitute(phrase, await understander.mentions(phrase, false));
          if (generic !== phrase) learnt.push([locale, generic, intent]);
          // And without the names of streets, as messages are read: «calle Juárez 10, colonia Centro» as «calle colonia».
          const nameless = understander.withoutStreetNames(generic, lang);
          if (nameless !== generic && nameless) learnt.push([locale, nameless, intent]);
        }
      }
    }
    for (const [locale, phrase, intent] of learnt) nlp.addDocument(locale, phrase, intent);
    // The classifier learnt from the same phrases and names before, when kept (model-cache.ts).
    const material = { format: MODEL_FORMAT, settings: nlpSettings(), learnt, entities };
    const kept = await options.cache?.read(material);
    const outcome = kept ? restore(nlp, kept) : "unreadable";
    if (outcome === "restored") return understander;
    // Half read into nlp.js: trained from the start, with nothing of it.
    if (outcome === "broken" && options.cache) return Understander.train({ ...options, cache: { read: async () => null, write: options.cache.write } });
    await nlp.train();
    await options.cache?.write(material, JSON.stringify(nlp.nluManager.toJSON()));
    return understander;
  }

  /**
   * What a text says, read in the conversation's language (and in the other ones when that is not sure).
   * The same short text in the same language always reads the same: the last REMEMBERED of them are
   * remembered ("sí", "omitir", a municipality's name come again and again), frozen so no reader changes them.
   */
  async understand(text: string, lang: Language, options: UnderstandOptions = {}): Promise<Understood> {
    const utterance = text.slice(0, MAX_NAMED).trim();
    const weighed = options.weighGuess === true;
    if (utterance.length > REMEMBERED_LENGTH || /\d/.test(utterance)) return this.read(utterance, lang, weighed);
    const key = `${lang}\u0000${weighed ? "w" : ""}\u0000${utterance}`;
    const known = this.remembered.get(key);
    if (known) {
      // Most recently used last: the oldest goes first when the memory is full.
      this.remembered.delete(key);
      this.remembered.set(key, known);
      return known;
    }
    const read = freeze(await this.read(utterance, lang, weighed));
    this.remembered.set(key, read);
    if (this.remembered.size > REMEMBERED) this.remembered.delete(this.remembered.keys().next().value as string);
    return read;
  }

  private readonly remembered = new Map<string, Understood>();

  /**
   * The language a text is written in, when it says so clearly: a greeting that only one language's phrases
   * say, alone («hello», «buenas tardes»: `ownPhrases`); or nlp.js's guess by letter groups agrees,
   * and WRITTEN_MIN_WORDS of its words are that language's own (its phrases use them, no other language's
   * do), while none is another's. Names, brands and borrowed words count for neither («el parking del
   * Walmart tiene baches» is Spanish: «el», «del», «tiene»), and a text that mixes («Good morning, hay un
   * bache en mi calle») stays in the conversation's language.
   */
  async writtenIn(text: string): Promise<Language | undefined> {
    const utterance = text.slice(0, MAX_UNDERSTOOD).trim();
    if (!/\p{L}/u.test(utterance)) return undefined;
    const words = this.substitute(utterance, await this.mentions(utterance))
      .split(/\s+/)
      .filter((w) => /\p{L}/u.test(w) && !w.startsWith("@"))
      .map(normalize);
    // A greeting alone says little, but which language it is in: «hello» is answered in English.
    const told = LANGUAGES.filter((lang) => this.ownPhrases.get(lang)?.has(words.join(" ")));
    if (told.length === 1) return told[0];
    const own = LANGUAGES.map((lang) => ({ lang, count: words.filter((w) => this.ownWords.get(lang)?.has(w)).length }));
    const clear = own.filter((o) => o.count > 0);
    if (clear.length !== 1 || clear[0].count < WRITTEN_MIN_WORDS) return undefined;
    const guessed = LANGUAGES.find((l) => nlpLocale(l) === this.guessLanguage(words.join(" ")));
    return guessed === clear[0].lang ? guessed : undefined;
  }

  /**
   * Forgets every remembered reading and every word nlp.js's stemmers kept (a citizen's data was
   * erased: some of these texts may be theirs).
   */
  forget(): void {
    this.remembered.clear();
    this.forgetTexts("and words");
  }

  private async read(utterance: string, lang: Language, weighed: boolean): Promise<Understood> {
    const emoji = emojiOnly(utterance);
    if (emoji) return this.fromEmoji(emoji);
    // Without a letter ("1", "?", "") there are no words to understand; a folio without its letters («2026-000001») is still one.
    if (!/\p{L}/u.test(utterance)) return { intents: [], entities: this.folioAlone(utterance) };

    const locale = nlpLocale(lang);
    const candidates = this.fitting(utterance, await this.candidates(utterance, utterance.split(/\s+/).length <= FUZZY_MAX_WORDS));
    // Whether each candidate is denied, asked by the choice among them and for what the text says is not.
    const said = new Map<NerEdge, boolean>();
    const isDenied = (e: NerEdge) => {
      const known = said.get(e);
      if (known !== undefined) return known;
      const denied = this.denied(utterance, e);
      said.set(e, denied);
      return denied;
    };
    // A word of annoyance is no type of problem: "waste of time" names no waste.
    const annoyance = candidates.filter((e) => e.entity === ANNOYED);
    const edges = this.chosen(utterance, candidates, isDenied).filter(
      (e) => e.entity !== CATEGORY || !annoyance.some((a) => a.start <= e.start && e.end <= a.end),
    );
    const entities: Record<string, Mention> = {};
    for (const e of edges) entities[e.entity] = this.mention(e);
    const denied = this.deniedBesides(candidates, entities, isDenied);
    // What it asks is read at its start (MAX_UNDERSTOOD), what it names throughout (MAX_NAMED).
    // A verb of telling is no name of a thing there ("who do I contact about…": the topic «contact»), or the question of
    // whom to tell would not be seen for what it is (courtesy.ts).
    const courtesy = this.courtesy.get(lang);
    const generic = this.substitute(
      utterance,
      edges.filter((e) => !courtesy?.tells(normalize(e.utteranceText))),
    ).slice(0, MAX_UNDERSTOOD);
    const start = utterance.slice(0, MAX_UNDERSTOOD);
    let reading = await this.reading(lang, generic);
    // A message in another language than the conversation's (a Spanish speaker's "thanks") is read in
    // that language too, when the text looks like it and its own reading is not sure.
    if ((reading.intents[0]?.score ?? 0) < CONFIDENT) {
      const looksLike = this.guessLanguage(start);
      const other = LANGUAGES.find((l) => nlpLocale(l) === looksLike);
      if (other && looksLike !== locale) {
        const alt = await this.reading(other, generic);
        if ((alt.intents[0]?.score ?? 0) > (reading.intents[0]?.score ?? 0)) reading = alt;
      }
    }
    let intents = this.withoutIronicThanks(reading.intents, start);
    // An account of a problem or a place, not asked, does not ask why: «pusimos piedras para que nadie se caiga»
    // (accents dropped, «para que» is «para qué»), «calle Juárez 15, para que lo encuentren rápido».
    const address = this.namesAStreet(utterance, candidates);
    const tellsOf = entities.category !== undefined || address;
    if (intents[0]?.name === WHY_ASKED && tellsOf && !isQuestion(utterance)) intents = intents.slice(1);
    // Annoyance: read only with a word of it said («un lugar que no existe» is none); one said makes a short
    // message annoyance when it names nothing, says nothing else and the classifier reads nothing else in it
    // for sure («mugre bot»; not «no, esto no sirve» at «¿Se resolvió?», a problem still there).
    const saysElse = Object.keys(entities).some((e) => e !== ANNOYED);
    if (!entities[ANNOYED]) intents = intents.filter((i) => i.name !== ANNOYED);
    else if (!saysElse && (intents[0]?.score ?? 0) < CONFIDENT && normalize(utterance).split(" ").length <= ANNOYED_WORDS)
      intents = [{ name: ANNOYED, score: 1 }, ...intents.filter((i) => i.name !== ANNOYED)];
    // Frustration with the government, so too: a short message that names nothing else and is read as nothing for sure
    // («ya estoy harto de que no hagan nada», «¿para qué reporto?»); in an account it is part of the account.
    const saysMore = Object.keys(entities).some((e) => e !== FRUSTRATED && e !== ANNOYED);
    const sureElse = (intents[0]?.score ?? 0) >= CONFIDENT && !FRUSTRATION_MISREAD.has(intents[0]?.name ?? "");
    if (entities[FRUSTRATED] && !saysMore && !sureElse && normalize(utterance).split(" ").length <= FRUSTRATED_WORDS)
      intents = [{ name: FRUSTRATED, score: 1 }, ...intents.filter((i) => i.name !== FRUSTRATED)];
    // A fix named in a question («quiero reportar que ya taparon el bache, ¿a quién le aviso?»): nothing is said fixed (below), and no problem told.
    // Asking only whom to tell it («¿a quién le aviso que ya regresó el agua?») asks nothing of the fix: it is told.
    const asked = asksInWords(utterance) && reading.asksHow !== true;
    const fixAsked = (entities[FIXED] !== undefined || entities[WORKS] !== undefined) && !entities[STILL] && asked;
    // «ya quedó», «todo bien»: a fix only where nothing takes it back.
    if (entities[WORKS] && (entities[STILL] || !this.saysFixed(utterance, asked))) delete entities[WORKS];
    // «ya lo taparon»: good news, whatever the classifier read (a report, a question about one); but not
    // asked, nor said with a but or a no («ya lo taparon pero se volvió a abrir»): then nothing is fixed.
    if (entities[FIXED] && !entities[STILL] && start.includes(entities[FIXED].text) && this.saysFixed(utterance, asked))
      intents = [{ name: FIXED, score: 1 }, ...intents.filter((i) => i.name !== FIXED)];
    else delete entities[FIXED];
    // «qué bonito quedó el parque»: praise, not a report; not asked, nor said with a but or a problem still there.
    if (entities[PRAISE] && !entities[STILL] && this.saysFixed(utterance, asked))
      intents = [{ name: PRAISE, score: 1 }, ...intents.filter((i) => i.name !== PRAISE)];
    else delete entities[PRAISE];
    const understood: Understood = { intents, entities };
    // Of a message that names a problem, whether what the classifier read it as is only a guess (see `Understood.guessed`).
    const top = intents[0]?.name;
    if (
      weighed &&
      entities[CATEGORY] &&
      top &&
      top === reading.intents[0]?.name &&
      top !== NO_READING &&
      (await this.unsupported(reading.locale, reading.read, top))
    )
      understood.guessed = true;
    if (denied) understood.denied = denied;
    const besides = this.besidesOf(utterance, candidates, edges, isDenied);
    if (besides) understood.besides = besides;
    if (address) understood.address = true;
    if (fixAsked) understood.fixAsked = true;
    if (reading.asksHow) understood.asksHow = true;
    if (reading.courteous) {
      const told = this.courtesy.get(reading.lang)?.rest(utterance);
      if (told) understood.told = told;
    }
    return understood;
  }

  /**
   * Another thing of the kind meant, named apart (`Understood.besides`): of a mention `chosen` kept, one of
   * the `candidates` of the same entity and another value, written as it is, not overlapping it, not denied,
   * and, for a type of problem, not where the problem is («un bache junto al parque»); the first named.
   */
  private besidesOf(utterance: string, candidates: NerEdge[], chosen: NerEdge[], isDenied: (e: NerEdge) => boolean): Record<string, Mention> | undefined {
    let out: Record<string, Mention> | undefined;
    for (const meant of chosen) {
      if (SIGNALS.has(meant.entity) || meant.entity === "folio") continue;
      const apart = (e: NerEdge) => e.end < meant.start || meant.end < e.start;
      const other = candidates
        .filter((e) => e.entity === meant.entity && e.option !== meant.option && e.accuracy >= 1 && apart(e) && this.usable(e))
        .filter(
          (e) =>
            !isDenied(e) && !(FIRST_NAMED.has(e.entity) && (this.isPlace(e) || this.placed(utterance, e.start) || this.partOf.has(normalize(e.utteranceText)))),
        )
        .sort((a, b) => a.start - b.start)[0];
      if (other) out = { ...out, [meant.entity]: this.mention(other) };
    }
    return out;
  }

  /**
   * The candidates that count where they are:
   * - past MAX_UNDERSTOOD characters, a thing only when the start of the message names none of its kind
   *   (a long account that names its municipality last; not «…Yo trabajo en Toluca» after «…en Metepec»);
   * - a signal said with a no just before it, in its clause, is not said («no voy a tomar la foto»);
   * - a short `unsure` («no sé», «no se») only where it ends its clause: «no se hizo nada» is no doubt;
   * - a danger's words inside a longer name of a type of problem say that type: «perro atropellado» is a dead
   *   animal to pick up, no one run over.
   */
  private fitting(utterance: string, candidates: NerEdge[]): NerEdge[] {
    const early = new Set(candidates.filter((e) => e.start < MAX_UNDERSTOOD).map((e) => e.entity));
    const types = candidates.filter((e) => e.entity === CATEGORY);
    return candidates.filter((e) => {
      if (e.start >= MAX_UNDERSTOOD && early.has(e.entity)) return false;
      if (e.entity === DANGER_ENTITY && types.some((t) => t.start <= e.start && t.end >= e.end && t.end - t.start > e.end - e.start)) return false;
      if (!SIGNALS.has(e.entity) || e.entity === "danger") return true;
      const before = utterance.slice(Math.max(0, e.start - 20), e.start);
      const clause = before.split(/[,.;:!?¿¡]/).at(-1) ?? "";
      if (
        normalize(clause)
          .split(" ")
          .slice(-2)
          .some((w) => this.notBefore.has(w))
      )
        return false;
      if (e.entity !== UNSURE || normalize(e.utteranceText).split(" ").length > 2) return true;
      return /^\s*([,.;:!?…]|$)/.test(utterance.slice(e.end + 1));
    });
  }

  /**
   * Whether a text that names a problem fixed says it is: not asked, no word of `unfixed` in it but those of
   * the phrases that say it is fixed («ya quedó, sigue funcionando bien»).
   */
  private saysFixed(utterance: string, asked: boolean): boolean {
    if (asked) return false;
    let words = ` ${normalize(utterance)} `;
    for (const phrase of this.fixedPhrases) words = words.replaceAll(` ${phrase} `, " ");
    return !this.unfixed.some((w) => words.includes(` ${w} `));
  }

  /**
   * What the text says things are not (contrast.yaml: «es drenaje no agua»: agua), by entity, where it
   * names another of the kind that is meant (`entities`); undefined when it says none.
   */
  private deniedBesides(candidates: NerEdge[], entities: Record<string, Mention>, isDenied: (e: NerEdge) => boolean): Record<string, Mention> | undefined {
    const denied: Record<string, Mention> = {};
    let any = false;
    for (const e of candidates) {
      const meant = entities[e.entity];
      if (!meant || denied[e.entity] || !this.usable(e)) continue;
      const mention = this.mention(e);
      if (mention.value === meant.value || !isDenied(e)) continue;
      denied[e.entity] = mention;
      any = true;
    }
    return any ? denied : undefined;
  }

  /**
   * Whether the text says the thing `e` names is not the one meant (contrast.yaml), in its own clause
   * (commas and stops part clauses): one of `not` just before it, one or two of `between` allowed in
   * between («no agua», «no es el agua»), or one of `not_after` alone after it («agua no, es drenaje»).
   * «no, es agua» and «el agua no sale» deny nothing.
   */
  private denied(utterance: string, e: NerEdge): boolean {
    const CLAUSE = /[,.;:!?¡¿()]/;
    const after = normalize(utterance.slice(e.end + 1, e.end + 31).split(CLAUSE)[0]);
    if (this.notAfter.has(after)) return true;
    if (!this.notBefore.size) return false;
    const before = normalize(
      utterance
        .slice(Math.max(0, e.start - 30), e.start)
        .split(CLAUSE)
        .at(-1) ?? "",
    )
      .split(" ")
      .filter(Boolean);
    for (let i = before.length - 1, skipped = 0; i >= 0; i--) {
      if (this.notBefore.has(before[i])) return true;
      if (!this.notBetween.has(before[i]) || ++skipped > 2) return false;
    }
    return false;
  }

  /**
   * Whether a street word ("calle", "av.", "colonia", "esquina con") is followed by a name in the text. A
   * street word inside a name found in it, with the word after it, is that name's words, not a street's
   * («Valle de Bravo», «Villa del Carbón», «unidad deportiva»; «la luz de la calle Hidalgo» names a street).
   */
  private namesAStreet(utterance: string, candidates: readonly NerEdge[]): boolean {
    const names = candidates.filter((e) => this.usable(e));
    const words: { sound: string; start: number }[] = [];
    for (const m of utterance.matchAll(/\S+/g)) for (const w of normalize(m[0]).split(" ")) if (w) words.push({ sound: heard(w), start: m.index });
    const sounds = words.map((w) => w.sound);
    const named = (i: number) => names.some((e) => e.start <= words[i].start && words[i + 1].start <= e.end);
    return sounds.some((_, i) => i < sounds.length - 1 && this.streetWordEndsAt(sounds, i) && !named(i));
  }

  /**
   * The intents with `thanks` read as nothing when the thanks is for something bad (irony.yaml): «gracias
   * por nada, nunca vinieron», «gracias para nada», «thanks for ignoring us» are complaints, which the
   * classifier, having learnt «gracias» as thanks, read as thanks. The thanks is for the word right after
   * one of `thanks_for`, or after one or two little words («gracias por su pésima atención»), in the same
   * clause: «gracias por la información, no tengo más dudas» is a thanks. Read as nothing in its place, its
   * score still tells how sure the other readings are (`topIntent`).
   */
  private withoutIronicThanks(intents: Understood["intents"], utterance: string): Understood["intents"] {
    if (!intents.some((i) => i.name === THANKS_INTENT) || !this.thanksForSomethingBad(utterance)) return intents;
    return intents.map((i) => (i.name === THANKS_INTENT ? { ...i, name: NO_READING } : i));
  }

  /** Whether a normalised word is one of irony.yaml's `bad`, whole or by its first letters. */
  private isBad(word: string): boolean {
    return word !== "" && (this.badWords.has(word) || this.badStarts.has(word.slice(0, DANGER_PREFIX)));
  }

  /** Whether a word of `thanks_for` is followed by a bad one (see `withoutIronicThanks`). */
  private thanksForSomethingBad(utterance: string): boolean {
    if (!this.thanksFor.size) return false;
    const written = utterance.split(/\s+/).filter((w) => normalize(w) !== "");
    for (let i = 0; i < written.length - 1; i++) {
      if (!this.thanksFor.has(normalize(written[i])) || endsClause(written[i])) continue;
      for (let j = i + 1, little = 0; j < written.length; j++) {
        const word = normalize(written[j]);
        // A bad word denied is a good one: «gracias por no olvidarse de nosotros» is a thanks.
        const next = j + 1 < written.length ? normalize(written[j + 1]) : "";
        if (this.negations.has(word) && this.isBad(next)) return false;
        if (this.isBad(word)) return true;
        if (endsClause(written[j]) || word.length > LITTLE_WORD || ++little > LITTLE_WORDS) break;
      }
    }
    return false;
  }

  /** Whether a street word of one word or two ends at `sounds[i]` (normalised words as they sound, `heard`: «abenida» too). */
  private streetWordEndsAt(sounds: string[], i: number, streets = this.streetSounds): boolean {
    return this.streetWordLength(sounds, i, streets) > 0;
  }

  /** How many words the street word that ends at `sounds[i]` has: two («jardines de», «esquina con»), one, or none ends there. */
  private streetWordLength(sounds: string[], i: number, streets = this.streetSounds): number {
    if (i > 0 && streets.has(`${sounds[i - 1]} ${sounds[i]}`)) return 2;
    return streets.has(sounds[i]) ? 1 : 0;
  }

  private fromEmoji(emoji: string[]): Understood {
    const intents = new Set(emoji.map((e) => this.emoji.get(e)));
    const [intent] = intents;
    return intents.size === 1 && intent ? { intents: [{ name: intent, score: 1 }], entities: {} } : { intents: [], entities: {} };
  }

  /** nlp.js's guess of the text's language; it fails on some scripts (Hebrew points), which means no guess. */
  private guessLanguage(text: string): string | undefined {
    try {
      return this.nlp.guessLanguage(text);
    } catch {
      return undefined;
    }
  }

  /**
   * The classifier's reading of `text` in `lang`, and the text it read: what is left once the greetings and
   * courtesies the text opens with and those it closes with are left out, when it says more («hola buenas, todo
   * bien? hay un bache»: «hay un bache») and is read as something; else the whole.
   */
  private async reading(lang: Language, text: string): Promise<Reading> {
    const locale = nlpLocale(lang);
    const { rest, asksOnlyHow, closed } = this.courtesy.get(lang)?.read(text) ?? { asksOnlyHow: false, closed: false };
    const asksHow = { ...(asksOnlyHow ? { asksHow: true as const } : {}), ...(rest ? { courteous: true as const } : {}) };
    if (rest) {
      const read = this.forClassifier(rest, lang);
      const intents = await this.classify(locale, read);
      // A word or two after a greeting is read with it unless surely something («hola, sí»; not «buenas noches a todos»);
      // a letter's worth before a closing is read alone even as nothing: the whole would be read by its courtesies
      // («…hay un socavón de casi un metro. Agradeceré su pronta intervención. Atentamente, Arq. Julio Mena.» as thanks).
      const words = rest.split(/\s+/).length;
      if ((intents.length && (words >= REST_WORDS || intents[0].score >= CONFIDENT)) || (closed && words >= READ_ALONE_WORDS))
        return { intents, lang, locale, read, ...asksHow };
    }
    const read = this.forClassifier(text, lang);
    return { intents: await this.classify(locale, read), lang, locale, read, ...asksHow };
  }

  /** The intents a text may express, best first (at most three). */
  private async classify(locale: string, text: string): Promise<Understood["intents"]> {
    if (!text.trim()) return [];
    // nlp.js's spelling correction is off: it turns unknown words into confident intents ("verde" → help).
    const out = await this.nlp.nluManager.process({ locale, utterance: text, settings: { spellCheck: false } });
    const intents = (out.classifications ?? [])
      .filter((c) => c.intent !== "None" && c.intent !== NO_READING && c.score > 0)
      .map((c) => ({ name: c.intent, score: Math.round(c.score * 1000) / 1000 }))
      .slice(0, 3);
    const read = await this.withoutBareEmergency(intents, locale, text);
    this.forgetTexts();
    return read;
  }

  /**
   * The intents with `emergency` read as nothing when no word of the text is an emergency's own. With
   * nothing else to go on, nlp.js can put all its weight on a little word an emergency phrase also has:
   * «nose» (stemmed «nos», as in «nos están robando»), «es un semáforo», «está enfrente del oxxo» were
   * read as emergencies, and the 911 notice answered them. What tells a danger in words the phrases
   * never use is for the `danger` names (entities.yaml), which give the notice whatever the reading.
   */
  private async withoutBareEmergency(intents: Understood["intents"], locale: string, text: string): Promise<Understood["intents"]> {
    if (!intents.some((i) => i.name === EMERGENCY_INTENT) || !(await this.unsupported(locale, text, EMERGENCY_INTENT))) return intents;
    // Read as nothing, in its place: its score still tells how sure the other readings are (`topIntent`).
    return intents.map((i) => (i.name === EMERGENCY_INTENT ? { ...i, name: NO_READING } : i));
  }

  /**
   * The stems `intent`'s phrases in `locale` use that at most one other intent's phrases use, and only when
   * longer than a little word (OWN_SHARED_MIN): for emergencies «asalt», «huel», «gas» count; «nos», «ser» do not.
   */
  private ownStemsOf(locale: string, manager: StemmedPhrases, intent: string): ReadonlySet<string> {
    let byIntent = this.ownStems.get(locale);
    if (!byIntent) {
      const intentsOf = new Map<string, Set<string>>();
      for (const [key, { intent: of }] of Object.entries(manager.stemDict)) {
        for (const stem of key.split(",")) {
          const set = intentsOf.get(stem) ?? new Set<string>();
          set.add(of);
          intentsOf.set(stem, set);
        }
      }
      byIntent = new Map();
      for (const [stem, set] of intentsOf) {
        if (stem.startsWith("@") || !(set.size === 1 || (set.size === 2 && stem.length >= OWN_SHARED_MIN))) continue;
        for (const of of set) {
          const own = byIntent.get(of) ?? new Set<string>();
          own.add(stem);
          byIntent.set(of, own);
        }
      }
      this.ownStems.set(locale, byIntent);
    }
    return byIntent.get(intent) ?? EMPTY;
  }

  /** Whether `text` shares no stem of its own with the phrases of `intent` (see `Understood.guessed`). */
  private async unsupported(locale: string, text: string, intent: string): Promise<boolean> {
    const manager = this.managerOf(locale);
    if (!manager) return false;
    const own = this.ownStemsOf(locale, manager, intent);
    const stems = (await manager.generateStemKey(text)).split(",");
    // nlp.js keeps what it stems: nothing of a message is kept once it is read.
    this.forgetTexts();
    return !stems.some((stem) => own.has(stem));
  }

  private managerOf(locale: string): StemmedPhrases | undefined {
    return (this.nlp.nluManager as unknown as { domainManagers: Record<string, StemmedPhrases | undefined> }).domainManagers[locale];
  }

  /**
   * The things a text names, one mention per entity. nlp.js's enum extractor finds every candidate
   * (exact, and approximate in short messages); choosing among them is done here, so that a longer
   * approximate name ("ecatepek de morelos") is not lost to an exact word inside it ("morelos").
   */
  async mentions(utterance: string, approximate = utterance.split(/\s+/).length <= FUZZY_MAX_WORDS): Promise<NerEdge[]> {
    return this.chosen(utterance, await this.candidates(utterance, approximate));
  }

  /** Every name the text may hold (see `mentions`), but for those a street word makes a street's. */
  private async candidates(utterance: string, approximate: boolean): Promise<NerEdge[]> {
    const words = this.extractor.getWordPositions(utterance);
    const edges = [...this.exact(utterance, this.extractor.normalize(utterance), words), ...this.bySound(utterance, words)];
    if (approximate) {
      // nlp.js compares every window of the message with every name (about 30 ms for seven words over
      // 600 names): it is handed only the names that could be a slip away from the message's words.
      const written = normalize(utterance).split(" ");
      const present = new Set(written);
      // A long first word is nearly one of the message's: of a length at most two away.
      const lengths = new Set<number>();
      for (const word of written) for (let d = -2; d <= 2; d++) lengths.add(word.length + d);
      for (const [index, rule] of this.rules.entries()) {
        // A signal counts only in its exact words (`exact` finds them): no slip of one is looked for.
        if (SIGNALS.has(rule.name)) continue;
        const rules = this.resembling(index, written, present, lengths);
        if (rules.length) for (const edge of this.extractor.extractFromRule(utterance, { ...rule, rules }, words, 0.8)) edges.push(edge);
      }
    }
    for (const m of utterance.matchAll(this.options.folio.pattern)) {
      const start = m.index ?? 0;
      edges.push({ entity: "folio", type: "regex", utteranceText: m[0], accuracy: 1, start, end: start + m[0].length - 1, len: m[0].length });
    }
    // A name right after a street word is the street's: "avenida Morelos", "av. Tecnológico", "calle Transparencia".
    return this.atPlaces(edges.filter((e) => !NAMED_STREETS.has(e.entity) || !this.afterStreetWord(utterance, e.start)));
  }

  /** One mention per entity of the `candidates`: a type named as where the problem is, by a word before it («junto al bache») or by its own («el parque»), gives way. */
  private chosen(utterance: string, candidates: NerEdge[], isDenied = (e: NerEdge) => this.denied(utterance, e)): NerEdge[] {
    return this.choose(candidates, (e) => this.isPlace(e) || this.placed(utterance, e.start), isDenied);
  }

  /** Whether a mention is of a type of problem by a word that names where it is (places.yaml `places`: «parque», «cancha»). */
  private isPlace(e: NerEdge): boolean {
    return e.entity === CATEGORY && this.places.has(normalize(e.sourceText ?? e.utteranceText));
  }

  /**
   * The mentions with the words that name a type only at a place (AT_PLACE: «luz») made that type where
   * the message names a place apart from them («no hay luz en el parque»), and left out elsewhere («se fue
   * la luz en Metepec» names no type).
   */
  private atPlaces(edges: NerEdge[]): NerEdge[] {
    if (!edges.some((e) => e.entity === AT_PLACE)) return edges;
    const places = edges.filter((e) => this.isPlace(e) && this.usable(e));
    const apart = (a: NerEdge, b: NerEdge) => a.end < b.start || b.end < a.start;
    return edges.flatMap((e) => (e.entity !== AT_PLACE ? [e] : places.some((p) => apart(p, e)) ? [{ ...e, entity: CATEGORY }] : []));
  }

  /** Whether a mention counts: a folio the domain reads, a name written as it is, or one a slip away (`closeEnough`; never a signal's). */
  private usable(e: NerEdge): boolean {
    if (e.entity === "folio") return this.options.folio.read(e.utteranceText) !== undefined;
    return e.accuracy >= 1 || (!SIGNALS.has(e.entity) && closeEnough(e.utteranceText, e.sourceText ?? ""));
  }

  /** Whether the text just before `start` is a street word ("avenida Morelos": a street, not the municipality). */
  private afterStreetWord(utterance: string, start: number): boolean {
    if (!this.streetWords.size || start === 0) return false;
    const before = normalize(utterance.slice(Math.max(0, start - 40), start))
      .split(" ")
      .map(heard);
    return this.streetWordEndsAt(before, before.length - 1);
  }

  /**
   * Every name of every rule written in the text as it is (nlp.js's `getBestExact`, the same mentions),
   * rule by rule in the rules' order: each span of at most as many words as the longest name is looked
   * up once among all the names, not every span of the message for every rule.
   */
  private exact(utterance: string, folded: string, words: WordPosition[]): NerEdge[] {
    const { byText, textPrefixes } = this.names;
    return this.lookUp(utterance, words, byText, textPrefixes, 1, (i, j) => folded.substring(words[i].start, words[j].end + 1));
  }

  /** Every name written as it sounds (`heard`: «vache» is «bache»), the same way; not quite exact. */
  private bySound(utterance: string, words: WordPosition[]): NerEdge[] {
    const sounds = words.map((w) => heard(normalize(utterance.substring(w.start, w.end + 1))));
    const { bySound, soundPrefixes } = this.names;
    // Each span's key is the one before it and a word more.
    return this.lookUp(utterance, words, bySound, soundPrefixes, SOUND_ACCURACY, (i, j, shorter) =>
      shorter === undefined ? sounds[i] : `${shorter} ${sounds[j]}`,
    );
  }

  /**
   * The names `found` holds under the key of each span of words (`key(i, j, shorter)`: words i to j, given the
   * key of words i to j - 1), with `accuracy`. A span no name begins with (`prefixes`) ends the search from its first word.
   */
  private lookUp(
    utterance: string,
    words: WordPosition[],
    found: Map<string, NameEntry[]>,
    prefixes: ReadonlySet<string>,
    accuracy: number,
    key: (i: number, j: number, shorter: string | undefined) => string,
  ): NerEdge[] {
    const byRule: NerEdge[][] = this.rules.map(() => []);
    for (let i = 0; i < words.length; i++) {
      let span: string | undefined;
      for (let j = i; j < words.length && j < i + this.names.span; j++) {
        span = key(i, j, span);
        const entries = found.get(span);
        if (!entries) {
          if (prefixes.has(span)) continue;
          break;
        }
        const start = words[i].start;
        const end = words[j].end;
        for (const { rule, options, source } of entries) {
          const rn = this.rules[rule];
          for (const option of options)
            byRule[rule].push({
              accuracy,
              start,
              end,
              len: end - start + 1,
              entity: rn.name,
              type: rn.type,
              option,
              sourceText: source,
              utteranceText: utterance.substring(start, end + 1),
            });
        }
      }
    }
    return byRule.flat();
  }

  /** Whether the words just before `start` make what follows a place («junto al», «en el»: `placeBefore`), an article or two between. */
  private placed(utterance: string, start: number): boolean {
    const before = normalize(utterance.slice(Math.max(0, start - 30), start))
      .split(" ")
      .filter(Boolean);
    for (let i = before.length - 1, skipped = 0; i >= 0; i--) {
      if (this.placeBefore.has(before[i])) return true;
      if (before[i].length > 3 || ++skipped > 2) return false;
    }
    return false;
  }

  /**
   * One edge per entity. Overlapping mentions keep the one that covers more of the text ("ecatepek de
   * morelos" over "morelos"). Of separate ones, one the text does not deny (`denied`: «es drenaje no
   * agua») wins over one it does. Then, of FIRST_NAMED, one not named as a place (`placed`: what
   * fails decides, not where) wins first; then an exact one wins, then the last (an address ends with its
   * town), or for FIRST_NAMED the first. Across entities, overlapping mentions keep the longer ("aguas
   * negras" over "agua"), except a signal's (SIGNALS), which hides nothing and is hidden by nothing.
   */
  private choose(edges: NerEdge[], placed: (e: NerEdge) => boolean = () => false, denied: (e: NerEdge) => boolean = () => false): NerEdge[] {
    const usable = edges.filter((e) => this.usable(e));
    const weight = (e: NerEdge) => e.len * e.accuracy;
    const overlaps = (a: NerEdge, b: NerEdge) => a.start <= b.end && b.start <= a.end;
    const byWeight = [...usable].sort((a, b) => weight(b) - weight(a) || b.start - a.start);
    const separate: NerEdge[] = [];
    for (const e of byWeight) if (!separate.some((k) => k.entity === e.entity && overlaps(k, e))) separate.push(e);
    const best = new Map<string, NerEdge>();
    // Of FIRST_NAMED ones, one that is where the problem is («junto al bache», «el parque») gives way however
    // it is written («el deportivo tiene las lamparas fundidas»); then an exact one wins, then the first (of the others, the last).
    const wins = (e: NerEdge, held: NerEdge) => {
      // One the text says it is not («es drenaje no agua») gives way to one it does not deny.
      const [no, heldNo] = [denied(e), denied(held)];
      if (no !== heldNo) return heldNo;
      if (FIRST_NAMED.has(e.entity)) {
        const [a, b] = [placed(e), placed(held)];
        if (a !== b) return !a;
      }
      if (e.accuracy !== held.accuracy) return e.accuracy > held.accuracy;
      return FIRST_NAMED.has(e.entity) ? e.start < held.start : e.start > held.start;
    };
    for (const e of separate) {
      const held = best.get(e.entity);
      if (!held || wins(e, held)) best.set(e.entity, e);
    }
    const kept: NerEdge[] = [];
    const crossing = (a: NerEdge, b: NerEdge) => !SIGNALS.has(a.entity) && !SIGNALS.has(b.entity) && overlaps(a, b);
    for (const e of [...best.values()].sort((a, b) => weight(b) - weight(a))) if (!kept.some((k) => crossing(k, e))) kept.push(e);
    return kept.sort((a, b) => a.start - b.start);
  }

  /** The folio a text without letters is, whole («2026-000001»), as its only entity; none otherwise. */
  private folioAlone(utterance: string): Understood["entities"] {
    const [found, ...more] = utterance.matchAll(this.options.folio.pattern);
    const mention = found && !more.length && found[0] === utterance ? this.folioMention(found[0]) : undefined;
    return mention ? { folio: mention } : {};
  }

  /** A folio as the domain reads it, where `text` mentions one. */
  private folioMention(text: string): Mention | undefined {
    const value = this.options.folio.read(text);
    return value === undefined ? undefined : { value, text, exact: true };
  }

  private mention(e: NerEdge): Mention {
    if (e.entity === "folio") return this.folioMention(e.utteranceText) as Mention;
    return { value: String(e.option), text: e.utteranceText, exact: e.accuracy >= 1 };
  }

  /**
   * The names of rule `index` that may resemble the message (`mayResemble`; `lengths`: those a word
   * about as long as one of the message's may have), as nlp.js takes a rule's
   * names: by option, in the rule's order. Only names whose first short word the message holds, and
   * names of long words only whose first is about as long as one of the message's, are compared: a
   * name with a short word missing, or a long one no word of the message is near, cannot be a slip away.
   */
  private resembling(index: number, written: string[], present: ReadonlySet<string>, lengths: ReadonlySet<number>): NerRule["rules"] {
    const names = this.shortWords[index];
    const found: ResemblingName[] = [];
    const compare = (list: ResemblingName[] | undefined) => {
      if (list) for (const name of list) if (mayResemble(written, present, name.words)) found.push(name);
    };
    for (const word of present) compare(names.byWord.get(word));
    for (const length of lengths) compare(names.longOnly.get(length));
    if (!found.length) return [];
    found.sort((a, b) => a.order - b.order);
    const rules: NerRule["rules"] = [];
    for (const name of found) {
      const last = rules.at(-1);
      if (last && last.option === name.option) last.texts.push(name.text);
      else rules.push({ option: name.option, texts: [name.text] });
    }
    return rules;
  }

  /**
   * The text as the classifier of `lang` reads it, without the words that name a place rather than say
   * what the citizen wants:
   * - another language's words for a street ("calle", "colonia" in an English conversation): this
   *   language's stemmer would read them as its own words (English reads «calle» as "call", as in "call
   *   911"); when nothing else is left, the text stays as it was;
   * - the words only a municipality's name uses («mateo», «atenco», «felipe»): a whole name is replaced by
   *   @municipality already, but part of one («san mateo») was read through its stems — «mateo» stems as
   *   «matar» does, and nlp.js read «san mateo» as an emergency, certain. When what is left of the name
   *   tells nothing either («del»: nlp.js read «felipe del progreso» as a request for the language,
   *   certain), the text is empty;
   * - a word as people text it is the word it stands for (shorthand.yaml: «q pasa si no acepto» is «que
   *   pasa…»; the phrases the classifier learnt from are written out).
   */
  private forClassifier(text: string, lang: Language): string {
    const foreign = this.foreignStreetWords.get(lang);
    const places = this.placeWords.get(lang);
    const shorthand = this.options.corpus.shorthand[lang] ?? {};
    let words = this.withoutStreetNames(text, lang)
      .split(/\s+/)
      .map((word) => {
        const n = normalize(word);
        // A word as people text it is read as the word it stands for («q pasa si no acepto»).
        const full = Object.hasOwn(shorthand, n) ? shorthand[n] : undefined;
        return full ? { word: full, n: normalize(full) } : { word, n };
      });
    if (foreign?.size) {
      const notStreets = words.filter((w) => !foreign.has(w.n));
      if (notStreets.length) words = notStreets;
    }
    const things = this.thingWords.get(lang);
    if (things && words.some((w) => things.firsts.has(w.n))) {
      const notThings = withoutPhrases(words, things.words);
      if (notThings.length) words = notThings;
    }
    const commands = this.commandWords.get(lang);
    if (words.length >= LONG_MESSAGE_WORDS && commands?.size && text.includes(TOLD_MARK)) words = words.filter((w) => !commands.has(w.n));
    if (!places?.size) return words.map((w) => w.word).join(" ");
    const kept = words.filter((w) => !places.has(w.n));
    if (kept.length < words.length && !kept.some((w) => w.n.length >= PLACE_WORD_MIN_LENGTH)) return "";
    return kept.map((w) => w.word).join(" ");
  }

  /** The words `phrases` use, but for those they use only right after a street word («calle Juárez 10»: «juarez»). */
  private usedNotAsNames(phrases: string[]): Set<string> {
    const used = new Set<string>();
    for (const phrase of phrases) {
      const words = normalize(phrase).split(" ");
      const sounds = words.map(heard);
      words.forEach((w, i) => {
        if (i === 0 || !this.streetWordEndsAt(sounds, i - 1, this.beforeNames)) used.add(w);
      });
    }
    return used;
  }

  /**
   * The text without the streets it names («hay un bache en la avenida Juárez» is read as «hay un bache
   * en la»): a name tells nothing of what is wanted, and words the classifier never
   * learnt pull it towards nothing («Juárez») or elsewhere («Tecnológico» is close to «tecnología»). The
   * name is the words after a street word that no phrase of the language uses but as a name (`notNames`),
   * at most STREET_NAME_WORDS, up to a mention (@category) or punctuation, with a short word it uses in
   * between («5 de mayo»): «calle Hidalgo enfrente de la primaria» keeps «enfrente de la primaria».
   */
  private withoutStreetNames(text: string, lang: Language): string {
    const known = this.notNames.get(lang);
    if (!this.beforeNames.size || !known) return text;
    const words = text.split(/\s+/).map((word) => ({ word, n: normalize(word) }));
    const sounds = words.map((w) => heard(w.n));
    const unknown = (w: { word: string; n: string } | undefined) =>
      w !== undefined && !w.word.startsWith("@") && w.n !== "" && !known.has(w.n) && !this.dangerStarts.has(w.n.slice(0, DANGER_PREFIX));
    const kept: { word: string; n: string }[] = [];
    for (let i = 0; i < words.length; i++) {
      kept.push(words[i]);
      const street = this.streetWordLength(sounds, i, this.beforeNames);
      if (!street || endsClause(words[i].word)) continue;
      if (i >= street && this.noNameAfter.has(words[i - street].n)) continue;
      let taken = 0;
      for (; taken < STREET_NAME_WORDS && i + 1 < words.length; taken++) {
        const next = words[i + 1];
        // A short word the language uses joins a name when one it does not use follows («5 de mayo»), and a
        // number after a name is its house's («calle Sur 12 de Jardines de Morelos»).
        const houseNumber = taken > 0 && HOUSE_NUMBER.test(next.n);
        if (!unknown(next) && !houseNumber && !(next.n.length <= 3 && !endsClause(next.word) && unknown(words[i + 2]))) break;
        i++;
        if (endsClause(next.word)) break;
      }
      // A street named goes whole, its street word of two words too («jardines de»: a word the classifier
      // never learnt pulls it towards nothing): «calle Hidalgo 23, colonia Centro» alone is an address, nothing asked.
      if (!taken) continue;
      kept.splice(kept.length - street, street);
      // A neighbourhood («Jardines de Morelos») names a place as a town does: read as one («un bache en
      // @municipality»), or «un bache en Jardines de Morelos» is left as «un bache en» and read as nothing.
      if (street > 1) kept.push({ word: "@municipality", n: "@municipality" });
    }
    return kept.length === words.length ? text : kept.map((w) => w.word).join(" ");
  }

  /**
   * The text with each mention replaced by its entity's name: "quiero reportar un @category en
   * @municipality". A signal's words stay as they are: the classifier learns and reads them as before.
   */
  private substitute(utterance: string, edges: NerEdge[]): string {
    let out = "";
    let at = 0;
    for (const e of edges) {
      if (SIGNALS.has(e.entity)) continue;
      out += `${utterance.slice(at, e.start)}@${e.entity}`;
      at = e.end + 1;
    }
    return out + utterance.slice(at);
  }
}

/** Phrases as their words, longest first, and the words they start with (most messages hold none: nothing to look for). */
interface Phrases {
  words: readonly (readonly string[])[];
  firsts: ReadonlySet<string>;
}

function phrasesOf(phrases: readonly string[]): Phrases {
  const words = phrases.map((phrase) => phrase.split(" ")).sort((a, b) => b.length - a.length);
  return { words, firsts: new Set(words.map((w) => w[0] as string)) };
}

/**
 * The words without those of the phrases (normalised, whole words) they hold: «la salida de emergencia está
 * bloqueada» without «salida de emergencia» is «la está bloqueada».
 */
function withoutPhrases<W extends { n: string }>(words: W[], phrases: readonly (readonly string[])[]): W[] {
  const kept: W[] = [];
  for (let i = 0; i < words.length; ) {
    const phrase = phrases.find((parts) => parts[0] === words[i]?.n && parts.every((part, k) => words[i + k]?.n === part));
    if (phrase) i += phrase.length;
    else kept.push(words[i++] as W);
  }
  return kept;
}

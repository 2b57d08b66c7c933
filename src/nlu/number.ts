/**
 * A name of a type of problem in the other grammatical number: people write «perros muertos» where the
 * corpus says «perro muerto», «lámparas fundidas» where it says «lámpara fundida». Only names of several
 * words are given one (a single word's plural is listed by hand where it says the same: «aguas» alone is
 * a warning, not water), and only the words before the first word that joins («fuga de agua» →
 * «fugas de agua», «poste sin luz» → «postes sin luz»); a name beginning with one («no hay luz…», «se
 * hundió…») is a clause and gets none. In English only the last of those words, the noun («dead dog» →
 * «dead dogs»). A noun alone before the joining word is given its plural, never its singular: «perro en la
 * calle» (a dog lying dead, or only passing) says less than «perros en la calle» (stray dogs). Spanish and
 * English both make most plurals with -s or -es, so one rule serves both: a form nobody writes («quemanes
 * basuras») is never matched, and costs nothing else.
 */
import type { Language } from "../locale/languages.js";
import { normalize } from "../util/text.js";

/** Words that join the words of a name: the number of what follows them is their own. */
const JOINING: ReadonlySet<string> = new Set([
  ..."a al con de del el en la las lo los me mi mis muy no para por que se sin su sus te tu un una unas unos y".split(" "),
  ..."and at by for from in into my of on or our the their to with".split(" "),
]);

const VOWEL = /[aeiou]$/;

/** A Spanish word in the other number: its singulars when it ends in -s (two when it may end in -es), else its plural. */
function otherNumberEs(word: string): string[] {
  if (word.endsWith("ces")) return [`${word.slice(0, -3)}z`];
  if (word.endsWith("es") && !VOWEL.test(word.slice(0, -2))) return [word.slice(0, -1), word.slice(0, -2)];
  if (word.endsWith("s")) return [word.slice(0, -1)];
  if (word.endsWith("z")) return [`${word.slice(0, -1)}ces`];
  return [VOWEL.test(word) ? `${word}s` : `${word}es`];
}

/** An English noun in the other number, the same way. */
function otherNumberEn(word: string): string[] {
  if (/[^aeiou]ies$/.test(word)) return [`${word.slice(0, -3)}y`];
  if (/(s|x|z|ch|sh)es$/.test(word)) return [word.slice(0, -1), word.slice(0, -2)];
  if (word.endsWith("s") && !word.endsWith("ss")) return [word.slice(0, -1)];
  if (/[^aeiou]y$/.test(word)) return [`${word.slice(0, -1)}ies`];
  return [/(s|x|z|ch|sh)$/.test(word) ? `${word}es` : `${word}s`];
}

/** Whether a language puts its adjectives after the noun, and gives them its number (Spanish), or before it and not (English). */
const AGREES = (lang: Language) => lang !== "en";
const otherNumber = (word: string, lang: Language) => (lang === "en" ? otherNumberEn(word) : otherNumberEs(word));

/** Whether a word is in the plural, as these rules tell: its other number is shorter. */
function isPlural(word: string, lang: Language): boolean {
  return otherNumber(word, lang)[0].length < word.length;
}

/**
 * The name (normalised: lower case, no accents), written in `lang`, in the other number, as one or two
 * names; none for a single word or a name that begins with a joining word.
 */
export function inOtherNumber(name: string, lang: Language): string[] {
  const words = normalize(name).split(" ");
  if (words.length < 2) return [];
  const head = words.findIndex((w) => JOINING.has(w));
  const end = head === -1 ? words.length : head;
  if (end === 0) return [];
  const from = AGREES(lang) ? 0 : end - 1;
  if (end < words.length && end === 1 && isPlural(words[0], lang)) return [];
  const first: string[] = [];
  const second: string[] = [];
  for (const [i, word] of words.entries()) {
    const forms = i >= from && i < end && /^\p{L}{3,}$/u.test(word) ? otherNumber(word, lang) : [word];
    first.push(forms[0]);
    second.push(forms.at(-1) as string);
  }
  return [...new Set([first.join(" "), second.join(" ")])];
}

/**
 * Every value's names with those in the other number added (`languageOf` a name: the language of the
 * file it came from), unless that name is already one of any value (of these or of `taken`, the other
 * entities' names): «paso» stays where the corpus puts it.
 */
export function withOtherNumber(
  values: Record<string, string[]>,
  languageOf: (name: string) => Language,
  taken: Iterable<string> = [],
): Record<string, string[]> {
  const known = new Set([...taken, ...Object.values(values).flat()].map(normalize));
  const out: Record<string, string[]> = {};
  const added = new Map<string, string>();
  for (const [value, names] of Object.entries(values)) {
    out[value] = [...names];
    for (const name of names) {
      for (const other of inOtherNumber(name, languageOf(name))) {
        if (known.has(other)) continue;
        // The same form made from names of two values says neither.
        const before = added.get(other);
        if (before !== undefined && before !== value) {
          out[before] = out[before].filter((n) => n !== other);
          continue;
        }
        if (before === undefined) {
          added.set(other, value);
          out[value].push(other);
        }
      }
    }
  }
  return out;
}

/**
 * What nlp.js would remember of the texts it reads, kept in bounds. Left alone, the neural classifier
 * keeps each text's tokens for an hour (several KB a text, more when the text has a number: "849"
 * becomes an array index), the tokenizers each text's words for an hour, and the stemmers every word
 * ever read for good: 10,000 descriptions kept 63 MB (bench/memory.ts), and citizens' addresses and
 * phone numbers stayed in memory. Texts are forgotten once read; a stemmer keeps words without digits
 * only, STEMS_KEPT of them at most. The Understander remembers what is worth it itself (short texts
 * without digits).
 */
import type { Nlp } from "@nlpjs/nlp";

/** Words whose stem is kept per language (the words people write, not their numbers); then it starts over. */
const STEMS_KEPT = 20_000;

interface TextCache {
  cache?: { results?: object; normalized?: object; nonNormalized?: object };
}

interface Stemmer {
  cache: Record<string, string>;
  stemWord(word: string): string;
  /** The word it works on (kept after). */
  setCurrent(word: string): void;
}

interface Inner {
  nluManager: { domainManagers?: Record<string, { domains?: Record<string, TextCache> }> };
  container: { factory?: Record<string, { instance?: unknown }> };
}

/** Each of nlp.js's registered singletons whose name starts with `prefix`. */
function instances(nlp: Nlp, prefix: string): object[] {
  const factory = (nlp as unknown as Inner).container.factory ?? {};
  return Object.entries(factory)
    .filter(([name, item]) => name.startsWith(prefix) && item.instance !== null && typeof item.instance === "object")
    .map(([, item]) => item.instance as object);
}

/** A stemmer that keeps no word with a digit, and at most STEMS_KEPT words; resolves with what empties it. */
function boundStemmer(stemmer: Stemmer): () => void {
  const stem = stemmer.stemWord.bind(stemmer);
  let kept = Object.keys(stemmer.cache).length;
  stemmer.stemWord = (word: string) => {
    const key = `.${word}`;
    if (stemmer.cache[key] != null) return stemmer.cache[key];
    if (kept >= STEMS_KEPT) {
      stemmer.cache = {};
      kept = 0;
    }
    const result = stem(word);
    if (/\d/.test(word)) {
      delete stemmer.cache[key];
      stemmer.setCurrent("");
    } else kept++;
    return result;
  };
  // A cache: emptied, it stems again what comes.
  return () => {
    stemmer.cache = {};
    stemmer.setCurrent("");
    kept = 0;
  };
}

/**
 * Bounds what `nlp` remembers, and gives the function that makes it forget the texts it
 * has read: call it after each one; with "and words", its stemmers also forget every word read since
 * training (a citizen's data was erased: a name typed once may be one).
 */
export function textForgetter(nlp: Nlp): (words?: "and words") => void {
  const stemmers: (() => void)[] = [];
  for (const stemmer of instances(nlp, "stemmer-") as Partial<Stemmer>[]) {
    if (typeof stemmer.stemWord === "function" && typeof stemmer.setCurrent === "function" && typeof stemmer.cache === "object")
      stemmers.push(boundStemmer(stemmer as Stemmer));
  }
  // Found at the first text: the classifiers exist once the model is trained.
  let caches: TextCache[] | undefined;
  return (words) => {
    if (words) for (const empty of stemmers) empty();
    if (!caches) {
      caches = instances(nlp, "tokenizer-");
      for (const manager of Object.values((nlp as unknown as Inner).nluManager.domainManagers ?? {})) caches.push(...Object.values(manager.domains ?? {}));
    }
    for (const { cache } of caches) {
      if (!cache) continue;
      if (cache.results) cache.results = {};
      if (cache.normalized) cache.normalized = {};
      if (cache.nonNormalized) cache.nonNormalized = {};
    }
  };
}

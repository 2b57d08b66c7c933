/**
 * The understanding as the bot uses it: trained once per process for a given set of corpora and
 * municipality names (tests and restarts in one process share it), with the time it took.
 */
import { loadCorpus } from "./corpus.js";
import { Understander, type UnderstanderOptions } from "./understander.js";

export type { Corpus } from "./corpus.js";
export { MAX_UNDERSTOOD, Understander } from "./understander.js";

const trained = new Map<string, Promise<{ understander: Understander; ms: number }>>();

/** Trains (or reuses) the understanding for the corpora under `localesDir`. */
export function trainUnderstanding(localesDir: string, rest: Omit<UnderstanderOptions, "corpus">): Promise<{ understander: Understander; ms: number }> {
  const corpus = loadCorpus(localesDir);
  const key = JSON.stringify([corpus, rest.municipalities, String(rest.folio.pattern)]);
  let pending = trained.get(key);
  if (!pending) {
    const started = performance.now();
    pending = Understander.train({ corpus, ...rest }).then((understander) => ({ understander, ms: performance.now() - started }));
    pending.catch(() => trained.delete(key));
    trained.set(key, pending);
  }
  return pending;
}

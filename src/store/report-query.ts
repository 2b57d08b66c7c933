/** A report filter in MongoDB's query language, which nedb speaks too. Values are the filter's own, made text. */
import type { InboxFilter, InboxSort, ReportFilter } from "./ports.js";

/** Created at or after `since` and before `until`, when either is given. */
function createdBetween({ since, until }: { since?: Date; until?: Date }): Record<string, Date> | undefined {
  if (!since && !until) return undefined;
  const created: Record<string, Date> = {};
  if (since) created.$gte = new Date(since);
  if (until) created.$lt = new Date(until);
  return created;
}

export function reportQuery(filter: ReportFilter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  if (filter.municipality !== undefined) query.municipality = String(filter.municipality);
  if (filter.category !== undefined) query.category = String(filter.category);
  if (filter.categories) query.category = { $in: filter.categories.map(String) };
  if (filter.folios) query.folio = { $in: filter.folios.map(String) };
  if (filter.unpurged) query.purgedAt = { $exists: false };
  if (filter.statuses) query.status = { $in: filter.statuses.map(String) };
  const created = createdBetween(filter);
  if (created) query.createdAt = created;
  return query;
}

/** The words of an inbox search as typed, the first 8 (each must be in the description). */
export function searchWords(text: string | undefined): string[] {
  return (text ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 8);
}

/** Characters that mean something in a regular expression, escaped so typed text is matched as it is. */
export function literalPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The letters a letter typed without its accent stands for ("suarez" finds «Suárez», "arbol" «árbol», "pina" «piña»). */
const ACCENTED: Record<string, string> = { a: "aáàâäã", e: "eéèêë", i: "iíìîï", o: "oóòôöõ", u: "uúùûü", n: "nñ", c: "cç" };

/**
 * A typed word as a pattern that finds it with or without accents (the word's own accents are
 * dropped first: "árbol" and "arbol" find the same); taken with the `i` flag, case aside too.
 */
export function wordPattern(word: string): string {
  const plain = word.normalize("NFD").replace(/\p{M}+/gu, "");
  return [...plain]
    .map((ch) => {
      const letters = ACCENTED[ch.toLowerCase()];
      return letters ? `[${letters}${letters.toUpperCase()}]` : literalPattern(ch);
    })
    .join("");
}

/**
 * An inbox filter in MongoDB's query language (typed words become case-insensitive patterns that
 * match them literally, accents aside, which nedb and MongoDB both take). The keys come in
 * the order nedb wants them: it answers from the index of the last plain value, and a single
 * municipality is the narrowest (800 reports of 100,000), so it comes last.
 */
export function inboxQuery(filter: InboxFilter): Record<string, unknown> {
  const pattern = (source: string) => new RegExp(source, "i");
  const query: Record<string, unknown> = {};
  if (filter.category !== undefined) query.category = String(filter.category);
  if (filter.channel !== undefined) query.channel = String(filter.channel);
  if (filter.statuses) query.status = { $in: filter.statuses.map(String) };
  const created = createdBetween(filter);
  if (created) query.createdAt = created;
  const words = searchWords(filter.text);
  if (words.length === 1) query.description = { $regex: pattern(wordPattern(words[0])) };
  if (words.length > 1) query.$and = words.map((w) => ({ description: { $regex: pattern(wordPattern(w)) } }));
  if (filter.createdBeforeIn) {
    query.$or = filter.createdBeforeIn.length
      ? filter.createdBeforeIn.map((w) => ({ status: String(w.status), createdAt: { $lt: new Date(w.before) } }))
      : [{ status: { $in: [] } }];
  }
  const municipalities = filter.municipalities?.map(String);
  if (municipalities) query.municipality = municipalities.length === 1 ? municipalities[0] : { $in: municipalities };
  return query;
}

export function inboxOrder(sort: InboxSort): Record<string, 1 | -1> {
  if (sort === "oldest") return { createdAt: 1, folio: 1 };
  if (sort === "updated") return { updatedAt: -1, folio: -1 };
  return { createdAt: -1, folio: -1 };
}

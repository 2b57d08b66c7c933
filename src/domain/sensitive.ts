/**
 * Spots descriptions that look like they carry sensitive personal data (a phone number, a CURP,
 * an e-mail, health, ethnicity, religion, political opinion), so the citizen is warned before saving.
 * The word lists are data in the locales; this module only matches.
 */
import { normalize } from "../util/text.js";

const PATTERNS: { kind: string; re: RegExp }[] = [
  { kind: "curp", re: /\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b/i },
  // Eight digits or more, however they are grouped: «722 123 45 67», «(722) 123-4567», «722/123/4567».
  { kind: "phone", re: /(?<![\d])\+?\(?\d(?:[\s.\-()/]{0,2}\d){7,}/ },
  { kind: "email", re: /[^\s@]+@[^\s@]+\.[a-z]{2,}/i },
  // Written so that a filter would not see it: «juana (arroba) gmail punto com», «juana arroba gmail.com», "joe at gmail dot com".
  {
    kind: "email",
    re: /[\p{L}\d._-]+\s*[([]?\s*(?:arroba|at)\s*[)\]]?\s*[\p{L}\d-]+\s*(?:[([]?\s*(?:punto|dot)\s*[)\]]?\s*|\.)(?:com|mx|net|org|edu|gob)\b/iu,
  },
];

/**
 * Numbers that are not a phone, taken out before looking for one: a folio however typed («MET 2026 000123»,
 * any number of digits), a date («15-04-2026», «2026-04-15», «12.05.2025»), a point («19.2826 -99.6557»).
 */
const NOT_PHONES = [/\b[A-Z]{3}[\s\-_./]*\d{4}[\s\-_./]*\d{1,9}\b/gi, /\b\d{1,4}[-./]\d{1,2}[-./]\d{2,4}\b/g, /(?<![\d.])-?\d{1,3}\.\d{4,}(?![\d.])/g];

export function findSensitive(text: string, sensitiveWords: readonly string[]): string[] {
  // Full-width and other look-alike digits read as the digits they are («７２２»).
  const plain = NOT_PHONES.reduce((t, re) => t.replace(re, " "), text.normalize("NFKC"));
  const found = [...new Set(PATTERNS.filter((p) => p.re.test(plain)).map((p) => p.kind))];
  const words = ` ${normalize(text)} `;
  if (sensitiveWords.some((w) => words.includes(` ${normalize(w)} `))) found.push("special_category");
  return found;
}

/**
 * Whether a text meant for anyone (a published description, a public answer or reason) holds a phone
 * number, an e-mail or a CURP: the check open data and everything a folio shows pass.
 */
export function holdsContactData(text: string): boolean {
  return findSensitive(text, []).length > 0;
}

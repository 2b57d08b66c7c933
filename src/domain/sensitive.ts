/**
 * Spots descriptions that look like they carry sensitive personal data (a phone number, a CURP,
 * an e-mail, health, ethnicity, religion, political opinion), so the citizen is warned before saving.
 * The word lists are data in the locales; this module only matches.
 */
import { normalize } from "../util/text.js";

const PATTERNS: { kind: string; re: RegExp }[] = [
  { kind: "curp", re: /\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b/i },
  { kind: "phone", re: /(?:\+?52[\s-]?)?(?:\(?\d{2,3}\)?[\s.-]?)?\d{3,4}[\s.-]?\d{4}\b/ },
  { kind: "email", re: /[^\s@]+@[^\s@]+\.[a-z]{2,}/i },
];

export function findSensitive(text: string, sensitiveWords: readonly string[]): string[] {
  const found = PATTERNS.filter((p) => p.re.test(text)).map((p) => p.kind);
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

/**
 * Spots descriptions that look like they carry sensitive personal data (a phone number, a CURP,
 * an e-mail, health, ethnicity, religion, political opinion), so the citizen is warned before saving.
 * The word lists are data in the locales; this module only matches.
 */
import { normalize } from "../util/text.js";
import { folioInText } from "./folio.js";

/** What is looked for; `inLinks`: also inside a link (a CURP is one wherever it is written; see LINKS). */
const PATTERNS: { kind: string; re: RegExp; inLinks?: true }[] = [
  { kind: "curp", re: /\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b/i, inLinks: true },
  // Eight digits or more, however they are grouped: «722 123 45 67», «(722) 123-4567», «722/123/4567».
  { kind: "phone", re: /(?<![\d])\+?\(?\d(?:[\s.\-()/]{0,2}\d){7,}/ },
  { kind: "email", re: /[^\s@]+@[^\s@]+\.[a-z]{2,}/i },
  // Written so that a filter would not see it: «juana (arroba) gmail punto com», «juana arroba gmail.com», "joe at gmail dot com".
  // Each part a word of at most 64 letters, «arroba» and «at» set apart before (spaces or brackets), «at»
  // after too («juana arrobagmail.com» is one): a text of «atatat…» or «arrobaarroba…» is read in one pass,
  // not in a time that grows with the cube of its length.
  {
    kind: "email",
    re: /(?<![\p{L}\d._-])[\p{L}\d._-]{1,64}(?:\s+|\s*[([]\s*)(?:arroba(?:\s+|\s*[)\]]\s*)?|at(?:\s+|\s*[)\]]\s*))[\p{L}\d-]{1,64}(?:\s*[([]?\s*(?:punto|dot)\s*[)\]]?\s*|\s*\.)(?:com|mx|net|org|edu|gob)\b/iu,
  },
];

/**
 * Numbers that are not a phone, taken out before looking for one: a folio however typed («MET 2026 000123»,
 * any number of digits), a date («15-04-2026», «2026-04-15», «12.05.2025»; not three groups of a phone
 * written in pairs, «55-12-34-56-78»), a point («19.2826 -99.6557»).
 */
const NOT_PHONES = [
  // As the understanding finds one (a year of this century: «cel 7221234567» is a phone, not a folio).
  folioInText(9),
  /(?<!\d[-./]?)\b\d{1,4}[-./]\d{1,2}[-./]\d{2,4}\b(?![-./]\d)/g,
  /(?<![\d.])-?\d{1,3}\.\d{4,}(?![\d.])/g,
];

/**
 * Links, taken out before looking for a phone or an e-mail: their digits are a post's or a profile's id
 * («https://www.facebook.com/share/p/1AbC23dEfG/», «facebook.com/profile.php?id=100012345678901») or a
 * map's, and an «@» in them a user's name («tiktok.com/@vecina.metepec»). A link starts with its scheme or
 * «www.», or is a domain followed by a path (never an e-mail's domain: «juana@gmail.com»); it ends at a
 * space, a quote or a bracket it did not open («(https://fb.com/…)722 123 4567»).
 */
const LINK_CHARS = String.raw`(?:[^\s<>"'()\[\]]|\([^\s<>"'()]*\))`;
const LINKS = new RegExp(String.raw`\b(?:https?:\/\/|www\.)${LINK_CHARS}+|(?<![@\w.-])(?:[a-z\d-]+\.)+[a-z]{2,}\/${LINK_CHARS}*`, "gi");
/**
 * A link that is a way to reach someone stays: a phone's (WhatsApp's «wa.me/5217221234567», Telegram's «t.me/+527221234567»,
 * «api.whatsapp.com/send?phone=…») or one that carries an e-mail («…/contacto?correo=juana@gmail.com»).
 */
const CONTACT_LINK = /(?:^|[/.])wa\.me\/|(?:^|[/.])t\.me\/\+|whatsapp\.com\/send|[?&]phone=|[?&=:][^\s@/?&=]+@[^\s@/?&=]+\.[a-z]{2,}/i;

export function findSensitive(text: string, sensitiveWords: readonly string[]): string[] {
  // Full-width and other look-alike digits read as the digits they are («７２２»).
  const written = text.normalize("NFKC");
  const plain = NOT_PHONES.reduce((t, re) => t.replace(re, " "), written);
  // Outside links (a phone or an e-mail written next to one is still found).
  const withoutLinks = NOT_PHONES.reduce(
    (t, re) => t.replace(re, " "),
    written.replace(LINKS, (link) => (CONTACT_LINK.test(link) ? link : " ")),
  );
  const found = [...new Set(PATTERNS.filter((p) => p.re.test(p.inLinks ? plain : withoutLinks)).map((p) => p.kind))];
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

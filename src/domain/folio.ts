/** Folios: `MET-2026-000123`, readable over the phone and forgiving when typed back. */

/** `digits`: how many digits the number has (config/deployment.yaml). */
export function formatFolio(prefix: string, year: number, seq: number, digits: number): string {
  return `${prefix}-${year}-${String(seq).padStart(digits, "0")}`;
}

/** Whether a text could be a folio at all, however mistyped: every folio has digits («no tengo folio», «mejor luego» have none). */
export function mayBeFolio(text: string): boolean {
  return /\d/.test(text.normalize("NFKC"));
}

/**
 * What may part a folio's pieces: spaces, «-», «_», «.», «/», and the dashes a phone's autocorrect makes of a
 * hyphen («ECA–2026–000001»: en dash, em dash, the minus sign…).
 */
const PARTS = "\\s\\-_./\\u2010-\\u2015\\u2212";

/** "met 2026 123", "MET-2026-000123", "met2026000123", "ECA–2026–000001" → "MET-2026-000123"…; anything else → undefined. */
export function parseFolio(text: string, digits: number): string | undefined {
  // A letter O typed for a zero among the digits («ECA-2026-OOOOO1») is read as the zero it looks like.
  const m = new RegExp(`^\\s*([a-zA-Z]{3})[${PARTS}]*([\\dOo]{4})[${PARTS}]*([\\dOo]{1,${digits}})\\s*$`).exec(text.slice(0, 40));
  // Digits it must have: «esooooo» is no folio.
  if (!m || (m[2] + m[3]).replace(/\D/g, "").length < 3) return undefined;
  const number = (part: string) => Number(part.replace(/[Oo]/g, "0"));
  return formatFolio(m[1].toUpperCase(), number(m[2]), number(m[3]), digits);
}

/** A folio typed without the municipality's letters («2026-000001», «2026 1») → "2026-000001", as folios end; anything else → undefined. */
export function folioWithoutLetters(text: string, digits: number): string | undefined {
  const m = new RegExp(`^\\s*(20\\d{2})[${PARTS}]+(\\d{1,${digits}})\\s*$`).exec(text.slice(0, 40));
  return m ? `${m[1]}-${m[2].padStart(digits, "0")}` : undefined;
}

/**
 * A folio inside a sentence ("mi folio es TOL-2026-000001"): its year is this century's, so a phone after
 * three letters is none («mi cel 5512345678», «tel 7221234567»).
 */
export function folioInText(digits: number): RegExp {
  return new RegExp(`\\b[a-z]{3}[${PARTS}]*20\\d{2}[${PARTS}]*\\d{1,${digits}}\\b`, "gi");
}

/**
 * What the understanding finds as a folio: one in a sentence (`folioInText`), or one written without its letters
 * as the bot writes the rest («2026-000001»: the year, a dash and every digit of the number), which `readFolio`
 * reads as `2026-000001` for the domain to look among the citizen's own reports.
 */
export function folioMentions(digits: number): RegExp {
  return new RegExp(`${folioInText(digits).source}|(?<![\\w-])20\\d{2}-\\d{${digits}}(?![\\w-])`, "gi");
}

/** A folio found in a text (`folioInText`): written whole, or as `2026-000001` when its letters are missing; else undefined. */
export function readFolio(text: string, digits: number): string | undefined {
  return parseFolio(text, digits) ?? folioWithoutLetters(text, digits);
}

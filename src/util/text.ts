/** Text helpers shared by the engine and the domain: comparison that forgives accents, case and stray punctuation. */

const NORMALISED = /^[a-z0-9-]+(?: [a-z0-9-]+)*$/;
const NOT_ASCII = /[\u0080-\uffff]/;

/** A question ("¿es anónimo?", "follow-up?"): it asks about what it names, it does not choose or tell it. */
export const isQuestion = (text: string): boolean => /[?¿]/.test(text);

/**
 * The sentences of a text as its questions part it: after «?» and «!», and before «¿» («hay una fuga, ¿a quién le
 * aviso?» is two). Not at a full stop: addresses are full of them («av. Juárez», «col. Centro», «no. 12»).
 */
export const sentences = (text: string): string[] => text.split(/(?<=[?!])|(?=¿)/).filter((sentence) => sentence.trim() !== "");

/** "  ¡Menú! " → "menu"; "Nezahualcóyotl" → "nezahualcoyotl". */
export function normalize(text: string): string {
  // Most texts compared are words already normalised, or plain ASCII: the same result, sooner.
  if (NORMALISED.test(text)) return text;
  if (!NOT_ASCII.test(text))
    return text
      .toLowerCase()
      .replace(/[^a-z0-9\s-]/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  return normalizeWhole(text);
}

/** `normalize` without its quick paths: what they must give. */
export function normalizeWhole(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const known = new Map<string, string>();
/**
 * `normalize` for the bot's own words (locales' word lists, option labels, flow values), remembered:
 * they are compared with every message. Never for what people write (it would be kept).
 */
export function normalizeKnown(text: string): string {
  let n = known.get(text);
  if (n === undefined) {
    n = normalize(text);
    // Bounded all the same: a deployment's texts are a few thousand.
    if (known.size >= 20_000) known.clear();
    known.set(text, n);
  }
  return n;
}

/** What `stripControl` removes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const UNSHOWN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/**
 * Removes control characters (keeps new lines and tabs) so stored text is always printable, and the
 * invisible ones that change how text around them shows: the direction overrides and isolates (U+202E
 * makes «gpj.exe» read «exe.jpg», in the panel and in open data), direction marks, zero-width spaces and
 * word joiners, the byte-order mark. The zero-width joiners that make up emoji and scripts stay.
 */
export function stripControl(text: string): string {
  return text.replace(UNSHOWN, "").normalize("NFC");
}

/** Text safe to put inside HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Splits a text into pieces of at most `max` characters, at a line break or a space in the second half of each when there is one. */
export function splitAt(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    // A line break if there is one in the second half, else a space, else a hard cut.
    const line = window.lastIndexOf("\n");
    const space = window.lastIndexOf(" ");
    const at = line > max / 2 ? line : space > max / 2 ? space : max;
    out.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

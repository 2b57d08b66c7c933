/**
 * Typed answers: turn a citizen's input into the value an `ask` step saves, or say why it cannot.
 * Pure: choices are matched by number, value (button) or label in either language; every question that
 * shows choices (yes/no, "Omitir") takes their number and label too. What the understanding found
 * (intents, entities) is read by interpret.ts; this file needs only the words themselves.
 */

import { distance } from "fastest-levenshtein";
import { LANGUAGES, type Language } from "../locale/languages.js";
import type { Json } from "../util/json.js";
import { normalize, normalizeKnown } from "../util/text.js";
import type { AnswerSpec, Target } from "./flow-schema.js";
import type { EngineContext, EngineInput, ReplyChoice, Vars } from "./types.js";
import { getVar } from "./vars.js";

/**
 * `free`: a typed text kept as it is (a name, an address, a folio), not a recognised option: intents are heard first.
 * A refusal names its text and, for a question with limits, the limits themselves (`min`, `max`).
 */
export type AnswerResult = { ok: true; value: Json; goto?: Target; free?: boolean } | { ok: false; error: string; params?: Vars };

type ChoiceSpec = Extract<AnswerSpec, { type: "choice" }>;

export interface ChoiceOption extends ReplyChoice {
  goto?: Target;
  intents?: string[];
  /** Texts whose words also pick it, as its label's do; never counted as naming it against a yes (`namesAnotherOption`). */
  synonyms?: string[];
  /** Asked about first when only the classifier picked it (flow-schema.ts). */
  sure?: boolean;
  /** Labels of the question the option leads to, whose words also pick it (flow-schema.ts). */
  words?: string[];
  /** An entity whose mention picks it, the message answering the question it leads to (flow-schema.ts). */
  namedBy?: string;
}

/** An option written in the flow, as the engine reads it. */
const fromFlow = (o: NonNullable<ChoiceSpec["options"]>[number]): ChoiceOption => ({
  value: o.value,
  key: o.label,
  goto: o.goto,
  intents: o.intents,
  words: o.words,
  synonyms: o.synonyms,
  sure: o.sure,
  namedBy: o.named_by,
});

/** The longest typed text kept where a free text or an address is taken (the rest is cut). */
export const ADDRESS_MAX = 200;

/** The options a choice shows now: static options, then options from a variable, then extras. */
export function choiceOptions(spec: ChoiceSpec, vars: Vars): ChoiceOption[] {
  const out: ChoiceOption[] = (spec.options ?? []).map(fromFlow);
  if (spec.options_from) {
    const list = getVar(vars, spec.options_from);
    if (Array.isArray(list)) {
      for (const item of list) {
        if (item && typeof item === "object" && !Array.isArray(item) && typeof item.value === "string") {
          if (typeof item.key === "string") out.push({ value: item.value, key: item.key });
          else out.push({ value: item.value, label: String(item.label ?? item.value) });
        }
      }
    }
  }
  out.push(...(spec.extra ?? []).map(fromFlow));
  return out;
}

/** A word list as it is read: its entries normalised, and those of more than one word apart. */
interface ReadList {
  set: ReadonlySet<string>;
  phrases: readonly string[];
}

/** The words that mean `name` (locales' word lists), read once per list, asked for on every message. */
const readLists = new WeakMap<readonly string[], ReadList>();
function readList(ctx: EngineContext, name: string): ReadList {
  const list = ctx.words(name);
  let read = readLists.get(list);
  if (!read) {
    const set = new Set(list.map(normalizeKnown));
    // Longest first: «see you later» is left out whole, not «see you» leaving «later».
    read = { set, phrases: [...set].filter((w) => w.includes(" ")).sort((a, b) => b.length - a.length) };
    readLists.set(list, read);
  }
  return read;
}

/** The words that mean `name` (locales' word lists), normalised. */
export function wordSet(ctx: EngineContext, name: string): ReadonlySet<string> {
  return readList(ctx, name).set;
}

function matchesWord(ctx: EngineContext, name: string, text: string): boolean {
  return wordSet(ctx, name).has(normalize(text));
}

/**
 * The words that carry meaning in a text (`contentWords`) besides what it names (`mentions`, as written)
 * and the words and phrases of the locales' word lists `lists` («request»: «hola», «quiero»; «correction»:
 * «me equivoqué»).
 */
export function wordsBesides(ctx: EngineContext, text: string, mentions: readonly { text: string }[], lists: readonly string[]): string[] {
  let rest = text.trim().toLowerCase();
  for (const mention of mentions) rest = rest.replace(mention.text.toLowerCase(), " ");
  const phrases = lists.flatMap((name) => readList(ctx, name).phrases);
  if (phrases.length) {
    rest = ` ${normalize(rest)} `;
    for (const phrase of phrases) rest = rest.split(` ${phrase} `).join(" ");
  }
  const sets = lists.map((name) => wordSet(ctx, name));
  return contentWords(ctx, rest).filter((w) => !sets.some((set) => set.has(w)));
}

/**
 * The words of a text that carry meaning: normalised, without fillers ("de", "la", "por favor"…); a
 * hyphen parts words as a space does ("follow-up" and "follow up" are the same words).
 */
export function contentWords(ctx: EngineContext, text: string): string[] {
  const filler = wordSet(ctx, "filler");
  return normalize(text)
    .split(/[\s-]+/)
    .filter((w) => w && !filler.has(w));
}

/**
 * "sí, acepto", "claro que sí", "dale" → yes; "no", "nel" → no: the whole text is a word of the list, or
 * every word that carries meaning is a one-word entry of it.
 */
export function yesNoOf(ctx: EngineContext, text: string): "yes" | "no" | undefined {
  for (const name of ["yes", "no"] as const) if (matchesWord(ctx, name, text)) return name;
  for (const name of ["yes", "no"] as const) if (allWordsOf(ctx, name, text)) return name;
  // Typed with feeling: «nooo», «siiii», «sisi», «no no»: the word said once.
  const plain = said(text);
  if (plain !== normalize(text)) for (const name of ["yes", "no"] as const) if (matchesWord(ctx, name, plain)) return name;
  return undefined;
}

/** A short text without its stretched letters and said once («noo», «nooo» → «no», «sisi», «si si» → «si»). */
function said(text: string): string {
  const squeezed = normalize(text).replace(/(\p{L})\1+/gu, "$1");
  return /^(\p{L}{1,4}) ?\1$/u.exec(squeezed)?.[1] ?? squeezed;
}

/**
 * A yes or no said first and set apart by punctuation, the rest saying more: «sí, quiero recibir los
 * avisos», «no, mejor lo escribo de nuevo». (Without the comma, «si» is also "if": «si no sale agua…».)
 */
export function leadingYesNo(ctx: EngineContext, text: string): "yes" | "no" | undefined {
  const first = LEADING_WORD.exec(text)?.[1];
  return first ? yesNoOf(ctx, first) : undefined;
}

/** A first word set apart by punctuation («sí, …»), and the space after it. */
const LEADING_WORD = /^\s*(\S+?)[,.;:!]\s/;

/** The text without a yes or no said first (`leadingYesNo`): «sí, en la calle Morelos 15» → «en la calle Morelos 15». */
export function withoutLeadingYesNo(ctx: EngineContext, text: string): string {
  const leading = LEADING_WORD.exec(text);
  return leading && yesNoOf(ctx, leading[1]) ? text.slice(leading[0].length).trimStart() : text;
}

/** Whether every word of `text` that carries meaning is a one-word entry of the list `name` (one at least). */
function allWordsOf(ctx: EngineContext, name: string, text: string): boolean {
  const words = contentWords(ctx, text);
  if (words.length === 0) return false;
  const single = new Set(
    ctx
      .words(name)
      .map(normalizeKnown)
      .filter((w) => !w.includes(" ")),
  );
  return words.every((w) => single.has(w));
}

/** Whether the text holds a word, or the words, of an entry of the list `name` anywhere («sí, envíalo así como está»: `yes`). */
export function saysWordOf(ctx: EngineContext, name: string, text: string): boolean {
  // What the citizen wrote is never remembered (normalizeKnown keeps what it is given).
  const said = ` ${normalize(text)} `;
  for (const entry of wordSet(ctx, name)) if (said.includes(` ${entry} `)) return true;
  return false;
}

/**
 * Whether the text opens with an entry of the list `name` («qué pasa si no acepto…» with `opens_question`),
 * once the words of the lists `skipping` before it are left out («hola, por favor quiero reportar que…» with
 * `request` and `filler`); never after any other word («no quiero reportar nada…»).
 */
export function opensWith(ctx: EngineContext, name: string, text: string, skipping: readonly string[] = []): boolean {
  const said = `${normalize(text)} `;
  const skipped = skipping.map((list) => wordSet(ctx, list));
  // From the start, then past each word skipped: `at` is where the next word begins.
  for (let at = 0; at < said.length; ) {
    for (const entry of wordSet(ctx, name)) if (said.startsWith(`${entry} `, at)) return true;
    const end = said.indexOf(" ", at);
    if (!skipped.some((set) => set.has(said.slice(at, end)))) return false;
    at = end + 1;
  }
  return false;
}

/** «omitir», «sin foto», and as yes and no are read: «mejor no», «no gracias», «mejor después». */
export function isSkip(ctx: EngineContext, input: EngineInput): boolean {
  if (input.type === "choice") return input.value === "_skip";
  return input.type === "text" && (matchesWord(ctx, "skip", input.text) || allWordsOf(ctx, "skip", input.text));
}

/** An option's label in every language (a static label is a key; a dynamic one is already text). */
export function optionLabels(ctx: EngineContext, o: ReplyChoice): string[] {
  return o.key ? LANGUAGES.map((l) => ctx.t(l, o.key as string)) : [o.label ?? ""];
}

/**
 * The words of the labels that pick an option, each label's apart: its own (in every language), and those
 * it borrows from the question it leads to (`words`).
 */
function labelWords(ctx: EngineContext, o: ChoiceOption): { own: string[][]; borrowed: string[][]; synonyms: string[][] } {
  const of = (keys: string[] | undefined) => (keys ?? []).flatMap((key) => LANGUAGES.map((l) => contentWords(ctx, ctx.t(l, key))));
  return { own: optionLabels(ctx, o).map((label) => contentWords(ctx, label)), borrowed: of(o.words), synonyms: of(o.synonyms) };
}

/** An option's labels normalised: a static label's (a key) remembered, a dynamic one's as it comes. */
function normalizedLabels(ctx: EngineContext, o: ReplyChoice): string[] {
  return o.key ? LANGUAGES.map((l) => normalizeKnown(ctx.t(l, o.key as string))) : [normalize(o.label ?? "")];
}

/** The label a citizen reads for an option, in their language. */
export function optionLabel(ctx: EngineContext, lang: Language, o: ReplyChoice): string {
  return o.key ? ctx.t(lang, o.key) : (o.label ?? o.value);
}

/**
 * Whether a word typed (of four letters or more, one slip forgiven from five) is a word of the label of
 * an option other than `chosen`: the text is about that option, whatever a classifier made of it.
 */
export function namesAnotherOption(ctx: EngineContext, options: ChoiceOption[], chosen: unknown, text: string): boolean {
  const wordsOf = (o: ChoiceOption) => {
    const { own, borrowed } = labelWords(ctx, o);
    return [...own, ...borrowed].flat();
  };
  const own = options.filter((o) => o.value === chosen).flatMap(wordsOf);
  // A word of the chosen option's own labels names it, whatever else it also names ("sí, envía": «Enviar reporte»).
  const typed = contentWords(ctx, text).filter((t) => t.length >= 4 && !own.some((w) => sameWord(t, w)));
  return options.some((o) => o.value !== chosen && wordsOf(o).some((w) => typed.some((t) => sameWord(t, w))));
}

/** The same word, one slip forgiven in words of five letters or more. */
function sameWord(a: string, b: string): boolean {
  return a === b || (b.length >= 5 && a.length >= 5 && distance(a, b) <= 1);
}

/**
 * The one option whose label holds every meaningful word typed ("con seguimiento" → "Con seguimiento por
 * este chat", "anonimo" → "Anónimo"), forgiving one slip in words of five letters or more; `borrowed`
 * when the words are those of a label it borrows (`words`), not its own. Words that ask rather than tell
 * (locales' `request`: «quiero», «necesito», «por favor») need not be in it when another word typed is:
 * «quiero cambiar la foto» is «Cambiar la foto».
 */
export function partialOption<O extends ChoiceOption>(ctx: EngineContext, options: O[], text: string): { option: O; borrowed: boolean } | undefined {
  // «no, mejor con seguimiento», «sí, con seguimiento»: a yes or no set apart first, then the option's words.
  return optionOfWords(ctx, options, text) ?? (leadingYesNo(ctx, text) ? optionOfWords(ctx, options, withoutLeadingYesNo(ctx, text)) : undefined);
}

function optionOfWords<O extends ChoiceOption>(ctx: EngineContext, options: O[], text: string): { option: O; borrowed: boolean } | undefined {
  const typed = contentWords(ctx, text);
  if (typed.length === 0) return undefined;
  const asking = wordSet(ctx, "request");
  const within = (words: string[], w: string) => words.some((x) => sameWord(x, w));
  const holdsTyped = (label: string[]) =>
    typed.every((t) => within(label, t) || asking.has(t)) && typed.some((t) => within(label, t) && (!asking.has(t) || typed.every((u) => within(label, u))));
  const read = options.map((option) => {
    const { own, borrowed, synonyms } = labelWords(ctx, option);
    // Its synonyms say it as its label does («borra la dirección»: «Cambiar la ubicación»).
    return { option, own: [...own, ...synonyms], labels: [...own, ...synonyms, ...borrowed] };
  });
  let hits = read.filter((r) => r.labels.some(holdsTyped));
  // "mejor anónimo": «Anónimo» is all of it, «Anónimo, con avisos por este chat» only a part.
  if (hits.length > 1) hits = hits.filter((r) => r.labels.some((label) => holdsTyped(label) && label.every((w) => within(typed, w))));
  if (hits.length !== 1) return undefined;
  return { option: hits[0].option, borrowed: !hits[0].own.some(holdsTyped) };
}

/** Words at most of a number said with the words of picking it («la opción 3 por favor»). */
const PICKED_WORDS = 6;
/** Ordinals and numbers in words known, from one (words.yaml `ordinal_1` … `ordinal_10`). */
const ORDINALS = 10;

/** The position `word` names as an ordinal or a number in words («tercera», «tres», "third"), if any. */
function ordinalOf(ctx: EngineContext, word: string): number | undefined {
  for (let n = 1; n <= ORDINALS; n++) if (wordSet(ctx, `ordinal_${n}`).has(word)) return n;
  return undefined;
}

/**
 * The number of a shown option said with the words of picking it: «opción 3», «la 3 porfa», «el número 4», «la
 * tercera», "option 2 please", "the first one" (on WhatsApp the options are a numbered list, and people answer so).
 * Every other word is one of picking (`pick`) or a filler; a word of both that is also a number («one») counts as the
 * number only when no other is said ("the third one"). Two numbers said are no answer.
 */
export function pickedNumber(ctx: EngineContext, text: string): number | undefined {
  const words = normalize(text).split(" ").filter(Boolean);
  if (!words.length || words.length > PICKED_WORDS) return undefined;
  const pick = wordSet(ctx, "pick");
  const filler = wordSet(ctx, "filler");
  const numberOf = (w: string) => (/^\d{1,2}$/.test(w) ? Number(w) : ordinalOf(ctx, w));
  const said = (ws: string[]) => [...new Set(ws.map(numberOf).filter((n): n is number => n !== undefined))];
  if (words.some((w) => numberOf(w) === undefined && !pick.has(w) && !filler.has(w))) return undefined;
  const numbers = said(words.filter((w) => !pick.has(w)));
  const found = numbers.length ? numbers : said(words);
  return found.length === 1 ? found[0] : undefined;
}

function parseChoice(spec: ChoiceSpec, input: EngineInput, vars: Vars, ctx: EngineContext): AnswerResult {
  const options = choiceOptions(spec, vars);
  const pick = (o: ChoiceOption | undefined): AnswerResult | undefined => (o ? { ok: true, value: o.value, goto: o.goto } : undefined);
  if (input.type === "choice") return pick(options.find((o) => o.value === input.value)) ?? { ok: false, error: "errors.choice" };
  if (input.type !== "text") return { ok: false, error: "errors.choice" };
  const text = normalize(input.text);
  const number = /^\d{1,3}$/.test(text) ? Number(text) : pickedNumber(ctx, text);
  if (number !== undefined) {
    const byNumber = pick(options[number - 1]);
    if (byNumber) return byNumber;
  }
  const byLabel = options.find((o) => normalizedLabels(ctx, o).includes(text) || normalizeKnown(o.value) === text);
  if (byLabel) return pick(byLabel) as AnswerResult;
  // "sí", "listo" at "¿Lo enviamos?": the option that stands for yes (or no).
  const yesNo = yesNoOf(ctx, input.text);
  const meant = yesNo ? options.filter((o) => o.intents?.includes(yesNo)) : [];
  if (meant.length === 1) return pick(meant[0]) as AnswerResult;
  if (spec.allow_text && text.length > 0) return { ok: true, value: input.text.trim().slice(0, ADDRESS_MAX), free: true };
  return { ok: false, error: "errors.choice" };
}

function parseNumber(spec: Extract<AnswerSpec, { type: "number" }>, input: EngineInput): AnswerResult {
  if (input.type !== "text") return { ok: false, error: "errors.number" };
  const cleaned = input.text.trim().replace(/,/g, ".");
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return { ok: false, error: "errors.number" };
  const n = Number(cleaned);
  if (spec.integer && !Number.isInteger(n)) return { ok: false, error: "errors.integer" };
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    if (spec.min === undefined) return { ok: false, error: "errors.number_max", params: { max: spec.max ?? null } };
    if (spec.max === undefined) return { ok: false, error: "errors.number_min", params: { min: spec.min } };
    return { ok: false, error: "errors.number_range", params: { min: spec.min, max: spec.max } };
  }
  return { ok: true, value: n };
}

/** A typed number or label of one of the choices the question shows, as if its button had been pressed. */
export function asShownChoice(spec: AnswerSpec, input: EngineInput, vars: Vars, ctx: EngineContext): EngineInput {
  if (input.type !== "text" || spec.type === "choice") return input;
  const shown = promptChoices(spec, vars) ?? [];
  const text = normalize(input.text);
  const number = /^\d{1,2}$/.test(text) ? Number(text) : pickedNumber(ctx, text);
  const byNumber = number === undefined ? undefined : shown[number - 1];
  const hit = byNumber ?? shown.find((c) => normalizedLabels(ctx, c).includes(text));
  return hit ? { type: "choice", value: hit.value } : input;
}

export function parseAnswer(spec: AnswerSpec, raw: EngineInput, vars: Vars, ctx: EngineContext): AnswerResult {
  const input = asShownChoice(spec, raw, vars, ctx);
  switch (spec.type) {
    case "text": {
      if (input.type !== "text") return { ok: false, error: "errors.text" };
      const text = input.text.trim();
      // «omitir» where a text is needed (a description): not too short, but not to be skipped.
      if (text.length < spec.min && isSkip(ctx, input)) return { ok: false, error: "errors.text_needed" };
      // The question's own limits, in the refusal too.
      if (text.length < spec.min) {
        return text.length === 0
          ? { ok: false, error: "errors.text" }
          : { ok: false, error: "errors.text_short", params: { min: spec.min, length: text.length } };
      }
      if (text.length > spec.max) return { ok: false, error: "errors.text_long", params: { max: spec.max, length: text.length } };
      // A question that expects a thing (a folio) keeps other text only when nothing else is understood.
      return { ok: true, value: text, ...(spec.entity ? { free: true } : {}) };
    }
    case "number":
      return parseNumber(spec, input);
    case "choice":
      return parseChoice(spec, input, vars, ctx);
    case "yesno": {
      if (input.type === "choice" && (input.value === "yes" || input.value === "no")) return { ok: true, value: input.value === "yes" };
      const yesNo = input.type === "text" ? (yesNoOf(ctx, input.text) ?? leadingYesNo(ctx, input.text)) : undefined;
      if (yesNo) return { ok: true, value: yesNo === "yes" };
      return { ok: false, error: "errors.yesno" };
    }
    case "location":
      if (input.type === "location") return { ok: true, value: { latitude: input.latitude, longitude: input.longitude } };
      if (spec.optional && isSkip(ctx, input)) return { ok: true, value: null };
      if (spec.allow_text && input.type === "text" && input.text.trim().length > 1)
        return { ok: true, value: { text: input.text.trim().slice(0, ADDRESS_MAX) }, free: true };
      return { ok: false, error: spec.allow_text ? "errors.location_or_text" : "errors.location" };
    case "photo":
      if (input.type === "photo") return { ok: true, value: input.mediaId };
      if (spec.optional && isSkip(ctx, input)) return { ok: true, value: null };
      return { ok: false, error: "errors.photo" };
  }
}

/** The choices a question shows (yes/no buttons, skip button, options). */
export function promptChoices(spec: AnswerSpec, vars: Vars): ReplyChoice[] | undefined {
  if (spec.type === "choice") return choiceOptions(spec, vars).map(({ value, key, label }) => ({ value, key, label }));
  if (spec.type === "yesno") return YES_NO;
  if ((spec.type === "photo" || spec.type === "location") && spec.optional) return [{ value: "_skip", key: "words.skip_label" }];
  return undefined;
}

/** The buttons of a yes/no question. */
export const YES_NO: ReplyChoice[] = [
  { value: "yes", key: "words.yes_label" },
  { value: "no", key: "words.no_label" },
];

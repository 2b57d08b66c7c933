/**
 * Answers read from what the understanding found in a text (see understanding.ts): a confident yes or
 * no, the option an intent or a named thing stands for (a category, a municipality, a topic), a skip,
 * or the thing a question expects ("mi folio es TOL-…"). A doubtful reading becomes a guess the
 * citizen confirms; nothing here is assumed on a doubt.
 */
import type { Language } from "../locale/languages.js";
import type { Json } from "../util/json.js";
import { type AnswerResult, type ChoiceOption, choiceOptions, optionLabel, promptChoices, YES_NO } from "./answers.js";
import type { AnswerSpec } from "./flow-schema.js";
import type { EngineContext, EngineInput, ReplyChoice, Vars } from "./types.js";
import { DOUBTFUL, type Mention, topIntent, type Understood } from "./understanding.js";

const understoodOf = (input: EngineInput): Understood | undefined => (input.type === "text" ? input.understood : undefined);

/**
 * What a text named, for the flows: `heard.category` (the value) and `heard.category_text` (the words
 * as written), and so on for each entity. Empty for anything but understood text.
 */
export function heardVars(input: EngineInput): Vars {
  const out: Vars = {};
  const u = understoodOf(input);
  for (const [entity, m] of Object.entries(u?.entities ?? {})) {
    out[entity] = m.value;
    out[`${entity}_text`] = m.text;
  }
  // Another of a kind, named apart («…y también una lámpara fundida»): `<entity>_besides`, with its words.
  for (const [entity, m] of Object.entries(u?.besides ?? {})) {
    out[`${entity}_besides`] = m.value;
    out[`${entity}_besides_text`] = m.text;
  }
  return out;
}

/**
 * The option a signal the message names stands for (exact words: «sigue igualito», «ya lo taparon», «no sé»):
 * the one that lists it among its intents. It goes before the option's words and what the classifier
 * guessed («nel sigue igualito» read as cancel, «no sé» as the «no» of «No, sigue igual»); of two, the one
 * said in more words («no se ha arreglado» is still there, not «no sé»).
 */
export function optionBySignal<O extends ChoiceOption>(options: O[], u: Understood | undefined): O | undefined {
  if (!u) return undefined;
  const said = (o: O) => Math.max(0, ...(o.intents ?? []).map((i) => u.entities[i]?.text.length ?? 0));
  const named = options.filter((o) => said(o) > 0).sort((a, b) => said(b) - said(a));
  return named.length === 1 || (named.length > 1 && said(named[0]) > said(named[1])) ? named[0] : undefined;
}

/** The choices that `intent` (or, without one, the named things) stands for. */
function meant(spec: AnswerSpec, u: Understood, intent: string | undefined, vars: Vars): ReplyChoice[] {
  switch (spec.type) {
    case "yesno":
      return YES_NO.filter((c) => c.value === intent);
    case "photo":
    case "location":
      return spec.optional && (intent === "skip" || intent === "no") ? (promptChoices(spec, vars) ?? []) : [];
    case "choice": {
      const options = choiceOptions(spec, vars);
      const signalled = optionBySignal(options, u);
      if (signalled) return [signalled];
      const byIntent = intent ? options.filter((o) => o.value === intent || o.intents?.includes(intent)) : [];
      if (byIntent.length) return byIntent;
      const named = new Set(Object.values(u.entities).map((m) => m.value));
      return options.filter((o) => named.has(o.value));
    }
    default:
      return [];
  }
}

function asAnswer(spec: AnswerSpec, choice: ReplyChoice, vars: Vars): AnswerResult {
  if (spec.type === "yesno") return { ok: true, value: choice.value === "yes" };
  if (spec.type === "choice") {
    const option = choiceOptions(spec, vars).find((o) => o.value === choice.value);
    return { ok: true, value: choice.value, goto: option?.goto };
  }
  return { ok: true, value: null };
}

/** What the message names of the thing the question asks for (its `entity`: a municipality, a folio), if anything. */
export function askedMention(spec: AnswerSpec, u: Understood | undefined): Mention | undefined {
  return "entity" in spec && spec.entity ? u?.entities[spec.entity] : undefined;
}

/** The answer the understanding gives with confidence, if any. */
export function interpret(spec: AnswerSpec, input: EngineInput, vars: Vars): AnswerResult | undefined {
  const u = understoodOf(input);
  if (!u) return undefined;
  const expected = askedMention(spec, u);
  if (expected) {
    if (spec.type === "location") return { ok: true, value: { text: expected.text } as Json };
    if (spec.type === "choice") {
      const option = choiceOptions(spec, vars).find((o) => o.value === expected.value);
      return { ok: true, value: expected.value, goto: option?.goto };
    }
    return { ok: true, value: expected.value };
  }
  const choices = meant(spec, u, topIntent(u), vars);
  return choices.length === 1 ? asAnswer(spec, choices[0], vars) : undefined;
}

/** A doubtful reading to ask about ("¿Quisiste decir «…»?"): the choice's value and its label. */
export function guess(spec: AnswerSpec, input: EngineInput, vars: Vars, ctx: EngineContext, lang: Language): { value: string; label: string } | undefined {
  const u = understoodOf(input);
  const doubtful = topIntent(u, DOUBTFUL);
  if (!u || !doubtful) return undefined;
  const choices = meant(spec, u, doubtful, vars);
  return choices.length === 1 ? { value: choices[0].value, label: optionLabel(ctx, lang, choices[0]) } : undefined;
}

/**
 * Typed answers: turn a citizen's input into the value an `ask` step saves, or say why it cannot.
 * Pure: choices are matched by number, value (button) or label in either language.
 */

import { LANGUAGES } from "../locale/languages.js";
import type { Json } from "../util/json.js";
import { normalize } from "../util/text.js";
import type { AnswerSpec } from "./flow-schema.js";
import type { EngineContext, EngineInput, ReplyChoice, Vars } from "./types.js";
import { getVar } from "./vars.js";

export type AnswerResult = { ok: true; value: Json; goto?: import("./flow-schema.js").Target } | { ok: false; error: string };

type ChoiceSpec = Extract<AnswerSpec, { type: "choice" }>;

export interface ChoiceOption extends ReplyChoice {
  goto?: import("./flow-schema.js").Target;
}

/** The options a choice shows now: static options, then options from a variable, then extras. */
export function choiceOptions(spec: ChoiceSpec, vars: Vars): ChoiceOption[] {
  const out: ChoiceOption[] = [];
  for (const o of spec.options ?? []) out.push({ value: o.value, key: o.label, goto: o.goto });
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
  for (const o of spec.extra ?? []) out.push({ value: o.value, key: o.label, goto: o.goto });
  return out;
}

function matchesWord(ctx: EngineContext, name: string, text: string): boolean {
  const n = normalize(text);
  return ctx.words(name).some((w) => normalize(w) === n);
}

export function isSkip(ctx: EngineContext, input: EngineInput): boolean {
  return (input.type === "text" && matchesWord(ctx, "skip", input.text)) || (input.type === "choice" && input.value === "_skip");
}

function parseChoice(spec: ChoiceSpec, input: EngineInput, vars: Vars, ctx: EngineContext): AnswerResult {
  const options = choiceOptions(spec, vars);
  const pick = (o: ChoiceOption | undefined): AnswerResult | undefined => (o ? { ok: true, value: o.value, goto: o.goto } : undefined);
  if (input.type === "choice") return pick(options.find((o) => o.value === input.value)) ?? { ok: false, error: "errors.choice" };
  if (input.type !== "text") return { ok: false, error: "errors.choice" };
  const text = normalize(input.text);
  if (/^\d{1,3}$/.test(text)) {
    const byNumber = pick(options[Number(text) - 1]);
    if (byNumber) return byNumber;
  }
  const byLabel = options.find((o) => {
    const labels = o.key ? LANGUAGES.map((l) => ctx.t(l, o.key as string)) : [o.label ?? ""];
    return labels.some((l) => normalize(l) === text) || normalize(o.value) === text;
  });
  if (byLabel) return pick(byLabel) as AnswerResult;
  if (spec.allow_text && text.length > 0) return { ok: true, value: input.text.trim().slice(0, 200) };
  return { ok: false, error: "errors.choice" };
}

function parseNumber(spec: Extract<AnswerSpec, { type: "number" }>, input: EngineInput): AnswerResult {
  if (input.type !== "text") return { ok: false, error: "errors.number" };
  const cleaned = input.text.trim().replace(/,/g, ".");
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return { ok: false, error: "errors.number" };
  const n = Number(cleaned);
  if (spec.integer && !Number.isInteger(n)) return { ok: false, error: "errors.integer" };
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return { ok: false, error: "errors.number_range" };
  return { ok: true, value: n };
}

export function parseAnswer(spec: AnswerSpec, input: EngineInput, vars: Vars, ctx: EngineContext): AnswerResult {
  switch (spec.type) {
    case "text": {
      if (input.type !== "text") return { ok: false, error: "errors.text" };
      const text = input.text.trim();
      if (text.length < spec.min) return { ok: false, error: "errors.text_short" };
      if (text.length > spec.max) return { ok: false, error: "errors.text_long" };
      return { ok: true, value: text };
    }
    case "number":
      return parseNumber(spec, input);
    case "choice":
      return parseChoice(spec, input, vars, ctx);
    case "yesno":
      if (input.type === "choice" && (input.value === "yes" || input.value === "no")) return { ok: true, value: input.value === "yes" };
      if (input.type === "text") {
        if (matchesWord(ctx, "yes", input.text) || normalize(input.text) === "1") return { ok: true, value: true };
        if (matchesWord(ctx, "no", input.text) || normalize(input.text) === "2") return { ok: true, value: false };
      }
      return { ok: false, error: "errors.yesno" };
    case "location":
      if (input.type === "location") return { ok: true, value: { latitude: input.latitude, longitude: input.longitude } };
      if (spec.optional && isSkip(ctx, input)) return { ok: true, value: null };
      if (spec.allow_text && input.type === "text" && input.text.trim().length > 1) return { ok: true, value: { text: input.text.trim().slice(0, 200) } };
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
  if (spec.type === "yesno")
    return [
      { value: "yes", key: "words.yes_label" },
      { value: "no", key: "words.no_label" },
    ];
  if ((spec.type === "photo" || spec.type === "location") && spec.optional) return [{ value: "_skip", key: "words.skip_label" }];
  return undefined;
}

/**
 * Loads flow files (flows/*.yaml, read by conversation/flow-files.ts): parses, validates with zod, and cross-checks what zod cannot see
 * (goto targets, registered actions, locale keys). Any problem stops start-up with the
 * file, the path inside it and what is wrong.
 */
import type { z } from "zod";
import { parseYaml } from "../util/yaml.js";
import { type Flow, type FlowSet, REQUIRED_FLOWS, type Step, UNSUBSCRIBE_FLOW, UNSUBSCRIBE_NOW } from "./flow.js";
import { type FlowSpec, flowSchema, type Target } from "./flow-schema.js";

export class FlowError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${file}: ${path || "(file)"}: ${problem}`);
    this.name = "FlowError";
  }
}

export interface FlowCheckContext {
  /** Names of the registered actions. */
  actions: ReadonlySet<string>;
  /** True when `key` exists in every locale; otherwise the locales that lack it. */
  missingKey(key: string): string[];
}

function zodPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
}

/** A flow file's text, named for error messages, with a version that changes when the text does. */
export interface FlowSource {
  file: string;
  text: string;
  version: string;
}

export function loadFlows(sources: FlowSource[], ctx: FlowCheckContext): FlowSet {
  const flows = new Map<string, Flow>();
  for (const { file, text, version } of sources) {
    const flow = parseFlow(file, text, version);
    if (flows.has(flow.name)) throw new FlowError(file, "flow", `flow "${flow.name}" is already defined in ${flows.get(flow.name)?.file}`);
    flows.set(flow.name, flow);
  }
  for (const name of REQUIRED_FLOWS) {
    if (!flows.has(name)) throw new FlowError(sources[0]?.file ?? "flows/", "", `a flow named "${name}" is required`);
  }
  const unsubscribe = flows.get(UNSUBSCRIBE_FLOW) as Flow;
  if (!unsubscribe.byId.has(UNSUBSCRIBE_NOW))
    throw new FlowError(unsubscribe.file, "steps", `a step "${UNSUBSCRIBE_NOW}" is required: where "baja" stops the notices without asking`);
  checkCommands(flows, ctx);
  for (const flow of flows.values()) crossCheck(flow, flows, ctx);
  checkLinks(flows);
  checkIntents(flows);
  return flows;
}

function parseFlow(file: string, text: string, version: string): Flow {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new FlowError(file, "", `not valid YAML: ${(err as Error).message}`);
  }
  const parsed = flowSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new FlowError(file, zodPath(issue.path), issue.message);
  }
  const spec: FlowSpec = parsed.data;
  if (spec.flow !== file.replace(/^.*[\\/]/, "").replace(/\.ya?ml$/, "")) {
    throw new FlowError(file, "flow", `the flow name "${spec.flow}" must match the file name`);
  }
  const steps: Step[] = [];
  const byId = new Map<string, Step>();
  spec.steps.forEach((s, index) => {
    if (!s.id && (s.type === "ask" || s.type === "action")) {
      throw new FlowError(file, `steps[${index}].id`, `an ${s.type} step needs an id (conversations wait on it)`);
    }
    const stepId = s.id ?? `_${index}`;
    if (byId.has(stepId)) throw new FlowError(file, `steps[${index}].id`, `duplicate step id "${stepId}"`);
    const step = { ...s, id: stepId, index } as Step;
    steps.push(step);
    byId.set(stepId, step);
  });
  if (spec.told_by?.length && !spec.intents?.length) throw new FlowError(file, "told_by", "a flow told by an entity needs an intent to read the message as");
  if (spec.told_where?.length && !spec.told_by?.length) throw new FlowError(file, "told_where", "says where for told_by: a flow with told_where needs told_by");
  if (spec.told_asking && !spec.told_with)
    throw new FlowError(file, "told_asking", "asks how to report what told_with tells: a flow with told_asking needs told_with");
  if (spec.told_with && !spec.intents?.length) throw new FlowError(file, "told_with", "a flow told with words needs an intent to read the message as");
  if (spec.named_by?.length && !spec.intents?.length) throw new FlowError(file, "named_by", "a flow named by an entity needs an intent to read the message as");
  if (spec.photo_opens && !steps.some((s) => s.type === "ask" && s.answer.type === "photo" && s.early))
    throw new FlowError(file, "photo_opens", "a photo opens the flow for its photo question: a flow with photo_opens needs a photo question with early");
  if (spec.photo_opens && !spec.links?.some((l) => !l.save && !l.step))
    throw new FlowError(file, "photo_opens", "a photo opens the flow through its plain link: a flow with photo_opens needs a link without save or step");
  if (spec.exit && !byId.has(spec.exit)) throw new FlowError(file, "exit", `step "${spec.exit}" is not a step of this flow`);
  return {
    name: spec.flow,
    version,
    file,
    steps,
    byId,
    links: spec.links ?? [],
    command: spec.command,
    intents: spec.intents ?? [],
    draft: spec.draft,
    opening: spec.opening,
    photoOpens: spec.photo_opens,
    toldBy: spec.told_by ?? [],
    toldWhere: spec.told_where ?? [],
    toldWith: spec.told_with,
    toldAsking: spec.told_asking,
    namedBy: spec.named_by ?? [],
    corrects: spec.corrects ?? [],
    exit: spec.exit,
    expires: spec.expires,
  };
}

/** An intent opens one flow at most, and so does a photo (`photo_opens`). */
function checkIntents(flows: FlowSet): void {
  const owner = new Map<string, string>();
  let byPhoto: string | undefined;
  for (const flow of flows.values()) {
    if (flow.photoOpens && byPhoto) throw new FlowError(flow.file, "photo_opens", `a photo already opens the flow of ${byPhoto}`);
    if (flow.photoOpens) byPhoto = flow.file;
    flow.intents.forEach((intent, i) => {
      const other = owner.get(intent);
      if (other) throw new FlowError(flow.file, `intents[${i}]`, `intent "${intent}" already opens the flow of ${other}`);
      owner.set(intent, flow.file);
    });
  }
}

/** A flow with a command has a plain link for it to open and a description in every locale, and no two flows share a command name. */
function checkCommands(flows: FlowSet, ctx: FlowCheckContext): void {
  const seen = new Map<string, string>();
  for (const flow of flows.values()) {
    if (!flow.command) continue;
    if (!flow.links.some((l) => !l.save && !l.step))
      throw new FlowError(flow.file, "command", "a flow with a command needs a plain link (links: [{ prefix: … }]) for it to open");
    for (const name of Object.values(flow.command)) {
      const other = seen.get(name as string);
      if (other && other !== flow.file) throw new FlowError(flow.file, "command", `command "${name}" is also a command of ${other}`);
      seen.set(name as string, flow.file);
    }
  }
  for (const flow of flows.values()) {
    const missing = flow.command ? ctx.missingKey(`telegram.commands.${flow.name}`) : [];
    if (missing.length)
      throw new FlowError(flow.file, "command", `the command needs its description "telegram.commands.${flow.name}" in locale ${missing.join(", ")}`);
  }
}

/** Every link opens an existing step, and no prefix shadows another. */
function checkLinks(flows: FlowSet): void {
  const seen: { prefix: string; file: string }[] = [];
  for (const flow of flows.values()) {
    flow.links.forEach((link, i) => {
      if (link.step && !flow.byId.has(link.step)) throw new FlowError(flow.file, `links[${i}].step`, `step "${link.step}" is not a step of this flow`);
      const prefix = link.prefix.toLowerCase();
      const clash = seen.find((s) => s.prefix.startsWith(prefix) || prefix.startsWith(s.prefix));
      if (clash) throw new FlowError(flow.file, `links[${i}].prefix`, `prefix "${link.prefix}" overlaps a link of ${clash.file}`);
      seen.push({ prefix, file: flow.file });
    });
  }
}

function crossCheck(flow: Flow, flows: FlowSet, ctx: FlowCheckContext): void {
  const fail = (index: number, path: string, problem: string): never => {
    throw new FlowError(flow.file, `steps[${index}]${path}`, problem);
  };
  const checkTarget = (index: number, path: string, target: Target | undefined) => {
    if (target === undefined) return;
    if (typeof target === "string") {
      if (!flow.byId.has(target)) fail(index, path, `goto target "${target}" is not a step of this flow`);
      return;
    }
    const other = flows.get(target.flow);
    if (!other) return fail(index, path, `goto target flow "${target.flow}" does not exist`);
    if (target.step && !other.byId.has(target.step)) fail(index, path, `goto target "${target.flow}.${target.step}" does not exist`);
  };
  const checkKey = (index: number, path: string, key: string | undefined) => {
    if (key === undefined) return;
    const missing = ctx.missingKey(key);
    if (missing.length) fail(index, path, `text key "${key}" is missing in locale ${missing.join(", ")}`);
  };
  for (const [path, key] of [
    ["draft.leave", flow.draft?.leave],
    ["draft.set_aside", flow.draft?.set_aside],
    ["told_with", flow.toldWith === undefined ? undefined : `words.${flow.toldWith}`],
    ["told_asking", flow.toldAsking === undefined ? undefined : `words.${flow.toldAsking}`],
  ] as const) {
    const missing = key === undefined ? [] : ctx.missingKey(key);
    if (missing.length) throw new FlowError(flow.file, path, `text key "${key}" is missing in locale ${missing.join(", ")}`);
  }
  flow.corrects.forEach((correction, i) => {
    if ("step" in correction) {
      const step = flow.byId.get(correction.step);
      if (step?.type !== "ask" || step.answer.type !== "choice" || !step.save) {
        throw new FlowError(flow.file, `corrects[${i}].step`, `"${correction.step}" is not an ask step of this flow with a choice answer it saves`);
      }
      const missing = ctx.missingKey(correction.said);
      if (missing.length) throw new FlowError(flow.file, `corrects[${i}].said`, `text key "${correction.said}" is missing in locale ${missing.join(", ")}`);
    } else if (!flow.byId.has(correction.goto)) {
      throw new FlowError(flow.file, `corrects[${i}].goto`, `step "${correction.goto}" is not a step of this flow`);
    } else if (correction.told !== undefined) {
      if (!flow.intents.length)
        throw new FlowError(flow.file, `corrects[${i}].told`, "a correction told in a problem needs the flow's intent to read the message as");
      if (!flow.byId.has(correction.told)) throw new FlowError(flow.file, `corrects[${i}].told`, `step "${correction.told}" is not a step of this flow`);
      correction.at.forEach((where, k) => {
        const step = flow.byId.get(where);
        if (step?.type === "ask" && step.answer.type !== "yesno") {
          throw new FlowError(flow.file, `corrects[${i}].at[${k}]`, `"${where}" does not confirm with a yes or no, where a problem told is read`);
        }
      });
    }
    correction.at.forEach((where, k) => {
      if (flow.byId.get(where)?.type !== "ask") throw new FlowError(flow.file, `corrects[${i}].at[${k}]`, `"${where}" is not an ask step of this flow`);
    });
  });
  for (const step of flow.steps) {
    const i = step.index;
    if ("next" in step) checkTarget(i, ".next", step.next);
    switch (step.type) {
      case "say":
        checkKey(i, ".text", step.text);
        checkKey(i, ".file.name", step.file?.name);
        checkKey(i, ".file.fallback", step.file?.fallback);
        break;
      case "ask": {
        checkKey(i, ".text", step.text);
        checkKey(i, ".invalid", step.invalid);
        checkKey(i, ".about", step.about);
        checkKey(i, ".why", step.why);
        checkKey(i, ".notes.said", step.notes?.said);
        checkKey(i, ".holds.said", step.holds?.said);
        checkKey(i, ".already.said", step.already?.said);
        if (step.keeps_typed && !(step.answer.type === "choice" && step.answer.allow_text))
          fail(i, ".keeps_typed", "only a choice that takes a typed text (allow_text) keeps it whatever it is read as");
        checkKey(i, ".early.not_yet", step.early?.not_yet);
        if (step.early && step.answer.type !== "photo") fail(i, ".early", "only a photo question keeps a photo sent before it");
        if (step.already && !("optional" in step.answer && step.answer.optional))
          fail(i, ".already", "only a question that may be skipped is answered by saying it was told already");
        checkKey(i, ".keep.label", step.keep?.label);
        checkTarget(i, ".keep.goto", step.keep?.goto);
        for (const [k, key] of (step.keep?.words ?? []).entries()) checkKey(i, `.keep.words[${k}]`, key);
        const a = step.answer;
        if (a.type === "choice") {
          if (!a.options && !a.options_from) fail(i, ".answer", "a choice needs options or options_from");
          for (const [list, opts] of [
            ["options", a.options],
            ["extra", a.extra],
          ] as const) {
            opts?.forEach((o, j) => {
              checkKey(i, `.answer.${list}[${j}].label`, o.label);
              for (const [k, key] of (o.words ?? []).entries()) checkKey(i, `.answer.${list}[${j}].words[${k}]`, key);
              for (const [k, key] of (o.synonyms ?? []).entries()) checkKey(i, `.answer.${list}[${j}].synonyms[${k}]`, key);
              checkTarget(i, `.answer.${list}[${j}].goto`, o.goto);
              if (o.named_by !== undefined && typeof o.goto !== "string") {
                fail(
                  i,
                  `.answer.${list}[${j}].named_by`,
                  "an option named by an entity needs a goto to a step of this flow, whose question the message answers",
                );
              }
            });
          }
        }
        break;
      }
      case "branch":
        for (const [j, c] of step.cases.entries()) checkTarget(i, `.cases[${j}].goto`, c.goto);
        checkTarget(i, ".else", step.else);
        break;
      case "action":
        if (!ctx.actions.has(step.name)) fail(i, ".name", `action "${step.name}" is not registered (known: ${[...ctx.actions].sort().join(", ")})`);
        checkTarget(i, ".on_error", step.on_error);
        break;
      case "goto":
        checkTarget(i, ".target", step.target);
        break;
      case "end":
        checkKey(i, ".text", step.text);
        break;
      default:
        break;
    }
  }
}

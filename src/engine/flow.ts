/** A loaded flow: validated steps addressable by id, each knowing its default next step. */
import type { Language } from "../locale/languages.js";
import type { CorrectionSpec, DraftSpec, LinkSpec, StepSpec, Target } from "./flow-schema.js";

export type Step = StepSpec & { id: string; index: number };

export interface Flow {
  name: string;
  /** Hash of the file's content: a state saved under another version is checked on resume. */
  version: string;
  file: string;
  steps: Step[];
  byId: Map<string, Step>;
  links: LinkSpec[];
  /** Its command in each language (Telegram's menu), opening it through its first plain link. */
  command?: Partial<Record<Language, string>>;
  /** Intents whose free text opens this flow. */
  intents: string[];
  draft?: DraftSpec;
  /** Whether the text of a message that opens this flow is kept in `opening` (flow-schema.ts). */
  opening: boolean;
  /** Whether a photo sent where nothing is in progress opens this flow (flow-schema.ts, `photo_opens`). */
  photoOpens: boolean;
  /** Entities whose mention in a message that says more opens this flow (flow-schema.ts, `told_by`). */
  toldBy: string[];
  /** Entities that say where: with one, a message read as nothing tells this flow in fewer words (flow-schema.ts, `told_where`). */
  toldWhere: string[];
  /** Entities whose mention alone opens this flow where `toldBy` would (flow-schema.ts, `named_by`). */
  namedBy: string[];
  /** The word list a statement that tells this flow opens with (flow-schema.ts, `told_with`). */
  toldWith?: string;
  /** The word list of asking how to report what `toldWith` tells (flow-schema.ts, `told_asking`). */
  toldAsking?: string;
  /** What a message may correct in words, and where (flow-schema.ts, `corrects`). */
  corrects: CorrectionSpec[];
  /** Where "menú" and "cancelar" go in this flow (flow-schema.ts). */
  exit?: string;
  /** Whether a conversation waiting in this flow expires after the timeout. */
  expires: boolean;
}

export type FlowSet = ReadonlyMap<string, Flow>;

/** Where a flow position points: a flow and one of its steps. */
export interface Position {
  flow: string;
  step: string;
}

export function resolveTarget(flows: FlowSet, from: string, target: Target): Position {
  if (typeof target === "string") return { flow: from, step: target };
  const flow = flows.get(target.flow);
  if (!flow) throw new Error(`unknown flow ${target.flow}`);
  return { flow: target.flow, step: target.step ?? flow.steps[0].id };
}

/** The step after `step` in file order, or undefined at the end of the flow. */
export function nextInOrder(flow: Flow, step: Step): Step | undefined {
  return flow.steps[step.index + 1];
}

/** Longest link payload accepted (Telegram's deep-link limit). */
export const MAX_LINK = 64;

/** The flow, step and variable a link opens, or undefined when no flow declares it. */
export function findLink(flows: FlowSet, link: string): { position: Position; save?: { name: string; value: string } } | undefined {
  if (link.length > MAX_LINK || !/^[A-Za-z0-9_-]+$/.test(link)) return undefined;
  for (const flow of flows.values()) {
    for (const l of flow.links) {
      const position = { flow: flow.name, step: l.step ?? flow.steps[0].id };
      if (!l.save && link.toLowerCase() === l.prefix.toLowerCase()) return { position };
      if (l.save && link.length > l.prefix.length && link.toLowerCase().startsWith(l.prefix.toLowerCase())) {
        return { position, save: { name: l.save, value: link.slice(l.prefix.length) } };
      }
    }
  }
  return undefined;
}

/** The first flow whose `list` holds one of these entities. */
function flowOf(flows: FlowSet, entities: Iterable<string>, list: (flow: Flow) => readonly string[]): Flow | undefined {
  const named = new Set(entities);
  for (const flow of flows.values()) if (list(flow).some((e) => named.has(e))) return flow;
  return undefined;
}

/** The first flow told by one of these entities (`told_by`). */
export const flowToldBy = (flows: FlowSet, entities: Iterable<string>) => flowOf(flows, entities, (f) => f.toldBy);

/** The first flow told with a word list `opens` finds the message opening with (`told_with`). */
export function flowToldWith(flows: FlowSet, opens: (list: string) => boolean): Flow | undefined {
  for (const flow of flows.values()) if (flow.toldWith !== undefined && opens(flow.toldWith)) return flow;
  return undefined;
}

/** The first flow one of these entities names alone (`named_by`). */
export const flowNamedBy = (flows: FlowSet, entities: Iterable<string>) => flowOf(flows, entities, (f) => f.namedBy);

/** The flow that free text with `intent` opens, if any. */
export function flowForIntent(flows: FlowSet, intent: string): Flow | undefined {
  for (const flow of flows.values()) if (flow.intents.includes(intent)) return flow;
  return undefined;
}

/** A command a flow declares: its names per language and the link it opens. */
export interface FlowCommand {
  /** The flow's name (its description is the text `telegram.commands.<flow>`). */
  flow: string;
  names: Partial<Record<Language, string>>;
  link: string;
}

/** The commands the flows declare, in file order. */
export function flowCommands(flows: FlowSet): FlowCommand[] {
  const out: FlowCommand[] = [];
  for (const flow of flows.values()) {
    const link = flow.links.find((l) => !l.save && !l.step);
    if (flow.command && link) out.push({ flow: flow.name, names: flow.command, link: link.prefix });
  }
  return out;
}

/** The flow every conversation starts from and returns to. */
export const MENU_FLOW = "menu";
/** Where "baja" leads, from anywhere: no more notices. */
export const UNSUBSCRIBE_FLOW = "unsubscribe";
/** Its step where notices stop without asking: the word itself ("baja", `/baja`) is the request. */
export const UNSUBSCRIBE_NOW = "stop";
/** Flows the engine itself jumps to (global words). */
/** "mis datos", anywhere: the citizen's data rights. */
export const MY_DATA_FLOW = "mydata";
export const REQUIRED_FLOWS = [MENU_FLOW, "welcome", "language", UNSUBSCRIBE_FLOW];

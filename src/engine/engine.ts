/**
 * The flow engine: a pure function (state, input) → (state, replies, action to run).
 * It never sleeps, never talks to a channel and never touches the store; the runtime
 * applies what it returns (the design of nyaruka/goflow).
 */

import type { Language } from "../locale/languages.js";
import { normalize } from "../util/text.js";
import { parseAnswer } from "./answers.js";
import { type FlowSet, findLink, MENU_FLOW, nextInOrder, type Position, resolveTarget } from "./flow.js";
import type { Target } from "./flow-schema.js";
import { prompt } from "./steps/ask.js";
import { runStep } from "./steps/index.js";
import {
  type ConversationState,
  type EngineContext,
  type EngineInput,
  GLOBAL_WORDS,
  type GlobalWord,
  type Reply,
  type StepResult,
  type UnsupportedKind,
} from "./types.js";
import { setVar } from "./vars.js";

/** Invalid answers in a row after which the menu is offered. */
export const MAX_ATTEMPTS = 3;
/** Steps one input may run before the flow is declared to loop. */
const MAX_STEPS = 200;

/** What the citizen is told when they send something the flows cannot use. */
const UNSUPPORTED_KEYS: Record<UnsupportedKind, string> = {
  edited: "errors.unsupported_edited",
  voice: "errors.unsupported_voice",
  // A photo whose message was interrupted (a restart) and cannot be fetched again.
  lost_photo: "errors.photo_unavailable",
  other: "errors.unsupported",
};

function unsupported(kind: UnsupportedKind | undefined): Reply {
  return { key: UNSUPPORTED_KEYS[kind ?? "other"] };
}

export class FlowLoopError extends Error {
  constructor(readonly position: Position) {
    super(`flow ${position.flow} loops without waiting (last step ${position.step})`);
  }
}

export class Engine {
  constructor(
    readonly flows: FlowSet,
    private readonly ctx: EngineContext,
  ) {}

  /** Starts a flow from its first step (or a given step) in a fresh or carried-over state. */
  start(flow: string, lang: Language, replies: Reply[] = [], vars: ConversationState["vars"] = {}): StepResult {
    const pos = resolveTarget(this.flows, flow, { flow });
    return this.run(this.fresh(pos, lang, vars), pos, replies);
  }

  /** One input against a saved state. `null` state means a new conversation. */
  step(state: ConversationState | null, input: EngineInput, lang: Language): StepResult {
    if (input.type === "open") return this.open(state, input.link, lang);
    if (!state || state.waiting === "nothing") {
      const word = this.wordOf(input);
      if (word === "language") return this.start("language", state?.lang ?? lang);
      const notice = input.type === "unsupported" ? [unsupported(input.kind)] : [];
      return this.start(state ? MENU_FLOW : "welcome", state?.lang ?? lang, notice, state?.vars);
    }
    const flow = this.flows.get(state.flow);
    const step = flow?.byId.get(state.step);
    if (!flow || !step || (state.waiting === "answer" && step.type !== "ask") || (state.waiting === "action" && step.type !== "action")) {
      return this.start(MENU_FLOW, state.lang, [{ key: "global.flow_changed" }]);
    }

    if (state.waiting === "action") {
      if (input.type !== "action_result" || step.type !== "action") return { state, replies: [] };
      if (!input.ok) {
        if (step.on_error) return this.continueTo(state, resolveTarget(this.flows, flow.name, step.on_error), []);
        return this.start(MENU_FLOW, state.lang, [{ key: "errors.action_failed" }]);
      }
      const vars = step.save ? setVar(state.vars, step.save, input.value) : state.vars;
      return this.advance({ ...state, vars }, step.next, []);
    }

    if (step.type !== "ask") return { state, replies: [] };
    const word = this.wordOf(input);
    if (word) return this.onGlobalWord(word, state);
    if (input.type === "unsupported") return { state, replies: [unsupported(input.kind), prompt(step, state)] };
    if (input.type === "action_result" || input.type === "word") return { state, replies: [] };

    const answer = parseAnswer(step.answer, input, state.vars, this.ctx);
    if (!answer.ok) {
      const attempts = state.attempts + 1;
      if (attempts >= MAX_ATTEMPTS) return this.start(MENU_FLOW, state.lang, [{ key: "errors.too_many_attempts" }], state.vars);
      return { state: { ...state, attempts }, replies: [{ key: step.invalid ?? answer.error }, prompt(step, state)] };
    }
    const vars = setVar(state.vars, step.save, answer.value);
    return this.advance({ ...state, vars, attempts: 0 }, answer.goto ?? step.next, []);
  }

  /** The question the conversation waits on, asked again. */
  reprompt(state: ConversationState): Reply[] {
    const step = this.flows.get(state.flow)?.byId.get(state.step);
    return step?.type === "ask" && state.waiting === "answer" ? [prompt(step, state)] : [];
  }

  /**
   * A link or command leaves whatever the conversation was doing for the flow that declares it.
   * Without one (a bare `/start`), a new citizen is welcomed and a known one gets the menu.
   */
  private open(state: ConversationState | null, link: string | undefined, lang: Language): StepResult {
    const target = link ? findLink(this.flows, link) : undefined;
    const current = state?.lang ?? lang;
    if (!target) return this.start(state ? MENU_FLOW : "welcome", current, [], state?.vars);
    const fresh = this.fresh(target.position, current, state?.vars ?? {});
    const vars = target.save ? setVar(fresh.vars, target.save.name, target.save.value) : fresh.vars;
    return this.run({ ...fresh, vars }, target.position, []);
  }

  private wordOf(input: EngineInput): GlobalWord | undefined {
    if (input.type === "word") return input.word;
    return input.type === "text" ? this.globalWord(input.text) : undefined;
  }

  private globalWord(text: string): GlobalWord | undefined {
    const n = normalize(text);
    if (!n || n.length > 20) return undefined;
    return GLOBAL_WORDS.find((w) => this.ctx.words(w).some((candidate) => normalize(candidate) === n));
  }

  private onGlobalWord(word: GlobalWord, state: ConversationState): StepResult {
    switch (word) {
      case "menu":
        return this.start(MENU_FLOW, state.lang, [], state.vars);
      case "cancel":
        return this.start(MENU_FLOW, state.lang, [{ key: "global.cancelled" }], state.vars);
      case "language":
        return this.start("language", state.lang, [], state.vars);
      case "help":
        return { state, replies: [{ key: "global.help" }, ...this.reprompt(state)] };
    }
  }

  private fresh(pos: Position, lang: Language, vars: ConversationState["vars"]): ConversationState {
    const version = this.flows.get(pos.flow)?.version ?? "";
    // Only what outlives a flow is carried over: the chosen municipality, for instance. Flow-local answers are dropped.
    const keep: ConversationState["vars"] = {};
    if (vars.citizen !== undefined) keep.citizen = vars.citizen;
    return { flow: pos.flow, flowVersion: version, step: pos.step, waiting: "nothing", vars: keep, attempts: 0, lang };
  }

  /** Leaves the current step for `target` (or the next one in file order). */
  private advance(state: ConversationState, target: Target | undefined, replies: Reply[]): StepResult {
    const flow = this.flows.get(state.flow);
    const current = flow?.byId.get(state.step);
    if (!flow || !current) return this.start(MENU_FLOW, state.lang, replies);
    if (target !== undefined) return this.continueTo(state, resolveTarget(this.flows, flow.name, target), replies);
    const next = nextInOrder(flow, current);
    if (!next) return { state: { ...state, waiting: "nothing" }, replies };
    return this.continueTo(state, { flow: flow.name, step: next.id }, replies);
  }

  private continueTo(state: ConversationState, pos: Position, replies: Reply[]): StepResult {
    if (pos.flow !== state.flow) {
      return this.run(this.fresh(pos, state.lang, state.vars), pos, replies);
    }
    return this.run(state, pos, replies);
  }

  /** Runs steps from `pos` until one waits or the flow ends. */
  private run(initial: ConversationState, start: Position, replies: Reply[]): StepResult {
    let state = initial;
    let pos = start;
    const out = [...replies];
    for (let n = 0; n < MAX_STEPS; n++) {
      const flow = this.flows.get(pos.flow);
      const step = flow?.byId.get(pos.step);
      if (!flow || !step) throw new Error(`no step ${pos.flow}.${pos.step}`);
      if (pos.flow !== state.flow) state = this.fresh(pos, state.lang, state.vars);
      state = { ...state, flow: flow.name, flowVersion: flow.version, step: step.id, attempts: 0 };
      const outcome = runStep(step, state, this.ctx);
      switch (outcome.kind) {
        case "wait_answer":
          return { state: { ...state, waiting: "answer" }, replies: [...out, ...outcome.replies] };
        case "wait_action":
          return { state: { ...state, waiting: "action" }, replies: out, action: outcome.action };
        case "end":
          return { state: { ...state, waiting: "nothing" }, replies: [...out, ...outcome.replies] };
        case "continue": {
          if (outcome.replies) out.push(...outcome.replies);
          if (outcome.vars) state = { ...state, vars: outcome.vars };
          if (outcome.lang) state = { ...state, lang: outcome.lang };
          if (outcome.goto !== undefined) {
            pos = resolveTarget(this.flows, flow.name, outcome.goto);
            continue;
          }
          const next = nextInOrder(flow, step);
          if (!next) return { state: { ...state, waiting: "nothing" }, replies: out };
          pos = { flow: flow.name, step: next.id };
        }
      }
    }
    throw new FlowLoopError(pos);
  }
}

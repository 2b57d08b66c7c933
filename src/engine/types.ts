/** The pure engine's vocabulary: what it reads (state, input) and what it returns (replies, an action to run). */

import type { Language } from "../locale/languages.js";
import type { Json } from "../util/json.js";
import type { Understood } from "./understanding.js";

export type Vars = Record<string, Json>;

/** Where a conversation stands. Plain data, persisted after every step. */
export interface ConversationState {
  flow: string;
  /** Version of the flow file the step belongs to, so a changed flow is detected on resume. */
  flowVersion: string;
  step: string;
  /** What the conversation waits for: an answer to the current `ask`, the result of an action, or nothing (ended). */
  waiting: "answer" | "action" | "nothing";
  vars: Vars;
  /** Invalid answers in a row at the current step. */
  attempts: number;
  lang: Language;
  /** A short question asked on top of the current one (see asides.ts); the current one waits meanwhile. */
  aside?: Aside;
}

/** A yes/no question the engine asks on top of the flow's own, and what a yes does. */
export type Aside =
  /**
   * "¿Quisiste decir «Reportar un problema»?": yes answers the current question with `value`, and what the message
   * guessed at named (`heard`: «kiero avisos de toluca tmb») goes to the flow it opens as that message's would.
   */
  | { kind: "guess"; value: string; label: string; heard?: Vars }
  /** "¿Descartamos tu reporte sin enviar?": yes leaves for the menu (`cancelled`: with the cancel notice) or opens `flow`. */
  | { kind: "leave"; flow?: string; cancelled?: boolean; heard?: Vars };

/** Words that work anywhere in a conversation, typed or sent as a channel command. */
export const GLOBAL_WORDS = ["menu", "cancel", "help", "language", "privacy", "unsubscribe", "mydata"] as const;
export type GlobalWord = (typeof GLOBAL_WORDS)[number];

/** What the flows cannot use, named so the answer can say why (an edit, a voice note…). */
export type UnsupportedKind = "edited" | "voice" | "other" | "lost_photo" | "unexpected_photo";

/** A message from the citizen, already normalised by a channel and the runtime. */
export type EngineInput =
  /** Typed text, with what the understanding (src/nlu/) made of it when it ran. */
  | {
      type: "text";
      text: string;
      understood?: Understood;
      /** The language it is written in, when it says enough to tell and the conversation is where that counts (`Engine.hearsLanguage`). */
      written?: Language;
    }
  /** The citizen opened the bot through a link or command: the flow that declares it, or the menu. */
  | { type: "open"; link?: string }
  /** A global word sent as a command (Telegram's /ayuda) rather than typed. */
  | { type: "word"; word: GlobalWord }
  /** `heard`: engine-internal, what a message a guess was made of named (Aside `guess`), handed to the flow the choice opens. */
  | { type: "choice"; value: string; heard?: Vars }
  | { type: "location"; latitude: number; longitude: number }
  /** `along`: sent with a text handled just before it (a caption): what it gets is said without the question again. */
  | { type: "photo"; mediaId: string; along?: true }
  | { type: "unsupported"; kind?: UnsupportedKind }
  | { type: "action_result"; ok: true; value: Json }
  | { type: "action_result"; ok: false; error: string };

export interface ReplyChoice {
  value: string;
  /** A locale key (static options) or … */
  key?: string;
  /** … a text that is already the label (dynamic options such as municipality names or folios). */
  label?: string;
}

/** A reply before translation: a locale key with parameters, optional choices, optional request for a location or photo. */
export interface Reply {
  key: string;
  params?: Vars;
  choices?: ReplyChoice[];
  request?: "location" | "photo";
  /** Repeat the text once per item (item fields as extra parameters), joined into one message. */
  each?: Vars[];
  /** Its own message: not joined to the replies around it. */
  separate?: boolean;
  /** A file sent with the text as its caption (say's `file`): what an action made, and the keys of its name and fallback text. */
  file?: ReplyFile;
}

/** A file a reply carries: `ref` is how the channel asks for its bytes (never the bytes: replies are saved). */
export interface ReplyFile {
  ref: string;
  mime: string;
  /** Locale keys, rendered with the reply's parameters. */
  name: string;
  fallback: string;
}

export interface ActionCall {
  name: string;
  args: Vars;
}

export interface StepResult {
  state: ConversationState;
  replies: Reply[];
  /** Set when the conversation waits for this action's result (fed back as an `action_result` input). */
  action?: ActionCall;
}

/** What the engine needs from outside, all pure: text lookups for matching labels and words. */
export interface EngineContext {
  /** Translates a key in a language (used to match a typed label against a choice). */
  t(lang: Language, key: string): string;
  /** The words, in every language, that mean `name` (menu, help, cancel, language, privacy, yes, no, skip, filler). */
  words(name: string): string[];
  /** The category of corruption (config/categories.yaml `corruption`): named, a message is no emergency by itself. */
  corruption?: string;
}

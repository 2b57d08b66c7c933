/**
 * The flow engine: a pure function (state, input) → (state, replies, action to run).
 * It never sleeps, never talks to a channel and never touches the store; the runtime
 * applies what it returns (the design of nyaruka/goflow).
 */

import { LANGUAGES, type Language } from "../locale/languages.js";
import type { Json } from "../util/json.js";
import { isQuestion, normalize, sentences } from "../util/text.js";
import {
  ADDRESS_MAX,
  type AnswerResult,
  asShownChoice,
  type ChoiceOption,
  choiceOptions,
  contentWords,
  leadingYesNo,
  namesAnotherOption,
  opensWith,
  optionLabel,
  parseAnswer,
  partialOption,
  promptChoices,
  saysWordOf,
  withoutLeadingYesNo,
  wordSet,
  wordsBesides,
  YES_NO,
  yesNoOf,
} from "./answers.js";
import { draftForgottenAt, forgetDraft, holdsDraft, keepsDraft, park, readDraft } from "./drafts.js";
import {
  type Flow,
  type FlowSet,
  findLink,
  flowForIntent,
  flowNamedBy,
  flowToldBy,
  flowToldWith,
  MENU_FLOW,
  MY_DATA_FLOW,
  nextInOrder,
  type Position,
  resolveTarget,
  type Step,
  UNSUBSCRIBE_FLOW,
  UNSUBSCRIBE_NOW,
} from "./flow.js";
import type { AnswerSpec, CorrectionSpec, Target } from "./flow-schema.js";
import { askedMention, guess, heardVars, interpret, optionBySignal } from "./interpret.js";
import { KEEP, keepOffered, prompt } from "./steps/ask.js";
import { holds } from "./steps/branch.js";
import { runStep } from "./steps/index.js";
import { textParams } from "./steps/outcome.js";
import {
  type Aside,
  type ConversationState,
  type EngineContext,
  type EngineInput,
  GLOBAL_WORDS,
  type GlobalWord,
  type Reply,
  type StepResult,
  type UnsupportedKind,
  type Vars,
} from "./types.js";
import { ANNOYED, CONFIDENT, DOUBTFUL, FRUSTRATED, type Mention, NO_READING, PRAISE, SIGNALS, topIntent, type Understood, WHY_ASKED } from "./understanding.js";
import { getVar, setVar } from "./vars.js";

/** Invalid answers in a row after which the question is explained again, with its options (nothing is dropped). */
export const MAX_ATTEMPTS = 3;
/** Steps one input may run before the flow is declared to loop. */
const MAX_STEPS = 200;

/** What the citizen is told when they send something the flows cannot use. */
const UNSUPPORTED_KEYS: Record<UnsupportedKind, string> = {
  edited: "errors.unsupported_edited",
  voice: "errors.unsupported_voice",
  // A photo whose message was interrupted (a restart) and cannot be fetched again.
  lost_photo: "errors.photo_unavailable",
  // A photo when the question is not asking for one: not kept.
  unexpected_photo: "errors.photo_not_expected",
  other: "errors.unsupported",
};

/** What the citizen is told of something the flows cannot use. */
export function unsupportedReply(kind: UnsupportedKind | undefined): Reply {
  return { key: UNSUPPORTED_KEYS[kind ?? "other"] };
}

export class FlowLoopError extends Error {
  constructor(readonly position: Position) {
    super(`flow ${position.flow} loops without waiting (last step ${position.step})`);
  }
}

type AskStep = Extract<Step, { type: "ask" }>;
/** A photo question: where it is in its flow, the variable it saves the photo in, and the values it sets when the photo is gone. */
interface PhotoQuestion {
  index: number;
  save: string;
  gone: Record<string, string | number | boolean | null>;
  /** When a photo sent before it is kept for it, and what is said while not yet (flow-schema.ts, `early`). */
  early?: AskStep["early"];
}

/**
 * A photo sent before the question that asks for it (with the description as its caption, say): kept
 * in the flow, and the answer to that question when the flow gets there (`holdsPhoto`, `run`).
 */
const SENT_PHOTO = "sent_photo";

/** Intents answered the same way at any question: a notice, then the question again. */
const NOTICE_INTENTS: Record<string, string> = {
  // Not "anonymous": that is the value of an option («Anónimo» at «¿Cómo quieres enviar tu reporte?»), which an intent of the same name would answer.
  anonymity: "global.anonymity",
  // «¿qué pasa si no acepto?»: what declining the privacy notice means.
  if_declined: "global.if_declined",
  // «¿para qué quieren mi ubicación?», «¿para qué quieren la foto?»: what the question waiting says of itself (its `why`), or this.
  why_asked: "global.why_asked",
  human: "global.human",
  // «¿quién va a ver mis datos?», «¿guardan mi número?»: the short answer, and how to read the whole notice (the word «privacidad» shows it).
  privacy: "global.privacy_asked",
  // Questions about how reporting works («¿cuánto tardan?», «¿tiene costo?», «¿me van a llamar?»).
  timing: "global.timing",
  cost: "global.cost",
  callback: "global.callback",
  // The problem fixed already («ya lo taparon»): good news, never a new report.
  fixed: "global.fixed",
  // Praise of something that works («qué bonito quedó el parque»): thanked, never a new report.
  praise: "global.praise",
  greeting: "global.greeting_reply",
  // «ya respondan», «¿sigues ahí?»: someone who thinks nobody reads (IMPATIENT).
  impatient: "global.impatient",
  // «bot inútil», «no sirves para nada»: said calmly what the bot is for, and the question again (ANNOYED).
  annoyed: "global.annoyed",
  // «ya estoy harto, nadie hace nada»: said what a report here does, and the question again (FRUSTRATED).
  frustrated: "global.frustrated",
  thanks: "global.thanks_reply",
  // A yes, no or skip that answers nothing here is taken as an acknowledgement.
  yes: "global.ack",
  no: "global.ack",
  skip: "global.ack",
};

const ACKNOWLEDGEMENTS = new Set(["yes", "no", "skip"]);
/** Someone who waits and thinks nobody reads («ya respondan»): told the bot is here, and asked again. */
const IMPATIENT = "impatient";
/** Questions about the assistant itself, answered where a text is asked (never a greeting: «¿Buenas tardes, cuándo…?» is a description). */
const ABOUT_THE_ASSISTANT = new Set(["privacy", "anonymity", WHY_ASKED, "human", "timing", "cost", "callback"]);
/** What a first message may tell that has its own answer, besides the welcome: the problem fixed already («ya lo taparon»), praise, annoyance with the bot. */
const NEWS = new Set(["fixed", PRAISE, ANNOYED, FRUSTRATED]);
/**
 * What a short text where an account is asked may request instead (`requestedElsewhere`): one's data, a person, the
 * notices stopped. Not learning or a plan: «falta transparencia municipal», «compromisos incumplidos» are accounts.
 */
const REQUESTED_AT_ACCOUNT = new Set(["my_data", "human", "unsubscribe"]);
/** Words that carry meaning besides a request to wait a message where a text is asked may have, to be waited for (`held`). */
const HELD_WORDS_BESIDES = 3;
/** Words that carry meaning a yes or no read by the classifier may have at most («sí, acepto el aviso de privacidad»). */
const YES_NO_WORDS = 6;
/** Words from which a typed text is the answer where a question keeps it (`keeps_typed`): «gracias», «menú» are not. */
const TYPED_ANSWER_WORDS = 4;
/** Words at most of a request for another flow made where a typed text is kept (`keepsTyped`). */
const REQUEST_WORDS = 12;
/** The longest typed text such a question keeps (a reply to the secretariat). */
const KEPT_TEXT_MAX = 1000;
/** Words that carry meaning a message acknowledged with 👍 at the menu may have at most («ok», «no, gracias», «sí, ya quedó»). */
const ACKNOWLEDGED_WORDS = 3;
/** What a message that gets the 911 notice is never answered with: a 👍, a greeting, a "you are welcome". */
const SMALL_TALK = new Set([...ACKNOWLEDGEMENTS, "greeting", "thanks", IMPATIENT, ANNOYED, FRUSTRATED]);

/**
 * From this many words that carry meaning besides the things it names, a first message may already tell
 * the problem ("hay basura tirada todos los días en la esquina de Juárez", «no hay agua en la colonia
 * Morelos de Tenancingo desde el viernes»), not only ask for a report of it ("quiero reportar un bache en
 * la colonia Centro de Toluca"). It is offered as the description, never taken without a yes.
 */
const OPENING_WORDS = 3;
/**
 * The same, for a text that answered a choice by what it named (the type question): more, so talk about the
 * choice («no sé cuál elegir, creo que baches») is not offered as the description.
 */
const ANSWERED_OPENING_WORDS = 6;
/** Longest opening kept: a description's own limit (flows/report.yaml). */
const OPENING_MAX = 1000;

/**
 * A first message that says more than what it asks for and names, for the flow it opens (`heard.said`,
 * kept by a flow with `opening: true`): the words that count are those that carry meaning, minus the
 * things it names and the words of a request (locales' `request`: «hola», «quiero», «reportar»…), and what is
 * kept is what it tells, without its courtesies. Of one longer than a description may be, only its length is kept
 * (`said_length`, the flow's `opening_length`).
 */
function opening(ctx: EngineContext, input: EngineInput, words = OPENING_WORDS): Vars {
  if (input.type !== "text") return {};
  if (!tellsMore(ctx, input, words)) return {};
  // What it tells, without the courtesies it opens and closes with (`Understood.told`): a letter's salutation and its
  // signature («…Atentamente, Carmen R.») are no description of the problem, and a name is not kept in one.
  const text = (input.text.length > OPENING_MAX ? input.text : (input.understood?.told ?? input.text)).trim();
  // Too long to be the description: its length only, so the flow can say so rather than ask as if nothing was written.
  return text.length > OPENING_MAX ? { said_length: text.length } : { said: text };
}

/**
 * Words a message that names a type of problem says besides it, at least, to tell one (`intentOf`). Fewer
 * tell too little: «si claro el alumbrado funciona bien», «menú, ya arreglaron la fuga en mi calle» are
 * not reports. (So «también hay una lámpara fundida en la misma calle», four, is still read as a yes.)
 */
const TOLD_WORDS = 5;
/**
 * The same, for a message the classifier read as nothing that also says where (`told_where`): «el agua sale
 * sucia y con olor en Tlalnepantla» (sale, sucia, olor). Read as something, it needs TOLD_WORDS still.
 */
const TOLD_WHERE_WORDS = 3;
/**
 * How much a question's other readings must hear the told flow, at least, for a way around to give way to it:
 * «¿hay algún aviso de corte de agua programado en Ecatepec?» (the notices, a report heard at 0.003) asks for
 * the notices. A statement needs no more than being heard.
 */
const HEARD_IN_QUESTION = 0.01;
/**
 * The same for a statement of its own beside a question about the assistant (`toldBeside`): «hay un bache enorme en
 * la calle Hidalgo, ¿cuándo lo van a arreglar?» (hay, enorme, calle, hidalgo); not «hay un bache, ¿cuánto tardan?».
 */
const TOLD_BESIDE_WORDS = 3;
/** The same for a statement told with a flow's words (`told_with`) that names what the flow is told by: «quiero reportar que hay un bache» (hay). */
const TOLD_WITH_NAMED_WORDS = 1;

/**
 * Whether a text message holds at least `words` words that carry meaning besides what it names and the words
 * of a request (and of the word lists `besides`: those a flow is told with).
 */
function tellsMore(ctx: EngineContext, input: EngineInput, words: number, besides: readonly string[] = []): boolean {
  if (input.type !== "text") return false;
  // The things it names do not count, nor its courtesies (`Understood.told`: «…Atentamente, Rosa Martínez.»); what it
  // says does, signals included («ya no prende la luz de la cancha»).
  const named = Object.entries(input.understood?.entities ?? {}).flatMap(([entity, mention]) => (SIGNALS.has(entity) ? [] : [mention]));
  return wordsBesides(ctx, input.understood?.told ?? input.text, named, ["request", ...besides]).length >= words;
}

const understoodOf = (input: EngineInput): Understood | undefined => (input.type === "text" ? input.understood : undefined);

/**
 * Readings a message means only with a word of their own (the words.yaml list of the reading's name): nlp.js
 * reads «what if I decline» in «oye y eso del gobierno abierto para que me sirve a mi» («para que», «si»), and
 * «Aceptarlo no es obligatorio…» answers nothing asked. «q pasa si no acepto», «¿es obligatorio?» say it. The
 * language, also by naming one («en inglés», "do you speak english"): «arriba del mercado», typed as the
 * address, was read as it and opened the choice of language.
 */
const SAID_IN_ITS_WORDS = new Set(["if_declined", "language"]);

/** The classifier's confident reading of a message, unless it is one of SAID_IN_ITS_WORDS and none of its words is said. */
function readingOf(ctx: EngineContext, input: EngineInput): string | undefined {
  const understood = understoodOf(input);
  const intent = topIntent(understood);
  // Why one's data are wanted («¿para qué quieren mis datos?», read as «Mis datos»): a question about privacy, not a request.
  if (intent === "my_data" && input.type === "text" && !understood?.entities.erase && opensWith(ctx, "asks_why", input.text, ["filler"])) return "privacy";
  if (intent === undefined || !SAID_IN_ITS_WORDS.has(intent) || input.type !== "text") return intent;
  if (intent === "language" && understood?.entities.language !== undefined) return intent;
  return saysWordOf(ctx, intent, input.text) ? intent : undefined;
}

/**
 * Ways around the classifier may take a message that tells a problem for, from one of its words: «hay un
 * bache enorme en la esquina del menú de la fonda…» read as the menu (report second), «ayuda por favor, no
 * hay agua…» as help, «bache en Tecámac, ya se metió un carro» as the plan's commitments. An emergency that
 * names a problem («por ese bache ya hubo un choque…») gets its notice and opens the report too: the problem
 * is not lost to the notice. Thanks, a report's status, a person, the notices stopped, one's data, even
 * doubtful, are what they say («gracias, ya arreglaron el bache…», «¿cómo va mi reporte del bache…?»).
 */
const TOLD_OVER = new Set(["menu", "help", "greeting", "yes", "no", "skip", "language", "emergency", "commitments", "learn", "announcements"]);
/**
 * Of the ways around, those said in a few words only (a greeting, «menú», «idioma»): a statement that names a
 * problem, says TOLD_WORDS more and does not open with a greeting or a word of the reading is not one of them,
 * however sure the classifier is («hace falta una rampa para sillas de ruedas en la esquina del centro de salud»
 * read as a greeting, from «salud»; not «hola buenas tardes, soy vecina de la colonia centro y quería
 * saludarlos, aquí todo tranquilo con la basura»).
 */
const SAID_SHORT = new Set(["menu", "greeting", "language"]);
/**
 * Readings nlp.js makes, confidently, of long texts its phrases do not resemble, that a statement naming a
 * problem and saying more means only with a word of theirs: «el agua sale con olor a drenaje, creo que se
 * mezcló con las aguas negras» read as the privacy notice, «la avenida está llena de hoyos y cuando llueve no
 * se ven» as how long it takes, «hay unas varillas salidas en la banqueta…» as a cancel. Without one
 * (`Understood.guessed`) they, and the ways around, are misreadings; with one they are what they say
 * («mejor lo dejo así, lo del bache ya no importa», «¿tiene algún costo reportar la fuga?»). A reading of
 * nothing is never what a message means.
 */
const MISREADABLE = new Set(["cancel", "if_declined", IMPATIENT, ...[...ABOUT_THE_ASSISTANT].filter((intent) => intent !== "human")]);
/** The readings a message written as a question means, told problem or not (`asks`). */
const ASKED_OVER = new Set(["if_declined", ...ABOUT_THE_ASSISTANT]);
/** A message written as a question: a question mark anywhere in it, or opening as questions open («qué pasa si…», "how long…"). */
const asks = (ctx: EngineContext, text: string) => isQuestion(text) || opensWith(ctx, "opens_question", text);
/**
 * Whether a message only asks: each of its clauses (its sentences, parted at «,», «;» and «. » too) that says more
 * than greetings and the words of a request asks (a question mark, or it opens as questions open). Not «el camión
 * de la basura no pasa, ¿qué días pasa?»: a statement beside the question.
 */
function asksOnly(ctx: EngineContext, text: string): boolean {
  return asks(ctx, text) && clausesOf(ctx, text).every((c) => asksClause(ctx, c) || saysNothing(ctx, c));
}
/** What a message states: its clauses that neither ask nor say only greetings and the words of a request (`asksOnly`). */
const statedPart = (ctx: EngineContext, text: string): string =>
  clausesOf(ctx, text)
    .filter((c) => !asksClause(ctx, c) && !saysNothing(ctx, c))
    .join(", ");
/**
 * A message's clauses: its sentences (`sentences`), each parted at «,», «;» and «. », but for a question, which is
 * one clause from where it opens: its «¿», or, written without one («hay un bache enorme, cuándo lo tapan?», "there
 * is a pothole, when will you fix it?"), its first part that asks.
 */
function clausesOf(ctx: EngineContext, text: string): string[] {
  return sentences(text).flatMap((sentence) => {
    const parts = sentence.split(/[,;]|\.\s/);
    if (!isQuestion(sentence)) return parts;
    const opens = sentence.trimStart().startsWith("¿") ? 0 : parts.findIndex((part) => asksClause(ctx, part));
    return opens <= 0 ? [sentence] : [...parts.slice(0, opens), parts.slice(opens).join(",")];
  });
}
const asksClause = (ctx: EngineContext, clause: string) => isQuestion(clause) || opensWith(ctx, "opens_question", clause);
const saysNothing = (ctx: EngineContext, clause: string) => wordsBesides(ctx, clause, [], ["request", "filler"]).length === 0;
/**
 * Whether a message asks anything but how to report what it tells (the word list `howToReport`, a flow's
 * `told_asking`): it opens as questions open (`opens_question`), or one of its sentences with a question mark
 * (`sentences`) holds no entry of the list. Without the list, whether it asks.
 */
function asksBesides(ctx: EngineContext, text: string, howToReport: string | undefined): boolean {
  if (howToReport === undefined) return asks(ctx, text);
  return opensWith(ctx, "opens_question", text) || sentences(text).some((sentence) => isQuestion(sentence) && !saysWordOf(ctx, howToReport, sentence));
}
/**
 * The readings a statement that opens with what tells a flow (`told_with`: «quiero reportar que…») is told
 * over: nothing, a way around, a misreading, or a report's status (as «…está cerrada con candado» was read).
 * Not someone waiting or annoyed, nor thanks, the notices stopped, one's data, a person: those are what they say.
 */
const TOLD_WITH_OVER = new Set([NO_READING, "report", "status", ...TOLD_OVER, ...[...MISREADABLE].filter((intent) => intent !== IMPATIENT)]);
/** Readings a statement told with a flow's words still means, even read second: the notices stopped, one's data, a person, thanks, someone waiting or annoyed, news. */
const TOLD_WITH_KEPT = new Set(["unsubscribe", "my_data", "human", "thanks", IMPATIENT, ...NEWS]);
/**
 * Readings that stand, unsure, over a report heard behind them (`intentOf`): those of TOLD_WITH_KEPT and a
 * report's status («muchas gracias por atender lo de la fuga de agua tan rápido en mi calle», «ya van dos
 * semanas y mi reporte de la basura sigue igual sin avances»). Any other unsure reading of a statement does not.
 */
const UNSURE_KEPT = new Set([...TOLD_WITH_KEPT, "status"]);
/** A correction along a path of the flow's own that reads a problem told where it confirms (`told`, `toldAgain`). */
type ToldCorrection = Extract<CorrectionSpec, { goto: string }> & { told: string };
/** A report's status: where one's own report spoken of as still waiting goes (`intentOf`). */
const STATUS = "status";
/** Signals that say a problem is fixed or works: a message naming one tells no new problem, whatever it opens with. */
const NOT_TOLD_WITH = ["fixed", "works", PRAISE];
/** How far ahead of the next reading the told flow's own, unsure reading must be to tell it in a few words (`intentOf`). */
const OWN_LEAD = 1.5;

/**
 * A message that may tell of an emergency ("hay una emergencia", "me están asaltando"): the 911 notice at
 * once. A doubtful reading is enough, and so is naming a danger now ("balazos", "not breathing": locales'
 * `danger` words) whatever else the message is read as: the notice never waits for the classifier to win.
 */
const isEmergency = (input: EngineInput, ctx: EngineContext) => {
  const understood = understoodOf(input);
  if (understood?.entities.danger !== undefined) return true;
  // A bribe asked for («un policía de tránsito me pidió mordida»: the category of corruption named, config/categories.yaml)
  // is a report to file, not a danger now: the classifier reads a police officer as an emergency. A danger word still is one (above).
  const corruption = ctx.corruption !== undefined && understood?.entities.category?.value === ctx.corruption;
  return topIntent(understood, DOUBTFUL) === "emergency" && !corruption;
};

/**
 * The notice an emergency gets: to call 911, and, when the words tell of taking one's own life (the
 * `danger` value `self_harm`), the crisis line first.
 */
const emergencyNotice = (input: EngineInput): Reply => ({
  key: understoodOf(input)?.entities.danger?.value === "self_harm" ? "global.crisis" : "global.emergency",
});

/**
 * The notices a message gets whatever it is read as: the 911 notice (or the crisis line) for a danger, and
 * who handles a problem the municipality does not (`outside` in locales' entities.yaml: «se fue la luz» is
 * the CFE's), the conversation going on as always.
 */
function signalNotices(input: EngineInput, ctx: EngineContext): Reply[] {
  const notices: Reply[] = isEmergency(input, ctx) ? [emergencyNotice(input)] : [];
  const outside = understoodOf(input)?.entities.outside;
  if (outside) notices.push({ key: `global.outside.${outside.value}` });
  // «¿hablas náhuatl?»: which languages the assistant speaks, and that a person may help in theirs.
  if (understoodOf(input)?.entities.native_language) notices.push({ key: "language.native" });
  return notices;
}

/** The language a text message is written in (`written`), when it is not `current` and the message does not ask for one. */
function writtenIn(input: EngineInput, current: Language, ctx: EngineContext): Language | undefined {
  if (input.type !== "text" || !input.written || input.written === current || languageAsked(input, ctx)) return undefined;
  return input.written;
}

/** Whether a question asks for an account of the problem: a description (a text of some length), or a place typed. */
function asksAnAccount(spec: AnswerSpec): boolean {
  return (spec.type === "text" && spec.min >= ACCOUNT_MIN && !spec.entity) || (spec.type === "location" && spec.allow_text && !spec.entity);
}

/** Whether a question takes a message as it is written (to a person: the reply to the secretariat, the conversation with one). */
function takesMessage(spec: AnswerSpec): boolean {
  return spec.type === "text" && !spec.entity && !asksAnAccount(spec);
}

/** The least length a text asked for has to be an account (the description's 10), not a message or a name. */
const ACCOUNT_MIN = 10;

/** Whether a question asks for a place (a location, or an address typed) or a text that must hold an entity (a folio). */
function asksPlaceOrEntity(spec: AnswerSpec): boolean {
  return spec.type === "location" || (spec.type === "text" && spec.entity !== undefined);
}

/** Words a request for a language is at most ("can we speak english?", "en inglés por favor"). */
const LANGUAGE_REQUEST_WORDS = 4;

/** Whether the message is short enough to be nothing but a request for a language, not a text that names one. */
function isLanguageRequestOnly(input: EngineInput): boolean {
  return input.type === "text" && input.text.trim().split(/\s+/).length <= LANGUAGE_REQUEST_WORDS;
}

/** Whether a question keeps any typed words as its answer (a description, an address typed instead of a location). */
function takesText(spec: AnswerSpec): boolean {
  return spec.type === "text" || ((spec.type === "location" || spec.type === "choice") && spec.allow_text);
}

/**
 * What a street's name can make an address sound like: a topic of the learn section («av. Tecnológico»,
 * «calle Transparencia»), a municipality's plan or announcements («avenida Metepec»), a greeting or
 * thanks, or help. A request (cancel, the menu, a person, privacy, one's reports) is one whatever street it names.
 */
const STREET_NAME_INTENTS = new Set(["learn", "commitments", "announcements", "greeting", "thanks", "help"]);

/**
 * An address typed where a location is asked ("av. Tecnológico esquina con Pino Suárez"): it names a
 * street, so an intent its street's name may evoke does not take the conversation elsewhere.
 */
function addressTyped(spec: AnswerSpec, input: EngineInput): boolean {
  const understood = understoodOf(input);
  if (spec.type !== "location" || spec.allow_text !== true || !STREET_NAME_INTENTS.has(topIntent(understood) ?? "")) return false;
  // Or, where the municipality is asked, a place named («estoy en iztapalapa»): read as where, even if the classifier heard help.
  const placeNamed = spec.entity === "municipality" && (understood?.entities.municipality !== undefined || understood?.entities.region !== undefined);
  return understood?.address === true || placeNamed;
}

/** Words before a language's name that deny it («I don't speak spanish», «no hablo inglés»). */
const DENIED_WITHIN = 4;

/**
 * Whether `text` denies the language it names: in the first person, a negation and a verb of speaking
 * within DENIED_WITHIN words before the name («no hablo inglés», "I don't speak spanish"), or a negation
 * right before it («sorry, no spanish»). Not a «no» that answers what came before («no, en español por
 * favor», «no, spanish please»: it asks for that language), nor someone else's («el doctor no habla español»).
 */
function languageDenied(text: string, name: string, ctx: EngineContext): boolean {
  const tokens = text.trim().split(/\s+/);
  const first = normalize(name).split(" ")[0];
  const at = tokens.findIndex((t) => normalize(t).split(" ")[0] === first);
  if (at <= 0) return false;
  const negations = wordSet(ctx, "negation");
  const previous = tokens[at - 1];
  if (negations.has(normalize(previous)) && !/[,.;:!?]$/.test(previous)) return true;
  const before = ` ${normalize(tokens.slice(Math.max(0, at - DENIED_WITHIN), at).join(" "))} `;
  const speaks = [...wordSet(ctx, "speak")].some((w) => before.includes(` ${w} `));
  return speaks && [...negations].some((w) => before.includes(` ${w} `));
}

/** Whether the message denies the language it names («sorry I don't speak spanish»): a request for the other, in a few more words than a plain one. */
function deniesLanguage(input: EngineInput, ctx: EngineContext): boolean {
  const named = understoodOf(input)?.entities.language;
  return (
    input.type === "text" && named !== undefined && input.text.trim().split(/\s+/).length <= DENIED_REQUEST_WORDS && languageDenied(input.text, named.text, ctx)
  );
}

/** Words a message denying a language («sorry, I don't speak spanish at all») is at most. */
const DENIED_REQUEST_WORDS = 7;

/**
 * A language the text names ("inglés", "english"), when it asks for a language; the other one when the
 * name is denied («I don't speak spanish», «sorry, no spanish», «no entiendo inglés»: `negation` words).
 */
function languageAsked(input: EngineInput, ctx: EngineContext): Language | undefined {
  const u = understoodOf(input);
  const named = u?.entities.language;
  const lang = named?.value;
  if (lang !== "es-MX" && lang !== "en") return undefined;
  // A language denied asks for the other, however the classifier read the rest (it hears the «no»).
  if (input.type === "text" && named) {
    if (languageDenied(input.text, named.text, ctx)) return LANGUAGES.find((l) => l !== lang);
  }
  return topIntent(u) === "language" ? lang : undefined;
}

export class Engine {
  /** Per flow, its photo questions (`photoQuestions`), read once. */
  private readonly photoQuestionsOf = new Map<string, PhotoQuestion[]>();
  /** While a correction's message answers the question its path asks (`correctAlong`; the engine runs one message at a time, synchronously). */
  private correcting = false;
  /** The plain link of the flow a photo opens (`photo_opens`; the loader allows one), if any. */
  private readonly photoLink: string | undefined;

  constructor(
    readonly flows: FlowSet,
    private readonly ctx: EngineContext,
  ) {
    const opened = [...flows.values()].find((f) => f.photoOpens);
    this.photoLink = opened?.links.find((l) => !l.save && !l.step)?.prefix;
  }

  /** Starts a flow from its first step (or a given step) in a fresh or carried-over state; `heard` is what opened it. */
  start(flow: string, lang: Language, replies: Reply[] = [], vars: ConversationState["vars"] = {}, heard: Vars = {}, step?: string): StepResult {
    const pos = resolveTarget(this.flows, flow, { flow, step });
    return this.run(this.fresh(pos, lang, { ...vars, heard }), pos, replies);
  }

  /** One input against a saved state. `null` state means a new conversation. */
  step(state: ConversationState | null, input: EngineInput, lang: Language): StepResult {
    if (input.type === "open") return this.open(state, input.link, lang);
    if (!state || state.waiting === "nothing") return this.begin(state, input, lang);
    const flow = this.flows.get(state.flow);
    const step = flow?.byId.get(state.step);
    if (!flow || !step || (state.waiting === "answer" && step.type !== "ask") || (state.waiting === "action" && step.type !== "action")) {
      // What outlives a flow (who the citizen is, a draft set aside) goes on to the menu.
      return this.start(MENU_FLOW, state.lang, [{ key: "global.flow_changed" }], state.vars);
    }

    if (state.waiting === "action") {
      if (input.type !== "action_result" || step.type !== "action") return { state, replies: [] };
      if (!input.ok) {
        if (step.on_error) return this.continueTo(state, resolveTarget(this.flows, flow.name, step.on_error), []);
        return this.start(MENU_FLOW, state.lang, [{ key: "errors.action_failed" }], state.vars);
      }
      const vars = step.save ? setVar(state.vars, step.save, input.value) : state.vars;
      return this.advance({ ...state, vars }, step.next, []);
    }

    if (step.type !== "ask") return { state, replies: [] };
    // A goodbye («gracias, adiós»), also where something was asked aside, anywhere but in a message to a person, which takes it as it is.
    if (input.type === "text" && !takesMessage(step.answer) && this.saysGoodbye(input.text, this.rests(state))) return this.goodbye(state);
    if (state.aside) return this.answerAside(state, state.aside, step, input);
    if (this.keeps(state, step, input))
      return this.continueTo({ ...state, attempts: 0 }, resolveTarget(this.flows, state.flow, step.keep?.goto ?? step.id), []);
    const word = this.wordOf(input);
    if (word) return this.onGlobalWord(word, state, true);
    if (input.type === "unsupported") return { state, replies: [unsupportedReply(input.kind), prompt(step, state)] };
    if (input.type === "action_result" || input.type === "word") return { state, replies: [] };
    if (input.type === "photo" && step.answer.type !== "photo") return this.holdPhoto(state, input);
    return this.keepTold(state, step, input, this.answer(state, step, input));
  }

  /**
   * A photo before its question: kept for it when a photo question further on keeps it now
   * (`holdsPhoto`), else refused with what `photoRefused` says. The question waiting is asked again,
   * unless the photo came `along` a text that left it asked.
   */
  private holdPhoto(state: ConversationState, input: Extract<EngineInput, { type: "photo" }>): StepResult {
    const again = input.along ? [] : this.reprompt(state);
    if (!this.holdsPhoto(state)) return { state, replies: [{ key: this.photoRefused(state) }, ...again] };
    return { state: { ...state, vars: setVar(state.vars, SENT_PHOTO, input.mediaId) }, replies: [{ key: "global.photo_kept" }, ...again] };
  }

  /**
   * What a text told at a choice question keeps to offer as the description (`opening`): only in a flow
   * that keeps one (`opening: true`), while it has neither an opening nor a description yet.
   */
  private toldAt(state: ConversationState, step: AskStep, input: EngineInput, words: number): Vars {
    if (step.answer.type !== "choice" || !this.flows.get(state.flow)?.opening) return {};
    if (getVar(state.vars, "opening") != null || getVar(state.vars, "description") != null) return {};
    return opening(this.ctx, input, words);
  }

  /**
   * Something told before, corrected in words at the questions the flow names (`corrects`, flow-schema.ts):
   * «es drenaje no agua», «perdón, es alumbrado» at the description or the summary change the type there
   * and ask the question again; «es en Toluca, no en Metepec» at the summary changes the municipality
   * along the flow's own path. Only a message that is nothing but the correction: it names what is meant
   * (by the entity given), other than what there is, and either denies another one (`denied`: «no agua»),
   * or says it corrects (words `correction`: «perdón», «quise decir») or starts with a no — and says
   * nothing else («perdón, el drenaje huele feo» is a description, «no es basura» corrects nothing); where
   * what was understood is confirmed, denying it by name is enough («no es bache sino una coladera tapada»).
   */
  private corrected(state: ConversationState, step: AskStep, input: EngineInput, notice: Reply[]): StepResult | undefined {
    const u = understoodOf(input);
    const flow = this.flows.get(state.flow);
    if (input.type !== "text" || !u || !flow || this.correcting) return undefined;
    for (const correction of flow.corrects) {
      const meant = u.entities[correction.entity];
      if (!meant || !correction.at.includes(step.id)) continue;
      const earlier = "step" in correction ? flow.byId.get(correction.step) : undefined;
      const choice =
        earlier?.type === "ask" && earlier.answer.type === "choice" && earlier.save
          ? { save: earlier.save, options: choiceOptions(earlier.answer, state.vars) }
          : undefined;
      const current = getVar(state.vars, choice ? choice.save : "value" in correction ? correction.value : "");
      const option = choice?.options.find((o) => o.value === meant.value);
      if (current == null || meant.value === current || (choice && !option)) continue;
      const denied = u.denied?.[correction.entity];
      const says = saysWordOf(this.ctx, "correction", input.text) || leadingYesNo(this.ctx, input.text) === "no";
      // Where what was understood is confirmed (a yes or no), naming another one answers it: «es drenaje».
      const confirming = step.answer.type === "yesno" && leadingYesNo(this.ctx, input.text) === undefined;
      if (!denied && !says && !confirming) continue;
      // There, denying it by name corrects it whatever else is said («no es bache sino una coladera tapada» at
      // «Entendí: bache… ¿Es correcto?»).
      const deniesWhatIs = step.answer.type === "yesno" && denied?.value === current;
      if (!deniesWhatIs && wordsBesides(this.ctx, input.text, denied ? [meant, denied] : [meant], ["correction", "negation", "no"]).length) continue;
      if (choice && option && "said" in correction) {
        const next = { ...state, vars: setVar(state.vars, choice.save, meant.value), attempts: 0 };
        return {
          state: next,
          replies: [...notice, { key: correction.said, params: { label: optionLabel(this.ctx, state.lang, option) } }, ...this.reprompt(next)],
        };
      }
      if ("goto" in correction) return this.correctAlong(state, correction.goto, input, notice);
    }
    return this.toldAgain(state, step, input, notice);
  }

  /**
   * Where what was understood is confirmed (a yes-or-no question where a `told` correction applies), the problem
   * told at length instead of a yes or no, read as the flow's own and naming nothing else that is confirmed there
   * otherwise (another municipality), never a danger: its text is kept as the first message's is, to be offered
   * as the description, and
   * - of what is confirmed («el bache está en la calle Hidalgo y es enorme» at «Entendí: bache en Metepec…», or
   *   naming it in the words it was named in, «hay basura dentro del bache»): it is a yes;
   * - of another one («hay un perro muerto tirado en la calle Hidalgo»): the flow goes to `told`, where it is
   *   understood again and confirmed, never changed unsaid.
   * Both got «Responde «sí» o «no»».
   */
  private toldAgain(state: ConversationState, step: AskStep, input: EngineInput, notice: Reply[]): StepResult | undefined {
    const u = understoodOf(input);
    const flow = this.flows.get(state.flow);
    if (input.type !== "text" || !u || !flow?.opening || step.answer.type !== "yesno" || isEmergency(input, this.ctx)) return undefined;
    const told = flow.corrects.find((c): c is ToldCorrection => "told" in c && c.told !== undefined && c.at.includes(step.id));
    if (!told || topIntent(u) !== flow.intents[0]) return undefined;
    if (leadingYesNo(this.ctx, input.text) !== undefined || u.denied !== undefined) return undefined;
    if (getVar(state.vars, "opening") != null || getVar(state.vars, "description") != null) return undefined;
    const current = (c: (typeof flow.corrects)[number]) => ("value" in c ? getVar(state.vars, c.value) : undefined);
    const differs = (c: (typeof flow.corrects)[number]) => u.entities[c.entity] !== undefined && u.entities[c.entity].value !== current(c);
    if (flow.corrects.some((c) => c !== told && c.at.includes(step.id) && differs(c))) return undefined;
    const { said } = opening(this.ctx, input);
    if (typeof said !== "string") return undefined;
    const vars = setVar(state.vars, "opening", said);
    const before = getVar(state.vars, `${told.value}_text`);
    const namedAsBefore = typeof before === "string" && before !== "" && ` ${normalize(input.text)} `.includes(` ${normalize(before)} `);
    if (!differs(told) || namedAsBefore || u.besides?.[told.entity]?.value === current(told)) {
      return this.accept({ ...state, vars }, step, { ok: true, value: true }, input, notice);
    }
    return this.advance({ ...state, vars: setVar(vars, "heard", heardVars(input)), attempts: 0 }, told.told, notice);
  }

  /**
   * Goes to `goto` (a path of the flow that changes something), and answers the first question it asks with
   * the message, as that question's answer only: not read as a correction again (a flow whose path asks a
   * question listed in `at` would go round for ever).
   */
  private correctAlong(state: ConversationState, goto: string, input: EngineInput, notice: Reply[]): StepResult {
    const moved = this.advance({ ...state, attempts: 0 }, goto, notice);
    const asked = this.flows.get(moved.state.flow)?.byId.get(moved.state.step);
    if (asked?.type !== "ask" || moved.state.waiting !== "answer") return moved;
    // Its question is answered at once: not shown.
    const said = moved.replies.at(-1)?.key === asked.text ? moved.replies.slice(0, -1) : moved.replies;
    this.correcting = true;
    try {
      const answered = this.answer(moved.state, asked, input);
      return { ...answered, replies: [...said, ...answered.replies] };
    } finally {
      this.correcting = false;
    }
  }

  /** What a message the question holds (`holds`: a signal, a plain no or yes) is told; undefined for any other. */
  private held(step: AskStep, input: EngineInput): string | undefined {
    const holds = step.holds;
    if (!holds || input.type !== "text") return undefined;
    const asked = holds.entity === undefined ? undefined : understoodOf(input)?.entities[holds.entity];
    // Where a text is asked, only a message that says little else («espera, deja checo la dirección»): «espera, el bache
    // está frente a la escuela desde el lunes» is the answer.
    if (asked && (!takesText(step.answer) || this.onlyWaits(input, asked))) return holds.said;
    const yesNo = holds.no || holds.yes ? yesNoOf(this.ctx, input.text) : undefined;
    return (holds.no && yesNo === "no") || (holds.yes && yesNo === "yes") ? holds.said : undefined;
  }

  /**
   * What the message names that the question keeps for later (`notes`: a municipality at the consent), put
   * where the first message's would be, when nothing is there yet; and a message that names a street, kept
   * as the address (without a yes or no that answered: «sí, en la calle Morelos»); undefined when it names
   * none of them. Said (`text`) only for a message that does not answer (`answers`).
   */
  private noted(
    state: ConversationState,
    step: AskStep,
    input: EngineInput,
    answers: boolean,
  ): { state: ConversationState; said: string; text: string } | undefined {
    const u = understoodOf(input);
    const notes = step.notes;
    if (!notes || !u || input.type !== "text") return undefined;
    let vars = state.vars;
    const texts: string[] = [];
    for (const entity of notes.into ? (notes.entities ?? []) : []) {
      const mention = u.entities[entity];
      if (!mention || getVar(vars, `${notes.into}.${entity}`) != null) continue;
      vars = setVar(setVar(vars, `${notes.into}.${entity}`, mention.value), `${notes.into}.${entity}_text`, mention.text);
      texts.push(mention.text);
    }
    // Where the question asks for a thing by name (a municipality), only a message that names it keeps a street:
    // a neighbourhood typed for the municipality («jardines de morelos») is no address to take.
    const expected = "entity" in step.answer ? step.answer.entity : undefined;
    // Only a place one could find: a number («calle Morelos 15») or a corner («Hidalgo esquina con Juárez»), not «la calle de mi casa».
    const findable = /\d/.test(input.text) || saysWordOf(this.ctx, "precise_place", input.text);
    if (notes.address && u.address && findable && (!expected || u.entities[expected]) && getVar(vars, notes.address) == null) {
      // «sí, en la calle Morelos 15»: the address without the yes that answered.
      const text = input.text.trim();
      const address = withoutLeadingYesNo(this.ctx, text).slice(0, ADDRESS_MAX);
      vars = setVar(vars, notes.address, address);
      if (!answers) texts.push(address);
    }
    if (!texts.length) return vars === state.vars ? undefined : { state: { ...state, vars }, said: notes.said, text: "" };
    return { state: { ...state, vars }, said: notes.said, text: texts.join(", ") };
  }

  /**
   * Whether the message leaves what is being changed as it was, where the question offers it (`keep`,
   * «Dejarla como está»): the choice or its number (after the question's own), the word «cancelar» (which
   * there gives up the change, not the report), a plain no, or words all of the choice's (`words`: «no,
   * mejor déjala como estaba»). An answer to the question comes first: «no hay luz» at the type is street
   * lighting, «Ya no sirve el semáforo» a new description.
   */
  private keeps(state: ConversationState, step: AskStep, input: EngineInput): boolean {
    const keep = keepOffered(step, state.vars);
    if (!keep) return false;
    if (input.type === "choice") return input.value === KEEP;
    if (input.type === "word") return input.word === "cancel";
    if (input.type !== "text") return false;
    if (/^\s*\d{1,3}\s*$/.test(input.text)) return Number(input.text) === (promptChoices(step.answer, state.vars)?.length ?? 0) + 1;
    if (step.answer.type !== "text") {
      const typed = parseAnswer(step.answer, input, state.vars, this.ctx);
      if ((typed.ok && !typed.free) || interpret(step.answer, input, state.vars)?.ok) return false;
    }
    if (this.globalWord(input.text) === "cancel" || yesNoOf(this.ctx, input.text) === "no") return true;
    return partialOption(this.ctx, [keep], input.text) !== undefined;
  }

  /**
   * A problem told where a choice was asked («se cayó una barda» at the type question, a description at
   * «¿Es el mismo problema?»), in a flow that keeps what opened it (`opening: true`): the question is
   * asked again as always, and the text is kept in `opening`, offered as the description when that comes.
   */
  private keepTold(state: ConversationState, step: AskStep, input: EngineInput, result: StepResult): StepResult {
    const missed = result.state.flow === state.flow && result.state.step === state.step && result.state.vars === state.vars;
    if (!missed) return result;
    const { said, said_length } = this.toldAt(state, step, input, OPENING_WORDS);
    if (said) return { ...result, state: { ...result.state, vars: { ...result.state.vars, opening: said } } };
    if (said_length) return { ...result, state: { ...result.state, vars: { ...result.state.vars, opening_length: said_length } } };
    return result;
  }

  /**
   * Whether a message written in another language than the conversation's changes it: a conversation
   * that has none yet, or one at the menu, where nothing is in progress («Good morning, there is a big
   * pothole on my street» typed on a page in Spanish). Elsewhere a text in another language is an answer
   * (a description may quote anything).
   */
  hearsLanguage(state: ConversationState | null): boolean {
    return state === null || state.flow === MENU_FLOW;
  }

  /** The kind of answer the conversation waits for (`photo`, `text`…), or undefined when it waits for none. */
  accepts(state: ConversationState | null): AnswerSpec["type"] | undefined {
    if (state?.waiting !== "answer") return undefined;
    const step = this.flows.get(state.flow)?.byId.get(state.step);
    return step?.type === "ask" ? step.answer.type : undefined;
  }

  /**
   * The photos (media ids) a conversation's answers hold: those of the flow it is in, and those of a
   * draft it keeps aside (an expired report offered back). What its reports would carry if sent.
   */
  media(state: ConversationState | null): string[] {
    if (!state) return [];
    const parked = readDraft(this.flows, state.vars.draft);
    return [...this.photosIn(state.flow, state.vars), ...(parked ? this.photosIn(parked.flow, parked.vars) : [])];
  }

  private photosIn(flow: string, vars: Vars): string[] {
    return [...this.photoQuestions(flow).map((q) => getVar(vars, q.save)), getVar(vars, SENT_PHOTO)].filter((v): v is string => typeof v === "string");
  }

  /**
   * Whether a photo sent now, at a question that asks for something else, is kept for a photo question
   * further on in the flow, not answered yet, that keeps one sent early (`early`: a report's photo sent
   * with the description as its caption, once the privacy notice is accepted). One at a time: a newer
   * one takes the place of the one kept. Never while the engine asks a question of its own.
   */
  holdsPhoto(state: ConversationState | null): boolean {
    return this.earlyPhotoQuestion(state)?.held === true;
  }

  /** What a photo that no question takes now is answered with: when to send it, where one is asked later; else that it is not needed. */
  photoRefused(state: ConversationState | null): string {
    return this.earlyPhotoQuestion(state)?.early?.not_yet ?? UNSUPPORTED_KEYS.unexpected_photo;
  }

  /** The photo question ahead that a photo sent now would be kept for, and whether it is kept now. */
  private earlyPhotoQuestion(state: ConversationState | null): (PhotoQuestion & { held: boolean }) | undefined {
    if (state?.waiting !== "answer" || state.aside) return undefined;
    const step = this.flows.get(state.flow)?.byId.get(state.step);
    if (step?.type !== "ask" || step.answer.type === "photo") return undefined;
    const ahead = this.photoQuestions(state.flow).find(
      (q) => q.early && q.index > step.index && getVar(state.vars, q.save) == null && !(q.early.skipped_when && holds(q.early.skipped_when, state.vars)),
    );
    return ahead?.early ? { ...ahead, held: holds(ahead.early.when, state.vars) } : undefined;
  }

  /**
   * The link that opens the flow a photo opens (`photo_opens`) where nothing is in progress: a photo sent
   * first opens it, then is handled there. Undefined elsewhere.
   */
  photoOpens(state: ConversationState | null): string | undefined {
    return this.rests(state) ? this.photoLink : undefined;
  }

  /** The flow's photo questions: where each saves its photo, and what it sets when the photo is gone. */
  private photoQuestions(flow: string): PhotoQuestion[] {
    let questions = this.photoQuestionsOf.get(flow);
    if (!questions) {
      const steps = this.flows.get(flow)?.steps ?? [];
      questions = steps.flatMap((s) =>
        s.type === "ask" && s.answer.type === "photo" ? [{ index: s.index, save: s.save, gone: s.gone ?? {}, early: s.early }] : [],
      );
      this.photoQuestionsOf.set(flow, questions);
    }
    return questions;
  }

  /**
   * The state without the photos `ids` (deleted before a report kept them: silent past
   * DRAFT_PHOTO_DAYS): each answer that held one is emptied and its question's `gone` values set, in
   * the flow and in a draft kept aside. The same state when it held none of them.
   */
  withoutMedia(state: ConversationState, ids: readonly string[]): ConversationState {
    const gone = new Set(ids);
    const without = (flow: string, vars: Vars): Vars => {
      const sent = getVar(vars, SENT_PHOTO);
      let out = typeof sent === "string" && gone.has(sent) ? setVar(vars, SENT_PHOTO, null) : vars;
      for (const q of this.photoQuestions(flow)) {
        const held = getVar(out, q.save);
        if (typeof held !== "string" || !gone.has(held)) continue;
        out = setVar(out, q.save, null);
        for (const [name, value] of Object.entries(q.gone)) out = setVar(out, name, value);
      }
      return out;
    };
    let vars = without(state.flow, state.vars);
    const parked = readDraft(this.flows, state.vars.draft);
    if (parked) {
      const draftVars = without(parked.flow, parked.vars);
      if (draftVars !== parked.vars) vars = setVar(vars, "draft", { ...(state.vars.draft as Record<string, Json>), vars: draftVars });
    }
    return vars === state.vars ? state : { ...state, vars };
  }

  /**
   * Whether nothing is in progress: no conversation yet, one that ended, or one waiting at a question
   * marked `rest` (the menu) with no question of the engine's own on top. Such a conversation does
   * not expire, and the bot may open a question of its own in it (after a notice).
   */
  rests(state: ConversationState | null): boolean {
    if (!state || state.waiting === "nothing") return true;
    if (state.waiting !== "answer" || state.aside) return false;
    const step = this.flows.get(state.flow)?.byId.get(state.step);
    return step?.type === "ask" && step.rest === true;
  }

  /** The question the conversation waits on, asked again. */
  reprompt(state: ConversationState): Reply[] {
    const step = this.flows.get(state.flow)?.byId.get(state.step);
    return step?.type === "ask" && state.waiting === "answer" ? [prompt(step, state)] : [];
  }

  /**
   * A conversation idle past its time ends; a draft it held (a report half written) is kept in `draft`,
   * offered when the citizen comes back (see flows/menu.yaml).
   */
  expire(state: ConversationState): ConversationState {
    const { aside: _aside, ...rest } = state;
    return { ...rest, vars: park(this.flows, state), waiting: "nothing" };
  }

  /** Whether the conversation holds a report not sent, being written or kept aside (see drafts.ts). */
  keepsDraft(state: ConversationState | null): boolean {
    return state !== null && keepsDraft(this.flows, state);
  }

  /** The conversation without the report not sent it held, silent past `days` days: the citizen is told when back. */
  forgetDraft(state: ConversationState, days: number, at: Date): ConversationState {
    return forgetDraft(this.flows, state, days, at);
  }

  /** When the report the conversation held was forgotten, if the citizen has not been told yet. */
  draftForgottenAt(state: ConversationState): Date | undefined {
    return draftForgottenAt(state);
  }

  /**
   * An answer to the question: the typed words first (a number, a label, yes/no), then what the
   * understanding found, then intents that work anywhere, then a typed text kept as it is; a doubtful
   * reading is asked about, and anything else is a miss.
   */
  private answer(state: ConversationState, step: AskStep, input: EngineInput): StepResult {
    const notice: Reply[] = signalNotices(input, this.ctx);
    // Words of taking one's own life are never an answer (a description, an address): the crisis line, and the question again.
    if (understoodOf(input)?.entities.danger?.value === "self_harm") return { state, replies: [...notice, ...this.reprompt(state)] };
    // A danger told where a place or a folio is asked («hay una persona armada en la calle ahorita» at the
    // address) is not that answer: the notice, and the question again. A description keeps it (it may be the
    // problem), and a choice is answered by its own words.
    // A number alone («911» of «Calle Morelos 911», of a folio) tells nothing but itself: the answer stands.
    const danger = understoodOf(input)?.entities.danger;
    if (danger && !/^\d+$/.test(danger.text.trim()) && asksPlaceOrEntity(step.answer)) return { state, replies: [...notice, ...this.reprompt(state)] };
    // At the menu, a message written in another language (and not asking for one) goes on in that language.
    const written = state.flow === MENU_FLOW ? writtenIn(input, state.lang, this.ctx) : undefined;
    if (written) {
      state = { ...state, lang: written };
      notice.push({ key: "language.written" });
    }
    const typed = parseAnswer(step.answer, input, state.vars, this.ctx);
    // "inglés", "en español por favor": the language changes at once, and the question is asked again in
    // it. A text asked for (a description, an address) takes any words: there only a message that is no
    // more than the request ("english please") changes it, and before the text is taken; "necesitamos
    // maestros de inglés en la escuela" or "frente a la academia de inglés" is the answer.
    const text = takesText(step.answer);
    // Whether the message may be about the language at all: anywhere but where a text is asked, and there only as a request.
    const aboutLanguage = !text || isLanguageRequestOnly(input) || deniesLanguage(input, this.ctx);
    const asked = aboutLanguage ? languageAsked(input, this.ctx) : undefined;
    // A language denied in the one spoken already («la escuela no enseña inglés», in Spanish) asks for nothing.
    const lang = asked === state.lang && deniesLanguage(input, this.ctx) ? undefined : asked;
    const answered = typed.ok && !typed.free;
    if (lang && (text || !answered) && !(step.answer.type === "choice" && choiceOptions(step.answer, state.vars).some((o) => o.value === lang))) {
      const about: Reply[] = step.about ? [{ key: step.about }] : [];
      return { state: { ...state, lang }, replies: [...notice, { key: "language.changed" }, ...about, ...this.reprompt({ ...state, lang })] };
    }
    // A text that says enough where typed words are the answer (`keeps_typed`): that answer, even read as a problem
    // told (a report); not one that opens asking for a flow in its words («quiero reportar que no hay agua…»: a new
    // report), nor one read as asking for another flow («borren mis datos», «ya no quiero avisos», «quiero hablar con
    // alguien»), which goes there. Kept whole, up to the question's own limit.
    if (step.keeps_typed && typed.ok && typed.free && input.type === "text" && this.keepsTyped(input)) {
      return this.accept(state, step, { ...typed, value: input.text.trim().slice(0, KEPT_TEXT_MAX) }, input, notice);
    }
    // Where an account is typed (the description), a short request for a flow no problem tells («borrar mis datos»,
    // «quiero hablar con una persona») goes there, asking first whether to set the report aside: it became the description.
    const elsewhere =
      asksAnAccount(step.answer) && step.answer.type === "text" && typed.ok && input.type === "text" ? this.requestedElsewhere(state, input) : undefined;
    const left = elsewhere ? this.onIntent(state, input, true, elsewhere) : undefined;
    if (left) return { ...left, replies: [...notice, ...left.replies] };
    const corrected = this.corrected(state, step, input, notice);
    if (corrected) return corrected;
    // «toluca» where an option leads to asking for a municipality (`named_by`): that option, answered with it.
    const named =
      step.answer.type === "choice" && input.type === "text"
        ? choiceOptions(step.answer, state.vars).find((o) => o.namedBy !== undefined && understoodOf(input)?.entities[o.namedBy] !== undefined)
        : undefined;
    if (named && typeof named.goto === "string" && !isEmergency(input, this.ctx)) {
      return this.correctAlong({ ...state, vars: setVar(state.vars, step.save, named.value) }, named.goto, input, notice);
    }
    // «ya te la di, en la descripción» where it may be skipped: skipped, and said so (`already`).
    if (
      step.already &&
      input.type === "text" &&
      saysWordOf(this.ctx, "already_said", input.text) &&
      !wordsBesides(this.ctx, input.text, [], ["already_said", "yes", "no"]).length
    ) {
      return this.accept(state, step, { ok: true, value: null }, input, [...notice, { key: step.already.said }]);
    }
    // A question about the assistant itself («¿esto es anónimo?», «¿quién ve mi reporte?») where a text is
    // asked is answered, and the question asked again: it is not the description.
    // One that also tells a problem («¿cuánto tardan en tapar el bache de mi calle?») is the description.
    // So is someone waiting, asked or not («ya respondan», «¿me escuchan?»): it is no description either.
    // A message that names what is asked («Ecatepec, que tiene un gobierno de inútiles») answers it.
    const answersIt = askedMention(step.answer, understoodOf(input)) !== undefined;
    const waiting = input.type === "text" && !answersIt && [IMPATIENT, ANNOYED].includes(topIntent(understoodOf(input)) ?? "");
    if (typed.ok && text && input.type === "text" && (isQuestion(input.text) || waiting) && understoodOf(input)?.entities.category === undefined) {
      const intent = readingOf(this.ctx, input);
      const asks = intent !== undefined && (ABOUT_THE_ASSISTANT.has(intent) || waiting);
      const about = asks && !flowForIntent(this.flows, intent) && !isEmergency(input, this.ctx) ? this.noticeFor(intent, state) : undefined;
      if (about) return { state, replies: [...notice, { key: about }, ...this.reprompt(state)] };
      // Nor is a question it cannot answer, where an account is asked (a description, an address): «¿puedo
      // mandar varias fotos?» became the description. A message to a person (any text) passes.
      if (asksAnAccount(step.answer)) return { state, replies: [...notice, { key: "errors.question_not_answer" }, ...this.reprompt(state)] };
    }
    // «ahorita le tomo foto» at the photo, «no, mejor no» at «¿Lo enviamos?»: nothing answered, nothing given up.
    const held = answered && !takesText(step.answer) ? undefined : this.held(step, input);
    if (held) return { state, replies: [...notice, { key: held }, ...this.reprompt(state)] };
    // A yes or no read in what says more is no answer (`tellsMoreThanYesNo`), here and below.
    const tellsMore = this.tellsMoreThanYesNo(step, input);
    const answers = answered || (!tellsMore && interpret(step.answer, input, state.vars)?.ok === true);
    const noted = this.noted(state, step, input, answers);
    if (noted) {
      state = noted.state;
      if (!answers) {
        return { state, replies: [...notice, { key: noted.said, params: { text: noted.text } }, ...this.reprompt(state)] };
      }
    }
    if (answered) return this.accept(state, step, typed, input, notice);
    // The words of one option's label ("cambia la descripción" → «Cambiar la descripción») before what
    // the classifier guesses: the citizen named what they see.
    const options = step.answer.type === "choice" ? choiceOptions(step.answer, state.vars) : [];
    const signalled = input.type === "text" ? optionBySignal(options, understoodOf(input)) : undefined;
    if (signalled) return this.accept(state, step, { ok: true, value: signalled.value, goto: signalled.goto }, input, notice);
    if (options.length && input.type === "text") {
      const hit = partialOption(this.ctx, options, input.text);
      // Borrowed words asked as a question ("¿es anónimo?") ask about it: the understanding answers.
      if (hit && !(hit.borrowed && isQuestion(input.text))) {
        const { option } = hit;
        if (hit.borrowed) return this.carried(state, step, option, input, notice);
        return this.accept(state, step, { ok: true, value: option.value, goto: option.goto }, input, notice);
      }
    }
    // At the menu, a statement that tells a flow by what it opens with («quiero reportar que la puerta de la
    // escuela está cerrada con candado», read as a report's status) opens it, whatever option the classifier heard.
    const understoodText = understoodOf(input);
    const toldWith =
      state.flow === MENU_FLOW && step.answer.type === "choice" && input.type === "text" && understoodText
        ? this.toldWith(input, understoodText, topIntent(understoodText))
        : undefined;
    // Nor is one that asks after a report made already (`asksOfOwn`), whatever option the classifier heard.
    const followed =
      toldWith ?? (state.flow === MENU_FLOW && input.type === "text" && understoodText && this.asksOfOwn(input, understoodText) ? STATUS : undefined);
    if (followed) {
      const told = this.onIntent(state, input, typed.ok, followed);
      if (told) return { ...told, replies: [...notice, ...told.replies] };
    }
    const understood = tellsMore ? undefined : interpret(step.answer, input, state.vars);
    // A danger told, read as an option that opens another flow («mi esposo me pega…» as «Seguimiento»): its notice, and the question again.
    const chosen = understood?.ok ? options.find((o) => o.value === understood.value)?.goto : undefined;
    const chosenFlow = chosen && typeof chosen === "object" ? this.flows.get(chosen.flow) : undefined;
    // Nor is what others handle, read as an option that opens a flow it does not ask for: its notice, and the question again.
    if (understood?.ok && input.type === "text" && this.misreadOutside(understoodOf(input), chosenFlow))
      return { state, replies: [...notice, prompt(step, state)] };
    if (understood?.ok && isEmergency(input, this.ctx) && this.awayFromDanger(chosenFlow)) {
      return { state, replies: [...notice, prompt(step, state)] };
    }
    if (understood?.ok) {
      // The classifier's yes for «Enviar reporte» while the words name another option ("cámbiale el tipo",
      // "change the type": nlp.js learnt "el" and "the" from its yes phrases) is not taken, nor guessed at.
      const yesNo = ["yes", "no"].includes(topIntent(understoodOf(input)) ?? "");
      if (yesNo && input.type === "text" && namesAnotherOption(this.ctx, options, understood.value, input.text)) return this.miss(state, step, "errors.choice");
      // A question that must be answered in words that say it (a consent, «Enviar reporte»): a reading
      // without them («la calle es Hidalgo no Leona Vicario» read as yes) is no answer, nor guessed at.
      if (input.type === "text" && this.unsaid(step.answer, options, understood.value, input.text)) {
        return this.miss(state, step, step.answer.type === "yesno" ? "errors.yesno" : "errors.choice");
      }
      return this.accept(state, step, understood, input, notice);
    }
    // Nor does a text that names a language open the choice of language.
    const byIntent =
      (aboutLanguage || topIntent(understoodOf(input)) !== "language") && !addressTyped(step.answer, input) ? this.onIntent(state, input, typed.ok) : undefined;
    if (byIntent) return { ...byIntent, replies: [...notice, ...byIntent.replies] };
    if (typed.ok) return this.accept(state, step, typed, input, notice);
    if (notice.length) return { state, replies: [...notice, prompt(step, state)] };
    const doubt = tellsMore ? undefined : guess(step.answer, input, state.vars, this.ctx, state.lang);
    // Nor is an option guessed when the words name another one ("change the type" half read as yes: not «Enviar reporte»).
    if (doubt && !(input.type === "text" && namesAnotherOption(this.ctx, options, doubt.value, input.text))) {
      const heard = this.opener(input);
      const aside: Aside = Object.keys(heard).length ? { kind: "guess", ...doubt, heard } : { kind: "guess", ...doubt };
      return this.ask(state, aside, { key: "global.guess", params: { guess: doubt.label } });
    }
    return typed.ok ? this.miss(state, step, "errors.choice") : this.miss(state, step, typed.error, typed.params);
  }

  private accept(state: ConversationState, step: AskStep, answer: Extract<AnswerResult, { ok: true }>, input: EngineInput, replies: Reply[]): StepResult {
    // An answer that opens another flow (a report told at the menu) hands it the text too, when it says more.
    const opens = typeof answer.goto === "object" && answer.goto.flow !== state.flow;
    const heard = input.type === "choice" && input.heard ? input.heard : opens ? this.opener(input) : heardVars(input);
    let vars = setVar(setVar(state.vars, step.save, answer.value), "heard", heard);
    // A choice answered by what a text named while it told more («hay un bache muy grande en la calle
    // principal enfrente de la iglesia» at the type question): the text is offered as the description later.
    // One that says where («hay una fuga de agua en la calle Hidalgo esquina con Juárez») tells the problem
    // in fewer words (talk about the choice seldom names a street; offered, it is still never taken without a yes).
    if (!opens) {
      const { said } = this.toldAt(state, step, input, understoodOf(input)?.address ? OPENING_WORDS : ANSWERED_OPENING_WORDS);
      if (typeof said === "string") vars = setVar(vars, "opening", said);
    }
    return this.advance({ ...state, vars, attempts: 0 }, answer.goto ?? step.next, replies);
  }

  /**
   * An option picked by the words of the question it leads to ("con seguimiento" at «¿Lo enviamos?» picks
   * «Cambiar cómo se envía»): when those words name one option of that question, they answer it too, and
   * the citizen is not asked what they just said; otherwise the question is asked.
   */
  private carried(state: ConversationState, step: AskStep, option: ChoiceOption, input: EngineInput, notice: Reply[]): StepResult {
    const picked = this.accept(state, step, { ok: true, value: option.value, goto: option.goto }, input, []);
    const next = this.flows.get(picked.state.flow)?.byId.get(picked.state.step);
    const asked = next?.type === "ask" && picked.state.waiting === "answer" && picked.replies.length === 1 && picked.replies[0].key === next.text;
    if (!asked || next.answer.type !== "choice" || input.type !== "text") return { ...picked, replies: [...notice, ...picked.replies] };
    const typed = parseAnswer(next.answer, input, picked.state.vars, this.ctx);
    if (typed.ok && !typed.free) return this.accept(picked.state, next, typed, input, notice);
    const hit = partialOption(this.ctx, choiceOptions(next.answer, picked.state.vars), input.text);
    if (!hit || hit.borrowed) return { ...picked, replies: [...notice, ...picked.replies] };
    return this.accept(picked.state, next, { ok: true, value: hit.option.value, goto: hit.option.goto }, input, notice);
  }

  /** A wrong answer: said, and the question asked again; from the third in a row, with a fuller explanation. */
  private miss(state: ConversationState, step: AskStep, error: string, params?: Vars): StepResult {
    const attempts = state.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) return { state: { ...state, attempts: 0 }, replies: [{ key: "errors.too_many_attempts" }, prompt(step, state)] };
    // The refusal states the question's own limits (`min`, `max`) when it has them; a step's own refusal
    // (`invalid`) reads the conversation's variables, as its question does.
    const refusal: Reply = step.invalid ? { key: step.invalid, params: textParams(state, params ?? {}) } : { key: error, params };
    return { state: { ...state, attempts }, replies: [refusal, prompt(step, state)] };
  }

  /** Intents that work at any question: notices, help, menu and cancel, language, and the flows they open. */
  private onIntent(
    state: ConversationState,
    input: EngineInput,
    typedText: boolean,
    intent = this.intentOf(input, state.flow === MENU_FLOW),
  ): StepResult | undefined {
    if (!intent) return undefined;
    // At the menu, where nothing is pending, a yes, no or skip is an acknowledgement ("👍"); at any
    // other question it is a wrong answer, and never preempts a typed text ("no existe" as a name). A
    // message that gets the 911 notice is never acknowledged ("my neighbour is not breathing" read as no).
    if (ACKNOWLEDGEMENTS.has(intent) && (typedText || state.flow !== MENU_FLOW)) return undefined;
    // And only a short one: «son unos rateros, no sirven pa nada» read as no is not answered with 👍.
    if (ACKNOWLEDGEMENTS.has(intent) && input.type === "text" && contentWords(this.ctx, input.text).length > ACKNOWLEDGED_WORDS) return undefined;
    // Nor is a question: «¿eres humano?» read as yes got 👍, which says a person is there.
    if (ACKNOWLEDGEMENTS.has(intent) && input.type === "text" && isQuestion(input.text)) return undefined;
    // Nor is it greeted or thanked ("hola buenas noches mi vecino no respira"), nor answered as a question about the assistant.
    if ((SMALL_TALK.has(intent) || ABOUT_THE_ASSISTANT.has(intent)) && isEmergency(input, this.ctx)) return undefined;
    if (intent === "cancel") {
      // Where nothing is in progress (the menu, «¿Se resolvió?») there is nothing to cancel: a cancel only the
      // classifier read («ya prende a ratos») is no answer there. «cancelar» itself still leaves (`wordOf`).
      if (this.rests(state)) return undefined;
      // A plain no («mejor no», «no gracias») answers a question it answers; it never gives up what is being written there.
      if (input.type === "text" && yesNoOf(this.ctx, input.text) === "no" && this.takes(state, "no")) return undefined;
      // Nor does one that says yes or no first, set apart («sí, ya prende a ratos», «no, la calle sigue oscura»
      // read as cancel), where that answers: it is an answer said with more, unread or not.
      const led = input.type === "text" ? leadingYesNo(this.ctx, input.text) : undefined;
      if (led && this.takes(state, led)) return undefined;
    }
    // An intent a flow declares opens it ("hablar" opens the conversation with a person); the others are a notice.
    const flow = flowForIntent(this.flows, intent);
    const notice = this.noticeFor(intent, state);
    if (notice && !flow) return { state, replies: [{ key: notice }, ...this.reprompt(state)] };
    if ((GLOBAL_WORDS as readonly string[]).includes(intent)) return this.onGlobalWord(intent as GlobalWord, state, false, heardVars(input));
    // Another flow's intent opens it; this flow's own opens it again from its start, with what the text
    // named ("¿qué es la transparencia?" while learning, "cómo va mi reporte" at «¿Se resolvió?») —
    // unless the flow keeps a draft: "hay un bache enorme" typed while reporting is an answer, not a new report.
    // With what the text named, and the text itself when it says more (the web chat's first message comes after its greeting).
    // A danger told («mi esposo me pega y tengo miedo») gets its notice and stays: it opens a report, never a folio's question.
    if (isEmergency(input, this.ctx) && this.awayFromDanger(flow)) return undefined;
    if (flow && (flow.name !== state.flow || !flow.draft)) {
      const left = this.leave(state, { kind: "leave", flow: flow.name, heard: this.opener(input) });
      // At the menu, a question asked beside the problem told is answered first (`askedBeside`).
      const asked = state.flow === MENU_FLOW ? this.askedBeside(input, flow) : undefined;
      return asked ? { ...left, replies: [{ key: asked }, ...left.replies] } : left;
    }
    return undefined;
  }

  /**
   * Whether a typed text is the answer where a question keeps it (`keeps_typed`, above). A request for another flow is
   * a short message (REQUEST_WORDS at most), or one that names what such a flow is named by («borren mis datos…»): a
   * long account read as a request is a misreading («…ya no quiero que pase esto…» read as the notices stopped).
   */
  private keepsTyped(input: Extract<EngineInput, { type: "text" }>): boolean {
    const content = contentWords(this.ctx, input.text);
    const words = content.length;
    if (isEmergency(input, this.ctx)) return false;
    if (this.toldWithOpening(input.text)) return false;
    const named = flowNamedBy(this.flows, Object.keys(understoodOf(input)?.entities ?? {}));
    if (named && named.intents[0] !== STATUS) return false;
    const reading = readingOf(this.ctx, input);
    const flow = reading === undefined ? undefined : flowForIntent(this.flows, reading);
    // Fewer words, read as a problem told but with no word of asking for a report («frente a la farmacia»,
    // «en la esquina de Hidalgo»): an answer the classifier misread. «reportar», «otro problema» are requests.
    if (words < TYPED_ANSWER_WORDS)
      return flow !== undefined && flow.toldBy.length > 0 && words > 0 && !content.some((w) => wordSet(this.ctx, "request").has(w));
    return flow === undefined || flow.toldBy.length > 0 || words > REQUEST_WORDS;
  }

  /**
   * Whether a message asks after a report made already: whether it was fixed («¿ya arreglaron el bache?», «ya lo
   * arreglaron o qué», "did they fix it yet?"), or after one's own report with nothing else told («¿y mi reporte?», and
   * frustration with it: «nadie hace nada con mi reporte»). Such
   * a report is followed (STATUS); they opened new ones, duplicates of the one waiting.
   */
  private asksOfOwn(input: Extract<EngineInput, { type: "text" }>, understood: Understood): boolean {
    if (!flowForIntent(this.flows, STATUS) || isEmergency(input, this.ctx)) return false;
    if (understood.fixAsked) return true;
    // Not one asking about the assistant, even doubtfully read («¿quién ve mis reportes?»: privacy), but when it is answered.
    const [first] = understood.intents;
    if (first && first.score >= DOUBTFUL && first.name !== "timing" && ABOUT_THE_ASSISTANT.has(first.name)) return false;
    const text = understood.told ?? input.text;
    // Asking how to make it («¿cómo hago mi reporte?», «quiero levantar mi reporte») is no report made yet.
    if (saysWordOf(this.ctx, "makes", text)) return false;
    // Asked after, or frustration with it («nadie hace nada con mi reporte»).
    const spokenOf = asks(this.ctx, text) || topIntent(understood) === FRUSTRATED;
    return !flowToldBy(this.flows, Object.keys(understood.entities)) && saysWordOf(this.ctx, "own_report", text) && spokenOf;
  }

  /**
   * Whether a message where a text is asked only asks to wait (`held`): it says little else (HELD_WORDS_BESIDES), and
   * names no type of problem, no place and no number («un momento, es Hidalgo 23» is the address).
   */
  private onlyWaits(input: Extract<EngineInput, { type: "text" }>, asked: Mention): boolean {
    const u = understoodOf(input);
    if (u?.entities.category !== undefined || u?.address === true || /\d/.test(input.text)) return false;
    return wordsBesides(this.ctx, input.text, [asked], []).length <= HELD_WORDS_BESIDES;
  }

  /**
   * Whether a message that names what others handle (`outside`: «cómo saco mi acta de nacimiento», «quiero tramitar mi
   * licencia de manejo») is misread as opening `flow`: its notice says who handles it, and a flow no problem tells and no
   * person answers (a folio's status, one's data) is not what it asks for. A folio named still opens its report.
   */
  private misreadOutside(understood: Understood | undefined, flow: Flow | undefined): boolean {
    if (!understood?.entities.outside || !flow || flow.toldBy.length || flow.intents.includes("human")) return false;
    return !flowNamedBy(this.flows, Object.keys(understood.entities));
  }

  /**
   * The intent of another flow a text typed where an account is asked requests (`answer`, above): one naming what a
   * flow no problem tells is named by («borren mis datos, ya no quiero usar esto»), or a short one (fewer than
   * TYPED_ANSWER_WORDS) read as such a flow or as the notices stopped («ya no quiero avisos»). Not one that names a type of problem, nor a danger, nor a folio (a report
   * «igual que el TOL-2026-000001» is told with it).
   */
  private requestedElsewhere(state: ConversationState, input: Extract<EngineInput, { type: "text" }>): string | undefined {
    const understood = understoodOf(input);
    if (!understood || understood.entities.category !== undefined || isEmergency(input, this.ctx)) return undefined;
    const elsewhere = (flow: Flow | undefined): flow is Flow =>
      flow !== undefined && !flow.toldBy.length && flow.name !== state.flow && flow.intents[0] !== STATUS;
    const named = flowNamedBy(this.flows, Object.keys(understood.entities));
    if (elsewhere(named)) return named.intents[0];
    const words = contentWords(this.ctx, input.text).length;
    if (!words || words >= TYPED_ANSWER_WORDS) return undefined;
    const reading = readingOf(this.ctx, input);
    return reading !== undefined && REQUESTED_AT_ACCOUNT.has(reading) && (reading === "unsubscribe" || elsewhere(flowForIntent(this.flows, reading)))
      ? reading
      : undefined;
  }

  /**
   * Whether a yes or no the classifier reads is no answer to a yes-or-no question: in a long message, which tells
   * something else («Desde el lunes no sale nada de agua de la llave» at the consent declined it), or in an address
   * that says neither in words («en la calle Hidalgo esquina con Juárez, colonia Centro» read as yes; the address is
   * noted, `notes`, and the question asked again). «sí, en la calle Morelos 15» says it.
   */
  private tellsMoreThanYesNo(step: AskStep, input: EngineInput): boolean {
    if (step.answer.type !== "yesno" || input.type !== "text") return false;
    if (contentWords(this.ctx, input.text).length > YES_NO_WORDS) return true;
    const said = yesNoOf(this.ctx, input.text) !== undefined || opensWith(this.ctx, "yes", input.text) || opensWith(this.ctx, "no", input.text);
    return understoodOf(input)?.address === true && !said;
  }

  /** Whether `flow` is one a danger told should not lead to: neither told by a problem (a report) nor a person's. */
  private awayFromDanger(flow: Flow | undefined): boolean {
    return flow !== undefined && !flow.toldBy.length && !flow.intents.includes("human");
  }

  /**
   * Whether the classifier picked an answer that must be given in words (`sure`) from a text that has none
   * of the words that say it (words.yaml `yes`, `no`: «sí, envíalo así» says it). Emoji alone say it («👍»).
   */
  private unsaid(spec: AnswerSpec, options: ChoiceOption[], value: unknown, text: string): boolean {
    if (!/\p{L}/u.test(text)) return false;
    if (spec.type === "yesno") return spec.sure && !saysWordOf(this.ctx, value === true ? "yes" : "no", text);
    const option = options.find((o) => o.value === value);
    return option?.sure === true && !option.intents?.some((intent) => saysWordOf(this.ctx, intent, text));
  }

  /** The notice that answers `intent` at the question waiting in `state` (NOTICE_INTENTS; why it is asked, by the question's `why`). */
  private noticeFor(intent: string, state: ConversationState): string | undefined {
    if (intent === WHY_ASKED && state.waiting === "answer") {
      const step = this.flows.get(state.flow)?.byId.get(state.step);
      if (step?.type === "ask" && step.why) return step.why;
    }
    return NOTICE_INTENTS[intent];
  }

  /** Whether the question waiting takes `said`: a yes or no question, a choice with an option for it, for a no a photo or place that may be skipped. */
  private takes(state: ConversationState, said: "yes" | "no"): boolean {
    const step = state.waiting === "answer" ? this.flows.get(state.flow)?.byId.get(state.step) : undefined;
    if (step?.type !== "ask") return false;
    const answer = step.answer;
    if (answer.type === "yesno") return true;
    if (answer.type === "choice") return choiceOptions(answer, state.vars).some((o) => o.intents?.includes(said));
    return said === "no" && (answer.type === "photo" || answer.type === "location") && answer.optional === true;
  }

  /**
   * What a message asks for: the classifier's confident reading. At the first message and at the menu
   * (`atMenu`), where nothing else is being answered, a message that names what a flow is told by
   * (`told_by`: a type of problem) and says more opens that flow when the classifier heard it first without
   * being sure, took the message for a way around while also hearing that flow (TOLD_OVER; an emergency alone
   * is enough: its notice comes first), misread it (MISREADABLE, `Understood.guessed`), or heard nothing at
   * all («ayer se me ponchó la llanta por un bache en la avenida principal…»).
   */
  private intentOf(input: EngineInput, atMenu: boolean): string | undefined {
    const understood = understoodOf(input);
    const intent = readingOf(this.ctx, input);
    if (!atMenu || !understood || input.type !== "text") return intent;
    const toldWith = this.toldWith(input, understood, intent);
    if (toldWith) return toldWith;
    // What others handle, named, is what such a message is about (`misreadOutside`).
    if (intent !== undefined && this.misreadOutside(understood, flowForIntent(this.flows, intent))) return undefined;
    const toldText = understood.told ?? input.text;
    const told = flowToldBy(this.flows, Object.keys(understood.entities));
    if (this.asksOfOwn(input, understood)) return STATUS;
    // One's own report (`own_report`) spoken of as still waiting or asked about, read as the told flow or misread, is
    // followed, not told again: «mi reporte del bache en la calle Hidalgo sigue igual desde hace un mes», «ya reporté el
    // bache…, ¿cuánto más van a tardar?» opened new reports (duplicates of the one waiting).
    if (
      told &&
      (intent === undefined || told.intents.includes(intent) || MISREADABLE.has(intent) || TOLD_OVER.has(intent)) &&
      saysWordOf(this.ctx, "own_report", toldText) &&
      (understood.entities.still !== undefined || asks(this.ctx, toldText)) &&
      flowForIntent(this.flows, STATUS)
    )
      return STATUS;
    // A folio named (`named_by`) is what a problem told with it is about: «ya pasaron 2 semanas y nadie arregla el
    // bache!! ECA-2026-000001 xq no hacen nada» opened a new report.
    const named = flowNamedBy(this.flows, Object.keys(understood.entities));
    if (named && told && intent !== undefined && told.intents.includes(intent) && !isEmergency(input, this.ctx)) return named.intents[0];
    // Asking whom or how to tell what is no new problem: one's own report or a plan (`toldOfOwn`), or what names nothing
    // a flow is told by («con quién me quejo de que mi hijo no quiere hacer la tarea»).
    const ofOwn = understood.asksHow === true && this.toldOfOwn(toldText);
    const askedHowOfNothing = understood.asksHow === true && (!told || ofOwn);
    // Only asked, and read as the told flow by guess alone (no word of its own phrases, only what it names), it asks
    // something else about it: «dónde pago el agua», «el camion de la basura recoge pilas usadas?». Not asking
    // how or whom to tell it (`asksHow`: «dónde reporto un bache» is told), nor a statement with a question beside it.
    if (
      told &&
      intent !== undefined &&
      told.intents.includes(intent) &&
      understood.guessed === true &&
      understood.asksHow !== true &&
      asksOnly(this.ctx, toldText)
    )
      return undefined;
    // Then a told flow's reading goes when unsure, or sure but of one's own report or a plan: «…la tarea» (a report,
    // 0.64); not «a quién le hablo porque hay un cable de luz colgando» (1.0).
    const toldFlowRead = intent !== undefined && (flowForIntent(this.flows, intent)?.toldBy.length ?? 0) > 0;
    if (askedHowOfNothing && toldFlowRead && ((understood.intents[0]?.score ?? 0) < CONFIDENT || ofOwn)) return undefined;
    if (intent !== undefined && !TOLD_OVER.has(intent) && !MISREADABLE.has(intent) && intent !== NO_READING) return intent;
    const [first, second] = understood.intents;
    // A question about the assistant asked as one, even doubtfully read, is that question. Asking only whom or how
    // to tell what it tells (`asksHow`) is no such question: «¿con quién me quejo de que no pasa la basura?»; what a
    // letter asks is asked after its salutation («A quien corresponda: quisiera saber si…»).
    const statement = understood.asksHow === true ? !askedHowOfNothing : !asks(this.ctx, toldText);
    // One asked beside a problem told in a statement of its own is answered, and the problem told (`toldBeside`).
    if (ASKED_OVER.has(first?.name ?? "") && !statement) return this.toldBeside(input, first?.name ?? "")?.intents[0] ?? intent;
    // A question read doubtfully as a yes or no, a flow's reading close behind, asks that: «¿es diferente gobierno abierto y
    // transparencia?» (no 0.50, learn 0.49: «es diferente» is a no where a choice is asked) got the welcome.
    if (
      intent === undefined &&
      !statement &&
      ACKNOWLEDGEMENTS.has(first?.name ?? "") &&
      second &&
      second.score >= DOUBTFUL &&
      flowForIntent(this.flows, second.name)
    )
      return second.name;
    // A folio in a greeting («hola buenas, me dieron el folio ECA-2026-000001 como va») is what it is about.
    if (named && intent !== "emergency") return named.intents[0];
    if (!told) return intent;
    const where = told.toldWhere.some((e) => understood.entities[e] !== undefined) || understood.address === true;
    // Heard as that flow first, not surely but clearly and not by guess, a statement tells it in a few words more
    // («ya quedó la obra pero dejaron un hoyo», «ya van tres semanas sin agua en la colonia»); so does a statement
    // read as nothing that says where («el agua sale sucia y con olor en Tlalnepantla»). Else it takes TOLD_WORDS.
    const own =
      first !== undefined &&
      told.intents.includes(first.name) &&
      statement &&
      !understood.guessed &&
      first.score >= DOUBTFUL &&
      first.score >= OWN_LEAD * (second?.score ?? 0);
    const name = first?.name ?? "";
    // A misreading no word of a statement supports: one of the ways around or the misreadable ones, or any
    // reading too unsure to act on («quemaron basura en el lote de al lado y el humo no deja respirar» half read
    // as the notices stopped).
    const guessedWrong =
      understood.guessed === true && statement && name !== "emergency" && (MISREADABLE.has(name) || TOLD_OVER.has(name) || intent === undefined);
    // Asking whom or how to tell it says it is a problem to tell, unless a reading that stands is heard in it too
    // (UNSURE_KEPT): «¿ante quién me quejo de que el camión de la basura ya no entra a la privada?» tells it in a few
    // words; «¿con quién me quejo de que no me han atendido mi reporte del bache?» (a report's status heard) does not.
    const askedHow = understood.asksHow === true && !askedHowOfNothing && !understood.intents.some((i) => UNSURE_KEPT.has(i.name));
    const words = own || askedHow || (!first && where && statement) ? TOLD_WHERE_WORDS : TOLD_WORDS;
    if (!tellsMore(this.ctx, input, words)) return intent;
    // A reading of nothing, or a misreading, leaves it what it tells.
    const misread = name === NO_READING || guessedWrong;
    // The flow itself, a way around, or an unsure misreading (of a statement, any unsure reading but those that
    // stand, UNSURE_KEPT), that also hears the flow (an emergency alone is enough); a question, clearly enough
    // (HEARD_IN_QUESTION). A way around said in a few words only (SAID_SHORT) is no statement that long.
    const around =
      told.intents.includes(name) || TOLD_OVER.has(name) || (intent === undefined && (MISREADABLE.has(name) || (statement && !UNSURE_KEPT.has(name))));
    const heard =
      own ||
      !first ||
      misread ||
      (SAID_SHORT.has(name) && statement && !opensWith(this.ctx, "request", input.text) && !saysWordOf(this.ctx, name, input.text)) ||
      (around && (name === "emergency" || understood.intents.some((i) => told.intents.includes(i.name) && (statement || i.score >= HEARD_IN_QUESTION))));
    return heard ? told.intents[0] : intent;
  }

  /**
   * The answer to the question about the assistant the classifier surely read in a message that opens `flow` by the
   * problem it tells beside it (`toldBeside`): «No puedo decirte cuánto tardará…» before the report's first question.
   */
  private askedBeside(input: EngineInput, flow: Flow): string | undefined {
    const asked = readingOf(this.ctx, input);
    if (asked === undefined || !ABOUT_THE_ASSISTANT.has(asked) || flowForIntent(this.flows, asked) || isEmergency(input, this.ctx)) return undefined;
    return this.toldBeside(input, asked) === flow ? NOTICE_INTENTS[asked] : undefined;
  }

  /**
   * The flow a message tells beside the question about the assistant it asks (`intent`, ABOUT_THE_ASSISTANT): a
   * statement of its own that names what the flow is told by and says TOLD_BESIDE_WORDS more («hay un bache enorme en la
   * calle Hidalgo, ¿cuándo lo van a arreglar?», «no hay agua en la colonia centro desde el lunes. ¿Es anónimo?»).
   * The question is answered and the problem is not lost. Not a question alone («¿cuánto tardan en tapar un bache?»),
   * nor asking whom or how to tell it (`asksHow`, told as it is), nor one's own report or a plan.
   */
  private toldBeside(input: EngineInput, intent: string): Flow | undefined {
    const understood = understoodOf(input);
    if (!ABOUT_THE_ASSISTANT.has(intent) || input.type !== "text" || !understood || understood.asksHow === true) return undefined;
    const told = flowToldBy(this.flows, Object.keys(understood.entities));
    const text = understood.told ?? input.text;
    // It asks («…y cuando llueve se llena de agua», read as how long it takes, asks nothing).
    if (!told || !clausesOf(this.ctx, text).some((clause) => asksClause(this.ctx, clause))) return undefined;
    const stated = statedPart(this.ctx, text);
    if (!stated || this.toldOfOwn(stated)) return undefined;
    // What it names is named in the statement, which says more than it.
    const named = told.toldBy.flatMap((entity) => {
      const mention = understood.entities[entity];
      return mention && normalize(stated).includes(normalize(mention.text)) ? [mention] : [];
    });
    if (!named.length) return undefined;
    return wordsBesides(this.ctx, stated, named, ["request"]).length >= TOLD_BESIDE_WORDS ? told : undefined;
  }

  /**
   * Whether a text speaks of one's own report (words.yaml `own_report`: «mi reporte del bache dice resuelto pero no
   * han hecho nada, con quién me quejo?») or tells of a plan (`plans`: «a quién le aviso que voy a podar el árbol de
   * mi casa», «…que mañana van a cortar el agua»): asked whom or how to tell, it is no new problem (`intentOf`).
   */
  private toldOfOwn(told: string): boolean {
    return saysWordOf(this.ctx, "own_report", told) || opensWith(this.ctx, "plans", told, ["filler"]);
  }

  /**
   * The flow a statement tells by the words it opens with (`told_with`: «quiero reportar que la puerta de la
   * escuela está cerrada con candado», read as a report's status), when it says more, over the readings of
   * TOLD_WITH_OVER; asking only how to report it (`told_asking`: «quiero reportar que hay un bache, ¿cómo le
   * hago?») does not keep it from it. Never a message that asks anything else, one of whose readings is of
   * TOLD_WITH_KEPT, that names a fix, said or asked (NOT_TOLD_WITH, `fixAsked`), or what opens a flow of its own (a folio).
   */
  private toldWith(input: Extract<EngineInput, { type: "text" }>, understood: Understood, intent: string | undefined): string | undefined {
    if (intent !== undefined && !TOLD_WITH_OVER.has(intent)) return undefined;
    // A misreading only by guess: «cancel» said in its own words («…ya no quiero recibir mensajes») is one.
    if (intent !== undefined && MISREADABLE.has(intent) && understood.guessed !== true) return undefined;
    // Nor is it told over what a reading of it, even a lesser one, says it is («quiero reportar que ya no quiero recibir mensajes»).
    if (understood.intents.some((i) => TOLD_WITH_KEPT.has(i.name))) return undefined;
    if (understood.fixAsked || NOT_TOLD_WITH.some((signal) => understood.entities[signal] !== undefined)) return undefined;
    if (flowNamedBy(this.flows, Object.keys(understood.entities))) return undefined;
    const flow = this.toldWithOpening(understood.told ?? input.text);
    if (!flow?.toldWith || asksBesides(this.ctx, input.text, flow.toldAsking)) return undefined;
    // The words it opens with, and a question of how to report it, do not count: three more, besides what it
    // names and the words of a request; one, when what it names is what the flow is told by (a type of problem).
    const besides = flow.toldAsking ? [flow.toldWith, flow.toldAsking] : [flow.toldWith];
    const named = flow.toldBy.some((entity) => understood.entities[entity] !== undefined);
    return tellsMore(this.ctx, input, named ? TOLD_WITH_NAMED_WORDS : TOLD_WHERE_WORDS, besides) ? flow.intents[0] : undefined;
  }

  /** The flow a text asks for by the words it opens with (`told_with`: «quiero reportar que…»), after greetings and fillers. */
  private toldWithOpening(text: string): Flow | undefined {
    return flowToldWith(this.flows, (list) => opensWith(this.ctx, list, text, ["request", "filler"]));
  }

  /** What a message that opens a flow hands it: what it named, and itself when it says more (`opening`). */
  private opener(input: EngineInput): Vars {
    return { ...heardVars(input), ...opening(this.ctx, input) };
  }

  /** A new conversation, or one that ended: a free first message opens what it asks for ("quiero reportar un bache en neza"). */
  private begin(state: ConversationState | null, input: EngineInput, lang: Language): StepResult {
    const vars = state?.vars ?? {};
    const home = state ? MENU_FLOW : "welcome";
    let current = state?.lang ?? lang;
    const word = this.wordOf(input);
    if (word === "language") return this.start("language", current, [], vars);
    if (word === "unsubscribe") return this.start(UNSUBSCRIBE_FLOW, current, [], vars, {}, UNSUBSCRIBE_NOW);
    if (word === "mydata" && this.flows.has(MY_DATA_FLOW)) return this.start(MY_DATA_FLOW, current, [], vars);
    // A known citizen's goodbye (after a notice, «gracias, bye») is answered with one; a new one is welcomed.
    if (state && input.type === "text" && this.saysGoodbye(input.text, true)) return this.goodbye(this.start(MENU_FLOW, current, [], vars).state);
    const notices: Reply[] = input.type === "unsupported" ? [unsupportedReply(input.kind)] : [];
    if (word === "privacy") notices.push({ key: "privacy.full_notice", separate: true });
    notices.push(...signalNotices(input, this.ctx));
    const written = writtenIn(input, current, this.ctx);
    current = languageAsked(input, this.ctx) ?? written ?? current;
    if (written) notices.push({ key: "language.written" });
    const intent = this.intentOf(input, true);
    const flow = intent ? flowForIntent(this.flows, intent) : undefined;
    // A danger told is never also answered as a question about the assistant («se quedó atrapado un niño…» read as timing).
    if (intent && (ABOUT_THE_ASSISTANT.has(intent) || NEWS.has(intent)) && !flow && !isEmergency(input, this.ctx))
      notices.push({ key: NOTICE_INTENTS[intent] });
    // Nor is one asked beside the problem told, its flow opened after the answer (`askedBeside`).
    const asked = flow ? this.askedBeside(input, flow) : undefined;
    if (asked) notices.push({ key: asked });
    // A danger told, read as another question (a folio's status), gets its notice and stays; a report or a person asked for opens.
    if (flow && !(isEmergency(input, this.ctx) && this.awayFromDanger(flow))) return this.start(flow.name, current, notices, vars, this.opener(input));
    return this.start(home, current, notices, vars);
  }

  /**
   * A link or command leaves whatever the conversation was doing for the flow that declares it.
   * Without one (a bare `/start`), a new citizen is welcomed and a known one gets the menu.
   */
  private open(state: ConversationState | null, link: string | undefined, lang: Language): StepResult {
    const target = link ? findLink(this.flows, link) : undefined;
    const current = state?.lang ?? lang;
    const vars = state ? park(this.flows, state, false) : {};
    if (!target) return this.start(state ? MENU_FLOW : "welcome", current, [], vars);
    const fresh = this.fresh(target.position, current, { ...vars, heard: {} });
    const withLink = target.save ? setVar(fresh.vars, target.save.name, target.save.value) : fresh.vars;
    return this.run({ ...fresh, vars: withLink }, target.position, []);
  }

  private wordOf(input: EngineInput): GlobalWord | undefined {
    if (input.type === "word") return input.word;
    return input.type === "text" ? this.globalWord(input.text) : undefined;
  }

  private globalWord(text: string): GlobalWord | undefined {
    const n = normalize(text);
    if (!n || n.length > 20) return undefined;
    return GLOBAL_WORDS.find((w) => wordSet(this.ctx, w).has(n));
  }

  /**
   * `said`: the word itself (typed, or a command), not words the understanding read as it; `heard`: what those words
   * named («dar de baja ecatepec»: the municipality), for the flow it opens.
   */
  private onGlobalWord(word: GlobalWord, state: ConversationState, said: boolean, heard: Vars = {}): StepResult {
    switch (word) {
      case "menu":
        return this.leave(state, { kind: "leave" });
      // Only the word itself discards what is being written (asking first); words read as it set it aside.
      case "cancel":
        return this.leave(state, { kind: "leave", cancelled: said });
      case "language": {
        // A draft waits, kept, while the language changes; the language flow goes back to it — to one
        // parked here (`draft.for_language`), not to one kept for another reason (the menu offers that).
        const vars = park(this.flows, state);
        const draft = vars.draft as Record<string, Json>;
        return this.start("language", state.lang, [], holdsDraft(this.flows, state) ? { ...vars, draft: { ...draft, for_language: true } } : vars);
      }
      case "help":
        return { state, replies: [{ key: "global.help" }, ...this.reprompt(state)] };
      case "privacy":
        return { state, replies: [{ key: "privacy.full_notice", separate: true }, ...this.reprompt(state)] };
      case "unsubscribe": {
        // "baja": notices stop at once, words read as it ask first (asked already, they are the answer:
        // «sí, dame de baja»); a draft waits, kept, and the menu offers it back.
        const now = said || state.flow === UNSUBSCRIBE_FLOW;
        return this.start(UNSUBSCRIBE_FLOW, state.lang, [], park(this.flows, state), now ? {} : heard, now ? UNSUBSCRIBE_NOW : undefined);
      }
      case "mydata":
        // "mis datos": a draft waits, kept, like for "baja" (a deployment without the flow answers with help).
        if (!this.flows.has(MY_DATA_FLOW)) return { state, replies: [{ key: "global.help" }, ...this.reprompt(state)] };
        return this.start(MY_DATA_FLOW, state.lang, [], park(this.flows, state));
    }
  }

  /** A draft held set aside, when its flow says so (`set_aside`), and the line that says it was kept. */
  private setAside(state: ConversationState): { vars: Vars; said: Reply[] } {
    const aside = this.flows.get(state.flow)?.draft?.set_aside !== undefined && holdsDraft(this.flows, state);
    return aside ? { vars: park(this.flows, state, false), said: [{ key: "global.draft_set_aside" }] } : { vars: state.vars, said: [] };
  }

  /**
   * Whether the text is a goodbye and nothing else: a word of `goodbye`, with none but those that go with one
   * (`goodbye_with`). Saying one is done (`goodbye_done`: «eso es todo») is one only `atRest`: at a question it may
   * be its answer («ok, eso sería todo» at «¿Lo enviamos?», «no, eso es todo» at the photo).
   */
  private saysGoodbye(text: string, atRest: boolean): boolean {
    const said = saysWordOf(this.ctx, "goodbye", text) || (atRest && saysWordOf(this.ctx, "goodbye_done", text));
    return said && !wordsBesides(this.ctx, text, [], ["goodbye", "goodbye_done", "goodbye_with", "filler"]).length;
  }

  /**
   * A goodbye answered with one, and nothing asked after it: where nothing is in progress the conversation stays;
   * elsewhere it goes back to the menu, a draft set aside (said so). A flow that closes something first (a
   * conversation with a person) or a draft it cannot set aside leaves as «menú» does, asking what it asks.
   */
  private goodbye(state: ConversationState): StepResult {
    const bye: Reply = { key: "global.goodbye" };
    if (this.rests(state)) return { state, replies: [bye] };
    const flow = this.flows.get(state.flow);
    if (flow?.exit || (flow?.draft && !flow.draft.set_aside && holdsDraft(this.flows, state))) {
      const left = this.leave(state, { kind: "leave" });
      return { ...left, replies: [bye, ...left.replies] };
    }
    const { vars, said } = this.setAside(state);
    const menu = this.start(MENU_FLOW, state.lang, [], vars);
    // A menu that asks something first (a draft kept before, offered back) asks it.
    return this.rests(menu.state) ? { state: menu.state, replies: [...said, bye] } : { ...menu, replies: [...said, bye, ...menu.replies] };
  }

  /** Whether a conversation waiting where `state` is expires after the timeout (a flow may say it does not). */
  expires(state: ConversationState): boolean {
    return this.flows.get(state.flow)?.expires ?? true;
  }

  /** Leaves for the menu or another flow; a draft in the making is never dropped without asking. */
  private leave(state: ConversationState, to: Extract<Aside, { kind: "leave" }>): StepResult {
    const flow = this.flows.get(state.flow);
    // A flow with an exit closes what it keeps open first; its exit steps then lead where they lead.
    if (flow?.exit && !to.flow && state.step !== flow.exit) return this.continueTo({ ...state, aside: undefined }, { flow: flow.name, step: flow.exit }, []);
    const draft = flow?.draft;
    if (draft && holdsDraft(this.flows, state)) {
      const key = !to.cancelled && draft.set_aside ? draft.set_aside : draft.leave;
      return this.ask(state, to, { key, params: textParams(state, {}) });
    }
    return this.go(state, to);
  }

  /** Goes where `to` says; a draft held is dropped when cancelling, kept aside otherwise (when its flow says so, `set_aside`). */
  private go(state: ConversationState, to: Extract<Aside, { kind: "leave" }>): StepResult {
    const { vars, said } = to.cancelled ? { vars: state.vars, said: [] } : this.setAside(state);
    if (to.flow) return this.start(to.flow, state.lang, said, vars, to.heard);
    if (!to.cancelled) return this.start(MENU_FLOW, state.lang, said, vars);
    // Cancelled with a draft still set aside (cancelling the offer of it): said it is kept, not «nothing was saved».
    const cancelled = readDraft(this.flows, vars.draft) ? "global.cancelled_draft_kept" : "global.cancelled";
    return this.start(MENU_FLOW, state.lang, [{ key: cancelled }], vars);
  }

  /** Asks a yes/no question on top of the current one. */
  private ask(state: ConversationState, aside: Aside, question: Reply): StepResult {
    return { state: { ...state, aside }, replies: [{ ...question, choices: YES_NO }] };
  }

  /** The answer to an aside: yes does what it proposed, no returns to the question, anything else is an answer to the question. */
  private answerAside(state: ConversationState, aside: Aside, step: AskStep, raw: EngineInput): StepResult {
    const base: ConversationState = { ...state, aside: undefined };
    const input = asShownChoice({ type: "yesno", sure: false }, raw, state.vars, this.ctx);
    const reading = input.type === "choice" ? input.value : input.type === "text" ? (yesNoOf(this.ctx, input.text) ?? topIntent(input.understood)) : undefined;
    if (reading === "yes") {
      if (aside.kind === "guess") return this.answer(base, step, { type: "choice", value: aside.value, heard: aside.heard });
      return this.go(base, aside);
    }
    if (reading === "no") {
      const said = aside.kind === "leave" ? "global.draft_kept" : "global.guess_declined";
      return { state: base, replies: [{ key: said }, prompt(step, base)] };
    }
    const next = this.step(base, raw, state.lang);
    // Another way out (a folio, "¿qué es el gobierno abierto?") asks the same again: said why, not repeated as is.
    if (aside.kind === "leave" && next.state.aside?.kind === "leave") return { ...next, replies: [{ key: "errors.yesno" }, ...next.replies] };
    return next;
  }

  private fresh(pos: Position, lang: Language, vars: ConversationState["vars"]): ConversationState {
    const version = this.flows.get(pos.flow)?.version ?? "";
    // Only what outlives a flow is carried over: who the citizen is, what their last message named,
    // and a draft they left unfinished. Flow-local answers are dropped. The text of the message that
    // opened the flow (`heard.said`) only to a flow that keeps it (`opening: true`), as `opening`.
    const keep: ConversationState["vars"] = {};
    for (const name of ["citizen", "draft"]) if (vars[name] !== undefined) keep[name] = vars[name];
    const heard = vars.heard;
    if (heard && typeof heard === "object" && !Array.isArray(heard)) {
      const { said, said_length, ...named } = heard;
      keep.heard = named;
      if (typeof said === "string" && this.flows.get(pos.flow)?.opening) keep.opening = said;
      if (typeof said_length === "number" && this.flows.get(pos.flow)?.opening) keep.opening_length = said_length;
    } else if (heard !== undefined) keep.heard = heard;
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

  /** The parked draft back where it was, or (its flow changed since) the flow going on without it. */
  private resume(state: ConversationState, flow: Flow, step: Step, saved: unknown): { state: ConversationState; pos?: Position; replies: Reply[] } {
    const draft = readDraft(this.flows, saved as never);
    const { draft: _dropped, ...vars } = state.vars;
    if (!draft) {
      const next = nextInOrder(flow, step);
      return { state: { ...state, vars }, pos: next ? { flow: flow.name, step: next.id } : undefined, replies: [{ key: "global.draft_lost" }] };
    }
    const resumed: ConversationState = {
      flow: draft.flow,
      flowVersion: draft.flowVersion,
      step: draft.step,
      waiting: "nothing",
      vars: { ...draft.vars, citizen: getVar(state.vars, "citizen") ?? null },
      attempts: 0,
      lang: state.lang,
    };
    return { state: resumed, pos: { flow: draft.flow, step: draft.step }, replies: [{ key: "global.draft_resumed" }] };
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
        case "wait_answer": {
          // The photo question, when a photo was sent before it: that photo is its answer.
          const sent = getVar(state.vars, SENT_PHOTO);
          if (typeof sent === "string" && step.type === "ask" && step.answer.type === "photo") {
            const waiting = { ...state, waiting: "answer" as const, vars: setVar(state.vars, SENT_PHOTO, null) };
            const answered = this.answer(waiting, step, { type: "photo", mediaId: sent });
            return { ...answered, replies: [...out, { key: "global.photo_used" }, ...answered.replies] };
          }
          return { state: { ...state, waiting: "answer" }, replies: [...out, ...outcome.replies] };
        }
        case "wait_action":
          return { state: { ...state, waiting: "action" }, replies: out, action: outcome.action };
        case "end":
          return { state: { ...state, waiting: "nothing" }, replies: [...out, ...outcome.replies] };
        case "resume": {
          const resumed = this.resume(state, flow, step, outcome.draft);
          out.push(...resumed.replies);
          state = resumed.state;
          if (!resumed.pos) return { state: { ...state, waiting: "nothing" }, replies: out };
          pos = resumed.pos;
          continue;
        }
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

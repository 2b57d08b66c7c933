/**
 * What the language understanding (src/nlu/) made of a text message, handed to the engine inside the
 * input. The engine decides what to do with it: a confident match is used, a doubtful one is asked
 * about ("¿Quisiste decir…?"), and numbers and labels always come first.
 */

/** One thing the text names: a category id, a municipality key, a folio, a topic, a language… */
export interface Mention {
  value: string;
  /** The words of the message that name it, as written ("neza", "bache"). */
  text: string;
  /** Whether the words match exactly (accents and case aside) rather than with a spelling slip. */
  exact: boolean;
}

export interface Understood {
  /** Intents the text may express, best first, with a confidence from 0 to 1. */
  intents: { name: string; score: number }[];
  /** What the text names, by entity: category, municipality, folio, region, topic, language. */
  entities: Record<string, Mention>;
  /**
   * What the text says things are not, by entity, where it names another of the kind that it means
   * («es drenaje no agua»: agua; the category meant is drenaje): a correction of what was said before.
   */
  denied?: Record<string, Mention>;
  /** The text names a street, a neighbourhood or a corner ("av. Tecnológico esquina con Pino Suárez"): it reads as an address. */
  address?: boolean;
  /**
   * Another thing of the kind meant that the text names apart, by entity («hay un bache y también una lámpara
   * fundida»: alumbrado besides baches): written as it is, not denied, not where the problem is.
   */
  besides?: Record<string, Mention>;
  /**
   * Of a message that names a type of problem: no word of it is one of the words its reading's phrases have
   * and (nearly) no other intent's. nlp.js reads long texts its phrases do not resemble confidently as
   * something («llevamos 3 días con olor a podrido que sale de las coladeras» as learning what open
   * government is): such a reading is a guess.
   */
  guessed?: true;
  /**
   * A fix named in a message that asks («quiero reportar que ya taparon el bache, ¿a quién le aviso?»): it says
   * nothing is fixed (the fix is left out of `entities`), and a statement told with a flow's words (`told_with`)
   * that names one tells no new problem.
   */
  fixAsked?: true;
  /**
   * The text's only question is whom, where or how to tell what it tells («¿con quién me quejo de que no pasa la
   * basura?», «…desde el lunes, ¿a quién le aviso?»): it tells as a statement does.
   */
  asksHow?: true;
  /**
   * The text as written without the courtesies it opens and closes with, when it has some: what it tells
   * («Estimados funcionarios: quiero reportar que…» tells «quiero reportar que…»). Greetings, a letter's salutation
   * and sign-off, the asking of whom or how to tell («¿con quién me quejo de que», «Agradezco su atención.
   * Atentamente, C. Jorge Valdés.») tell nothing of what it is about.
   */
  told?: string;
}

/**
 * What the classifier reads a text as when it reads it as none of the intents: the corpus's intent for what
 * the bot does not do (learnt so that it is not mistaken for another), and a bare emergency's reading.
 */
export const NO_READING = "none";
/** How a text is to be read (the understanding's `understand`). */
export interface UnderstandOptions {
  /**
   * Whether to weigh if the reading is a guess (`Understood.guessed`): where a message may open what it tells (a
   * first message, the menu). It takes one more pass over the text's stems, needless elsewhere.
   */
  weighGuess?: boolean;
}

/** The intent of asking why something is asked («¿para qué quieren la foto?»): answered with the question's `why`. */
export const WHY_ASKED = "why_asked";
/** Annoyance with the bot («mugre bot»): the intent, and the signal whose words it needs to count. */
export const ANNOYED = "annoyed";

/** Frustration with the government («ya estoy harto, nadie hace nada», «¿para qué reporto?»): the signal, and the intent it makes a short message. */
export const FRUSTRATED = "frustrated";

/**
 * The signal of a fix said in the short words people answer «¿Se resolvió?» with («ya quedó», «todo bien»):
 * read only where a question names it, never as news; dropped as `fixed` is (the understander's
 * `saysFixed`, a problem still there).
 */
export const WORKS = "works";

/** Praise of something public that works well («qué bonito quedó el parque»): the signal, and the intent it makes a message. */
export const PRAISE = "praise";

/**
 * The entities that are signals: what a message says («sigue igual», «ya lo taparon», «ya quedó», «no sé»,
 * «ahorita le tomo», «inútil», «borren mis datos», «¿en qué se diferencia…?», «¿hablas náhuatl?», "balazos": a danger now, «se fue la luz en toda la colonia»: a problem outside
 * the municipality's) rather than a thing it names (a type of problem, a municipality). Only their exact words
 * count (a slip turns "shouting" into "shooting", "painted" into "fainted"); they may overlap a name («me
 * acaban de asaltar» is a danger and the category «Seguridad»); their words are part of an account told.
 */
export const SIGNALS: ReadonlySet<string> = new Set([
  "danger",
  "outside",
  "fixed",
  WORKS,
  PRAISE,
  "still",
  "unsure",
  "coming",
  "wait",
  ANNOYED,
  FRUSTRATED,
  "erase",
  "compare",
  // An indigenous language named («¿hablas náhuatl?»): the assistant says which languages it speaks.
  "native_language",
]);

/** From this confidence an intent is acted on; between DOUBTFUL and here it is asked about. */
export const CONFIDENT = 0.7;
export const DOUBTFUL = 0.45;

/**
 * The best intent, when it is sure enough: at least `min`, or (for the confident bar) clearly ahead of
 * the next guess — at least 0.6 and twice the second's score. nlp.js shares the score among the intents
 * a text activates, so a clear lead counts as much as a high figure.
 */
export function topIntent(u: Understood | undefined, min = CONFIDENT): string | undefined {
  const [top, second] = u?.intents ?? [];
  if (!top) return undefined;
  if (top.score >= min) return top.name;
  return min === CONFIDENT && top.score >= LEAD && top.score >= 2 * (second?.score ?? 0) ? top.name : undefined;
}

/** See `topIntent`. */
const LEAD = 0.6;

/** The intent's confidence (0 when it is not among the guesses). */
export function scoreOf(u: Understood | undefined, intent: string): number {
  return u?.intents.find((i) => i.name === intent)?.score ?? 0;
}

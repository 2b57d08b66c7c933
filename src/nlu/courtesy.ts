/**
 * What a message opens with before it says what it is about: «hola buenas, todo bien? hay un bache»,
 * «Buenas tardes, disculpe la molestia, quisiera saber de mi reporte». The classifier, reading the whole,
 * weighs the greeting as much as what follows and hears a greeting; what follows is what is asked.
 * A greeting (courtesy.yaml `greetings`: «hola», «buenas tardes») counts wherever it comes in the opening;
 * a courtesy (`clauses`: «todo bien», «qué onda», «disculpe la molestia») only as a clause of its own, ended
 * by a comma, a stop or a question mark, since «todo bien con el bache?» asks about the pothole.
 */
import { normalize } from "../util/text.js";

/** How far into a message its opening is looked for, in words. */
const MAX_OPENING_WORDS = 16;

/** Whether a word as written ends with punctuation: the clause it closes is over. */
export const endsClause = (word: string) => /[,.;:!?]$/.test(word);

/** The words of a text as written, punctuation kept with the word before it, also where no space follows («Hola,buenas»). */
const wordsOf = (text: string) => text.split(/\s+|(?<=[,.;:!?])(?=[\p{L}\p{N}¿¡])/u).filter(Boolean);

/** Phrases as lists of normalised words. */
const wordLists = (phrases: readonly string[]) => phrases.map((p) => normalize(p).split(" ").filter(Boolean)).filter((words) => words.length > 0);

/** Words a message says before a closing, at least, for the closing to be left out («ya quedó, saludos» says little else). */
const CLOSED_WORDS = 5;

export class Courtesy {
  private readonly greetings: string[][];
  private readonly clauses: string[][];
  private readonly closings: string[][];

  constructor(greetings: readonly string[], clauses: readonly string[], closings: readonly string[] = []) {
    this.greetings = wordLists(greetings);
    this.clauses = wordLists(clauses);
    // Longest first: «saludos cordiales» goes whole, not «cordiales» left behind.
    this.closings = wordLists(closings).sort((a, b) => b.length - a.length);
  }

  /**
   * The text without the greetings and courtesies it opens with (`opening`) and the courtesies it closes
   * with, each a clause of its own after CLOSED_WORDS words or more («…existe una fuga de agua desde hace
   * una semana. Agradecería su pronta atención.»); undefined when it has neither, or says nothing else.
   */
  rest(text: string): string | undefined {
    const opened = this.opening(text);
    const closed = this.closing(opened ?? text);
    return closed ?? opened;
  }

  /** The text without the courtesies it closes with, when it closes with some after saying enough. */
  private closing(text: string): string | undefined {
    const tokens = wordsOf(text);
    const words = tokens.map((t) => normalize(t));
    let end = tokens.length;
    while (end > 0 && words[end - 1] === "") end--;
    let cut = end;
    for (;;) {
      const phrase = this.closings.find((p) => p.length < cut && p.every((w, k) => words[cut - p.length + k] === w));
      if (!phrase) break;
      const start = cut - phrase.length;
      // Its own clause: the word before it closes one («…una semana. Gracias»), and it does not run on.
      if (!endsClause(tokens[start - 1]) || phrase.slice(0, -1).some((_, k) => endsClause(tokens[start + k]))) break;
      if (words.slice(0, start).filter(Boolean).length < CLOSED_WORDS) break;
      cut = start;
    }
    return cut < end ? tokens.slice(0, cut).join(" ") : undefined;
  }

  /**
   * The text after the greetings and courtesies it opens with, when it opens with some and says more;
   * undefined when it opens with none, or says nothing else («hola buenas tardes»). Marks and emoji before
   * and between them are part of the opening («👋 hola, …»).
   */
  private opening(text: string): string | undefined {
    const tokens = wordsOf(text);
    const words = tokens.map((t) => normalize(t));
    // The furthest word the opening can reach, phrase after phrase («hola buenas tardes» is «hola» and
    // «buenas tardes», whichever phrases the lists have); marks and emoji go with the phrase before them.
    const reached = new Set<number>([0]);
    let furthest = 0;
    for (let i = 0; i <= Math.min(tokens.length, MAX_OPENING_WORDS); i++) {
      if (!reached.has(i)) continue;
      let at = i;
      while (at < tokens.length && words[at] === "") at++;
      // Past the start, only the end of a phrase is reached.
      if (i > 0) furthest = Math.max(furthest, at);
      for (const end of [...this.ends(this.greetings, tokens, words, at), ...this.clauseEnds(tokens, words, at)]) reached.add(end);
    }
    if (furthest === 0) return undefined;
    const rest = tokens.slice(furthest).join(" ");
    return /\p{L}/u.test(rest) ? rest : undefined;
  }

  /** Where each of `phrases` that starts at word `i` ends, within one clause («hola, buenas noticias» is no «hola buenas»). */
  private ends(phrases: string[][], tokens: string[], words: string[], i: number): number[] {
    return phrases.filter((p) => p.every((w, k) => words[i + k] === w && (k === p.length - 1 || !endsClause(tokens[i + k])))).map((p) => i + p.length);
  }

  /** The same for the courtesies, each of which must end its clause. */
  private clauseEnds(tokens: string[], words: string[], i: number): number[] {
    // Its last word carries the comma («todo bien?»), or a mark follows alone («todo bien ?»).
    return this.ends(this.clauses, tokens, words, i).filter(
      (end) => endsClause(tokens[end - 1]) || (end < tokens.length && words[end] === "" && /^[,.;:!?¿¡]/.test(tokens[end])),
    );
  }
}

/**
 * What a message opens with before it says what it is about: «hola buenas, todo bien? hay un bache»,
 * «Buenas tardes, disculpe la molestia, quisiera saber de mi reporte». The classifier, reading the whole,
 * weighs the greeting as much as what follows and hears a greeting; what follows is what is asked.
 * A greeting (courtesy.yaml `greetings`: «hola», «buenas tardes») counts wherever it comes in the opening;
 * a courtesy (`clauses`: «todo bien», «qué onda», «disculpe la molestia») only as a clause of its own, ended
 * by a comma, a stop or a question mark, since «todo bien con el bache?» asks about the pothole.
 * The question of whom, where or how to tell (`asks`: «¿con quién me quejo de que…?», «¿a quién le tengo que
 * avisar que…?») is an opening too, and, asked after what is told, a closing («…, ¿a quién se lo reporto?»).
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
const CLOSED_WORDS = 3;

/** Words an asking of whom or how to tell may have between its question and its verb («a quién» le tengo que «avisar»). */
const ASK_GAP = 3;

/** Words of `leads` a clause may say before the question of whom or how to tell («alguien sabe» a quién…, «eso» con quién…). */
const ASK_LEAD = 5;

/** Words of the longest question of whom or how to tell looked for inside a clause («a qué dependencia»). */
const MAX_HEAD_WORDS = 3;

/**
 * The question of whom, where or how to tell (courtesy.yaml `asks`): a question (`heads`: «a quién», «con
 * quién», «dónde», «cómo»), after nothing in its clause but `leads` («alguien sabe», «eso»), then up to ASK_GAP
 * words, a form of a verb of telling (`verbs`: «aviso», «avisar», «quejarme»; whole words, and no noun: not
 * after one of `determiners`, «el aviso», «mi queja»), then the end of the clause, one of `joins` («que», «de
 * que»), one of `about` («de», «sobre», «por») and what is told, or, after a verb whose object is what is told
 * (`reports`: «reportar»), one of `objects` («un», «la»), which begins it. The question of whose job it is
 * (`duties`, whole: «a quién le toca», «quién se encarga») asks it too, and what is told may begin right after it
 * with one of `objects` or a verb's infinitive («a quién le toca recoger la basura…», «a quién le corresponde tapar
 * una coladera…»).
 */
export interface Asks {
  heads: readonly string[];
  verbs: readonly string[];
  joins: readonly string[];
  reports?: readonly string[];
  duties?: readonly string[];
  objects?: readonly string[];
  about?: readonly string[];
  leads?: readonly string[];
  determiners?: readonly string[];
}

const NO_ASKS: Asks = { heads: [], verbs: [], joins: [] };

/** A Spanish verb's infinitive, with the pronouns it may carry («recoger», «taparla»), normalised. */
const INFINITIVE = /^\p{L}{2,}[aei]r(?:l[aeo]s?|se)?$/u;

/** Words a letter's salutation may say, at most, before its colon or comma («Estimado H. Ayuntamiento de Metepec:»). */
const SALUTATION_WORDS = 6;
/** Words a letter's sign-off may say, at most, from its first to the end («Quedo atento a cualquier información adicional. Ing. Martín López.»). */
const SIGNOFF_WORDS = 12;
/** Words a message says before a sign-off, at least, for the sign-off to be left out: it takes all that follows it. */
const SIGNED_WORDS = 8;

/** A language's courtesies (courtesy.yaml): what a message may open and close with besides what it is about. */
export interface Courtesies {
  greetings: readonly string[];
  clauses: readonly string[];
  closings?: readonly string[];
  asks?: Asks;
  /** What opens a letter's salutation, the clause it opens left out whole («Estimados vecinos:», «A quien corresponda:»). */
  salutations?: readonly string[];
  /** What opens a letter's sign-off, left out with all that follows it («Agradezco su atención. Saludos, Maestra Rosa.»). */
  signoffs?: readonly string[];
}

export class Courtesy {
  private readonly greetings: string[][];
  private readonly clauses: string[][];
  private readonly closings: string[][];
  private readonly salutations: string[][];
  private readonly signoffs: string[][];
  private readonly heads: string[][];
  private readonly verbs: ReadonlySet<string>;
  private readonly reports: ReadonlySet<string>;
  private readonly duties: string[][];
  private readonly objects: ReadonlySet<string>;
  private readonly about: string[][];
  private readonly leads: ReadonlySet<string>;
  private readonly determiners: ReadonlySet<string>;
  private readonly joins: string[][];

  constructor(courtesies: Courtesies) {
    const asks = courtesies.asks ?? NO_ASKS;
    this.greetings = wordLists(courtesies.greetings);
    this.clauses = wordLists(courtesies.clauses);
    this.salutations = wordLists(courtesies.salutations ?? []);
    this.signoffs = wordLists(courtesies.signoffs ?? []);
    this.heads = wordLists(asks.heads);
    const wordSet = (list: readonly string[] | undefined) => new Set((list ?? []).map(normalize).filter(Boolean));
    this.reports = wordSet(asks.reports);
    this.duties = wordLists(asks.duties ?? []);
    this.verbs = new Set([...wordSet(asks.verbs), ...this.reports]);
    this.objects = wordSet(asks.objects);
    this.leads = wordSet(asks.leads);
    this.determiners = wordSet(asks.determiners);
    this.joins = wordLists(asks.joins);
    this.about = wordLists(asks.about ?? []);
    // Longest first: «saludos cordiales» goes whole, not «cordiales» left behind.
    this.closings = wordLists(courtesies.closings ?? []).sort((a, b) => b.length - a.length);
  }

  /**
   * The text without the greetings and courtesies it opens with (`opening`) and the courtesies it closes
   * with, each a clause of its own after CLOSED_WORDS words or more («…existe una fuga de agua desde hace
   * una semana. Agradecería su pronta atención.»); undefined when it has neither, or says nothing else.
   */
  rest(text: string): string | undefined {
    return this.read(text).rest;
  }

  /**
   * The text without its courtesies (`rest`), and whether its only question is whom, where or how to tell what
   * it tells (`asks`): «¿con quién me quejo de que no pasa la basura?», «alguien sabe a quién reportar que el
   * puente tiene escalones rotos? el de la México-Pachuca», «…desde el lunes, ¿a quién le aviso?» tell a
   * problem as a statement does; «a quién le digo que no tengo agua, ¿y cuándo vienen?» asks more.
   */
  read(text: string): { rest?: string; asksOnlyHow: boolean; closed: boolean } {
    const opened = this.opening(text);
    const closed = this.closing(opened?.text ?? text);
    const rest = closed?.text ?? opened?.text;
    if (!opened?.asked && !closed?.asked) return { rest, asksOnlyHow: false, closed: closed !== undefined };
    // The question mark of the sentence an opening asking begins is its own («a quién le digo que en av. Central hay un
    // bache?»), unless the asking closed with its own («¿a quién le aviso? ¿cuándo vienen?»); any other asks more.
    let told = rest ?? text;
    if (opened?.asked && !opened.marked) told = told.replace(/^[^!?¿]*\?+/u, "");
    return { rest, asksOnlyHow: !told.includes("?"), closed: closed !== undefined };
  }

  /** The text without the courtesies it closes with, when it closes with some after saying enough. */
  private closing(text: string): { text: string; asked: boolean } | undefined {
    const tokens = wordsOf(text);
    const words = tokens.map((t) => normalize(t));
    let end = tokens.length;
    while (end > 0 && words[end - 1] === "") end--;
    let cut = end;
    let asked = false;
    for (;;) {
      const phrase = this.closings.find((p) => p.length < cut && p.every((w, k) => words[cut - p.length + k] === w));
      // A closing does not run on past its clause's end; an asking of whom or how to tell is its clause.
      const closes = phrase && !tokens.slice(cut - phrase.length, cut - 1).some(endsClause);
      const ask = closes ? undefined : this.askedBefore(tokens, words, cut);
      let start = closes ? cut - phrase.length : ask?.start;
      const asks = ask !== undefined;
      let least = CLOSED_WORDS;
      if (start === undefined) {
        start = this.signedFrom(tokens, words, cut);
        least = SIGNED_WORDS;
      }
      // Its own clause: the word before it closes one («…una semana. Gracias»); an asking may also close the
      // clause it ends («hay una fuga de agua en mi calle a quién le aviso»).
      if (start === undefined || start === 0 || (!ask?.inClause && !endsClause(tokens[start - 1]))) break;
      if (words.slice(0, start).filter(Boolean).length < least) break;
      cut = start;
      asked ||= asks;
    }
    return cut < end ? { text: tokens.slice(0, cut).join(" "), asked } : undefined;
  }

  /**
   * The text after the greetings and courtesies it opens with, when it opens with some and says more;
   * undefined when it opens with none, or says nothing else («hola buenas tardes»). Marks and emoji before
   * and between them are part of the opening («👋 hola, …»).
   */
  private opening(text: string): { text: string; asked: boolean; marked: boolean } | undefined {
    const tokens = wordsOf(text);
    const words = tokens.map((t) => normalize(t));
    // The furthest word the opening can reach, phrase after phrase («hola buenas tardes» is «hola» and
    // «buenas tardes», whichever phrases the lists have); marks and emoji go with the phrase before them.
    const reached = new Set<number>([0]);
    // Where an asking of whom or how to tell ends (`askEnds`).
    const asked = new Set<number>();
    let furthest = 0;
    let furthestAsked = false;
    for (let i = 0; i <= Math.min(tokens.length, MAX_OPENING_WORDS); i++) {
      if (!reached.has(i)) continue;
      let at = i;
      while (at < tokens.length && words[at] === "") at++;
      // Past the start, only the end of a phrase is reached.
      if (i > 0 && at >= furthest) {
        furthestAsked = (at === furthest && furthestAsked) || asked.has(i);
        furthest = at;
      }
      for (const end of [...this.ends(this.greetings, tokens, words, at), ...this.clauseEnds(tokens, words, at), ...this.salutationEnds(tokens, words, at)])
        reached.add(end);
      for (const end of this.askEnds(tokens, words, at)) {
        reached.add(end);
        asked.add(end);
      }
    }
    if (furthest === 0) return undefined;
    const rest = tokens.slice(furthest).join(" ");
    // `marked`: it ends with a question mark, its own («¿a quién le aviso? …»).
    return /\p{L}/u.test(rest) ? { text: rest, asked: furthestAsked, marked: /\?$/.test(tokens[furthest - 1]) } : undefined;
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

  /** Whether a word (normalised) may be a form of a verb of telling («aviso», "contact"). */
  tells(word: string): boolean {
    return this.verbs.has(word);
  }

  /** Whether word `k` is a form of a verb of telling («avisar», «aviso», «quejarme»), not a noun («el aviso»). */
  private tellsAt(words: string[], k: number): boolean {
    return this.verbs.has(words[k] ?? "") && !this.determiners.has(words[k - 1] ?? "");
  }

  /** Where the question of whom or how to tell may start in the clause that starts at word `i`: there, or after words of `leads`. */
  private headStarts(tokens: string[], words: string[], i: number): number[] {
    const starts = [i];
    for (let k = i; k < i + ASK_LEAD && k < words.length && this.leads.has(words[k]) && !endsClause(tokens[k]); k++) starts.push(k + 1);
    return starts;
  }

  /** The verbs of telling a question of `heads` that starts at word `i` is followed by, ASK_GAP words after it at most, within one clause. */
  private verbsAfter(tokens: string[], words: string[], i: number): number[] {
    return this.ends(this.heads, tokens, words, i)
      .filter((end) => !endsClause(tokens[end - 1]))
      .flatMap((end) => this.verbsFrom(tokens, words, end));
  }

  /** The verbs of telling from word `i`, ASK_GAP words after it at most, within one clause. */
  private verbsFrom(tokens: string[], words: string[], i: number): number[] {
    const verbs: number[] = [];
    for (let verb = i; verb <= i + ASK_GAP && verb < words.length; verb++) {
      if (this.tellsAt(words, verb)) verbs.push(verb);
      if (endsClause(tokens[verb])) break;
    }
    return verbs;
  }

  /**
   * Where the asking of whom or how to tell in the clause that starts at word `i` ends, before what is told: with
   * the verb when it ends the clause («¿con quién me quejo? no pasa la basura»), after one of `joins` («con quién me
   * quejo de que no pasa la basura») or of `about` before more («a quién le aviso de baches en la avenida»), or,
   * after a verb of `reports`, before one of `objects` («cómo le hago para reportar una luminaria que…»).
   */
  private askEnds(tokens: string[], words: string[], i: number): number[] {
    const out: number[] = [];
    for (const start of this.headStarts(tokens, words, i)) {
      for (const { at: verb, duty } of this.askedFrom(tokens, words, start)) {
        if (endsClause(tokens[verb])) out.push(verb + 1);
        else if (this.beginsTold(words[verb], words[verb + 1] ?? "", duty)) out.push(verb + 1);
        out.push(...this.ends(this.joins, tokens, words, verb + 1));
        for (const end of this.ends(this.about, tokens, words, verb + 1)) if (end < words.length && !endsClause(tokens[end - 1]) && words[end]) out.push(end);
      }
    }
    return out;
  }

  /** Whether what is told may begin with `next` right after `verb`: an object after a verb of `reports`, an object or an infinitive after the question of whose job it is (`duty`). */
  private beginsTold(verb: string, next: string, duty: boolean): boolean {
    if (duty) return this.objects.has(next) || INFINITIVE.test(next);
    return this.reports.has(verb) && this.objects.has(next);
  }

  /**
   * The last word of each asking that starts at word `i`: a verb of telling after one of `heads` (`verbsAfter`), or
   * a question of whose job it is (`duties`, `duty`), within one clause.
   */
  private askedFrom(tokens: string[], words: string[], i: number): { at: number; duty: boolean }[] {
    return [
      ...this.verbsAfter(tokens, words, i).map((at) => ({ at, duty: false })),
      ...this.ends(this.duties, tokens, words, i).map((end) => ({ at: end - 1, duty: true })),
    ];
  }

  /**
   * Where the asking of whom or how to tell what the text told, that ends it at `end`, starts: its clause, when
   * nothing but `leads` comes before its question («…, ¿a quién se lo reporto?», «…, eso con quién se reporta?»),
   * or its question within the clause (`inClause`: «hay una fuga de agua en mi calle a quién le aviso»).
   */
  private askedBefore(tokens: string[], words: string[], end: number): { start: number; inClause: boolean } | undefined {
    if (!this.tellsAt(words, end - 1) && !this.duties.some((p) => p.at(-1) === words[end - 1])) return undefined;
    let clause = end - 1;
    while (clause > 0 && !endsClause(tokens[clause - 1])) clause--;
    const endsHere = (start: number) => this.askedFrom(tokens, words, start).some((asked) => asked.at === end - 1);
    if (clause > 0 && this.headStarts(tokens, words, clause).some(endsHere)) return { start: clause, inClause: false };
    for (let start = Math.max(clause + 1, end - 1 - ASK_GAP - MAX_HEAD_WORDS); start < end - 1; start++) {
      if (endsHere(start)) return { start, inClause: true };
    }
    return undefined;
  }

  /** Where the salutation that starts at word `i` ends: its clause, when a colon or comma ends it within SALUTATION_WORDS words. */
  private salutationEnds(tokens: string[], words: string[], i: number): number[] {
    if (!this.salutations.some((p) => p.every((w, k) => words[i + k] === w))) return [];
    for (let end = i; end < Math.min(tokens.length, i + SALUTATION_WORDS); end++) {
      if (/[,:]$/.test(tokens[end])) return [end + 1];
      // An abbreviation's stop ends nothing («H. Ayuntamiento», «Lic. Pérez»).
      if (endsClause(tokens[end]) && !/^\p{L}{1,3}\.$/u.test(tokens[end])) return [];
    }
    return [];
  }

  /**
   * Where the sign-off the text that ends at `end` closes with starts: the first clause of its last
   * SIGNOFF_WORDS words that opens with one of `signoffs` («…para los pequeños. Les agradecería mucho que la
   * atendieran. Saludos, Maestra Rosa.» closes with «Les agradecería…»).
   */
  private signedFrom(tokens: string[], words: string[], end: number): number | undefined {
    for (let start = Math.max(1, end - SIGNOFF_WORDS); start < end; start++) {
      if (endsClause(tokens[start - 1]) && this.signoffs.some((p) => p.every((w, k) => words[start + k] === w))) return start;
    }
    return undefined;
  }
}

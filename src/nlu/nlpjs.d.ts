/** The parts of nlp.js (pure JavaScript, no types of its own) this project uses. */
declare module "@nlpjs/nlp" {
  export interface NerEdge {
    entity: string;
    type: string;
    option?: string;
    sourceText?: string;
    utteranceText: string;
    accuracy: number;
    start: number;
    end: number;
    len: number;
  }
  export interface NerRule {
    name: string;
    type: string;
    rules: { option: string; texts: string[] }[];
  }
  /** @nlpjs/ner's extractor of enumerated entities (exact and approximate). */
  export interface EnumExtractor {
    getWordPositions(text: string): { start: number; end: number; len: number }[];
    /** Text as it compares names: without accents, lower case (the same length as written). */
    normalize(text: string): string;
    extractFromRule(text: string, rule: NerRule, words: { start: number; end: number; len: number }[], threshold: number): NerEdge[];
  }
  export class Nlp {
    constructor(settings?: Record<string, unknown>);
    container: { use(plugin: unknown): void; get(name: string): unknown };
    nluManager: {
      process(input: {
        locale: string;
        utterance: string;
        settings: Record<string, unknown>;
      }): Promise<{ classifications: { intent: string; score: number }[] }>;
      /** The trained classifiers (plain JSON), and back. */
      toJSON(): object;
      fromJSON(json: object): void;
      addLanguage(locales: string[]): void;
    };
    ner: { getRules(locale: string): NerRule[] };
    addDocument(locale: string, utterance: string, intent: string): void;
    addNerRuleOptionTexts(locale: string | string[], name: string, option: string, texts: string[]): void;
    train(): Promise<void>;
    guessLanguage(text: string): string | undefined;
    export(minified?: boolean): string;
    import(data: string): void;
  }
}
declare module "@nlpjs/lang-es" {
  export const LangEs: unknown;
}
declare module "@nlpjs/lang-en" {
  export const LangEn: unknown;
}

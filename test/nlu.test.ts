/**
 * The understanding (nlp.js) on phrases it never saw: the held-out sets of test/nlu/ must stay apart
 * from the corpora, and be understood at least 95 % of the time, intents and entities, per language.
 * `npm run bench:nlu -- --misses` lists what it gets wrong.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { understandingFor } from "../src/app.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { DOUBTFUL, topIntent } from "../src/engine/understanding.js";
import { LANGUAGES, type Language } from "../src/locale/languages.js";
import { loadCorpus } from "../src/nlu/corpus.js";
import { evaluate, percent, readHeldOut } from "../src/nlu/evaluate.js";
import type { Understander } from "../src/nlu/index.js";
import { normalize } from "../src/util/text.js";
import { tempDir } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

let understander: Understander;
beforeAll(async () => {
  ({ understander } = await understandingFor("locales", Municipalities.load("data", deployment), deployment));
});

describe("language understanding", () => {
  it.each(LANGUAGES)("the %s held-out phrases are not in the corpus", (lang) => {
    const corpus = loadCorpus("locales");
    const trained = new Set(Object.values(corpus.intents[lang]).flat().map(normalize));
    const copied = readHeldOut(join("test", "nlu", `${lang}.yaml`)).filter((item) => trained.has(normalize(item.text)));
    expect(copied.map((item) => item.text)).toEqual([]);
  });

  it.each(LANGUAGES)("understands at least 95 in 100 of the %s held-out phrases, intents and entities", async (lang) => {
    const score = await evaluate(understander, readHeldOut(join("test", "nlu", `${lang}.yaml`)), lang);
    const misses = score.misses.map((m) => `«${m.text}»: expected ${m.expected}, got ${m.got}`).join("\n");
    expect(percent(score.intents), misses).toBeGreaterThanOrEqual(95);
    expect(percent(score.entities), misses).toBeGreaterThanOrEqual(95);
  });

  it("finds the things a sentence names, as written and as the bot knows them", async () => {
    const u = await understander.understand("quiero reportar un bache en neza", "es-MX");
    expect(u.intents[0]).toMatchObject({ name: "report" });
    expect(u.entities.category).toEqual({ value: "baches", text: "bache", exact: true });
    expect(u.entities.municipality).toEqual({ value: "15058", text: "neza", exact: true });
    const folio = await understander.understand("mi folio es tol 2026 1", "es-MX");
    expect(folio.entities.folio?.value).toBe("TOL-2026-000001");
    const slip = await understander.understand("ecatepek de morelos", "es-MX");
    expect(slip.entities.municipality).toMatchObject({ value: "15033", exact: false });
  });

  it("of two types of problem named, the first is the problem, unless it is named as the place: what follows is what it causes or what it is next to", async () => {
    const cases: [string, Language, string][] = [
      ["se tapó el drenaje y se mete el agua a las casas", "es-MX", "drenaje"],
      ["hay basura junto al bache de la esquina", "es-MX", "basura"],
      ["no hay agua desde que arreglaron el drenaje", "es-MX", "agua"],
      ["the drain is clogged and water gets into the houses", "en", "drenaje"],
      ["there is trash next to the pothole on my corner", "en", "basura"],
      // Named as where it is, a type gives way: «en el camellón» is the place of a water leak.
      ["en el camellón de Toluca hay una fuga de agua", "es-MX", "agua"],
      ["junto al parque hay una luminaria fundida", "es-MX", "alumbrado"],
      ["frente al deportivo hay una coladera tapada", "es-MX", "drenaje"],
    ];
    for (const [text, lang, category] of cases) expect((await understander.understand(text, lang)).entities.category?.value, text).toBe(category);
    // A place named twice is still the last one: an address ends with its town.
    expect((await understander.understand("vivo en metepec pero el bache está en toluca", "es-MX")).entities.municipality?.value).toBe("15106");
  });

  it("of a place and what fails there, what fails is the problem, wherever each is said; a place alone is the place's type", async () => {
    const cases: [string, Language, string][] = [
      ["no hay luz en el parque", "es-MX", "alumbrado"],
      ["no prende la luz de la cancha", "es-MX", "alumbrado"],
      ["en la cancha no prende la luz", "es-MX", "alumbrado"],
      ["está apagado el alumbrado del jardín", "es-MX", "alumbrado"],
      ["la lámpara del deportivo no sirve", "es-MX", "alumbrado"],
      ["el deportivo tiene las lamparas fundidas desde hace un mes", "es-MX", "alumbrado"],
      ["el área verde de la unidad ya no tiene luces", "es-MX", "alumbrado"],
      ["el parque está lleno de basura", "es-MX", "basura"],
      ["la cancha de futbol tiene un bache enorme", "es-MX", "baches"],
      ["los juegos del parque están rotos", "es-MX", "parques"],
      ["hay un árbol caído en el parque", "es-MX", "parques"],
      ["the light in the park is out", "en", "alumbrado"],
      ["the playground is full of trash", "en", "basura"],
      ["the playground swings are broken", "en", "parques"],
    ];
    for (const [text, lang, category] of cases) expect((await understander.understand(text, lang)).entities.category?.value, text).toBe(category);
    // A light named nowhere public is no type of problem the bot knows (the power at home is the electricity company's).
    for (const text of ["se fue la luz en Metepec", "no hay luz en mi casa"]) {
      expect((await understander.understand(text, "es-MX")).entities.category, text).toBeUndefined();
    }
  });

  it("words spelt as they sound are read: «vache» is a pothole, «vasura» garbage, «abenida» a street; short words are not stretched", async () => {
    const cases: [string, string][] = [
      ["hay un vache en la abenida juarez", "baches"],
      ["la kalle esta yena de vasura", "basura"],
      ["quiero reportar un vache en ekatepec", "baches"],
    ];
    for (const [text, category] of cases) {
      const u = await understander.understand(text, "es-MX");
      expect(u.intents[0]?.name, text).toBe("report");
      expect(u.entities.category?.value, text).toBe(category);
      expect(u.entities.category?.exact, text).toBe(false);
    }
    // «oyó» (heard) is not «hoyo»: four letters are too few to go by sound. Nor is «tras» (after) "trash":
    // an h is silent at the start of a word or after a vowel only.
    expect((await understander.understand("ya lo oyó el delegado", "es-MX")).entities.category).toBeUndefined();
    expect((await understander.understand("quiero reportar que tras la tormenta se cayó el poste", "es-MX")).entities.category?.value).not.toBe("basura");
  });

  it("a street's name does not decide what a message asks: «avenida Juárez», «avenida Tecnológico» are only where", async () => {
    for (const text of ["hay un bache en la avenida juarez", "hay un bache en avenida tecnologico", "se fue la luz en la calle 5 de mayo"]) {
      expect((await understander.understand(text, "es-MX")).intents[0]?.name, text).toBe("report");
    }
    // What follows one's own street, or a danger's words, is never taken for a name.
    // (Read as an emergency, or naming a danger now: either way the 911 notice comes first.)
    for (const text of ["en mi calle golpean a una mujer", "en el barrio mataron a un señor", "en mi barrio matan gente"]) {
      const read = await understander.understand(text, "es-MX");
      expect(read.intents[0]?.name === "emergency" || read.entities.danger !== undefined, text).toBe(true);
      expect(read.intents[0]?.name, text).not.toBe("report");
    }
    expect((await understander.understand("en mi calle venden droga", "es-MX")).intents[0]?.name).toBe("report");
    // An address alone asks nothing.
    expect((await understander.understand("calle Hidalgo 23 colonia Centro", "es-MX")).intents[0]?.name ?? "none").not.toBe("report");
    // In English a street's name comes first: the words after "street" are the message's own.
    expect((await understander.understand("hi, there is trash on the corner of my street every day and nobody picks it up", "en")).intents[0]?.name).toBe(
      "report",
    );
  });

  it("another language's street words are not this language's words: «calle» in an English message is not \"call\" (no emergency)", async () => {
    for (const text of ["Deep pothole on Calle Morelos", "big hole on calle", "Bache en la calle Hidalgo", "the lamp in colonia Centro is broken"]) {
      const { intents } = await understander.understand(text, "en");
      expect(intents[0]?.name, text).not.toBe("emergency");
      expect(intents.find((i) => i.name === "emergency")?.score ?? 0, text).toBeLessThan(0.45);
    }
    // The English word still means what it means, and Spanish keeps its own street words.
    expect((await understander.understand("call the police, there is a fire", "en")).intents[0]?.name).toBe("emergency");
    expect((await understander.understand("Bache en la calle Hidalgo", "es-MX")).intents[0]?.name).toBe("report");
  });

  it("a leak of the drainage is the drainage, not drinking water; a leak alone is water", async () => {
    const category = async (text: string, lang: "es-MX" | "en" = "es-MX") => (await understander.understand(text, lang)).entities.category?.value;
    expect(await category("hay una fuga de drenaje en tlalnepantla")).toBe("drenaje");
    expect(await category("fuga de aguas negras en la calle")).toBe("drenaje");
    expect(await category("there is a sewage leak on my street", "en")).toBe("drenaje");
    expect(await category("hay una fuga en la esquina")).toBe("agua");
  });

  it("the names people call municipalities by are found inside a sentence, not only alone", async () => {
    const municipality = async (text: string) => (await understander.understand(text, "es-MX")).entities.municipality?.value;
    expect(await municipality("hay un bache enorme en netza")).toBe("15058");
    expect(await municipality("no pasa la basura en chimal desde el lunes")).toBe("15031");
    expect(await municipality("se fue la luz en tlalne por la avenida")).toBe("15104");
    expect(await municipality("fuga de agua en ciudad azteca")).toBe("15033");
    expect(await municipality("hay baches en tulti por todos lados")).toBe("15109");
  });

  it("a municipality's name right after a street word is the street's: «avenida Morelos» is not Morelos", async () => {
    const municipality = async (text: string, lang: "es-MX" | "en" = "es-MX") => (await understander.understand(text, lang)).entities.municipality?.value;
    const morelos = await municipality("hay un bache en morelos");
    expect(morelos).toBeDefined();
    for (const text of [
      "Avenida Morelos 120, colonia Centro",
      "hay un bache en av. Morelos",
      "fuga en la calle Morelos esquina con Hidalgo",
      "en la colonia Morelos",
      "esquina con morelos",
    ]) {
      expect(await municipality(text), text).toBeUndefined();
    }
    // The town after the street is still read.
    expect(await municipality("bache en avenida Morelos, Metepec")).toBe("15054");
    expect(await municipality("pothole on Morelos avenue in Toluca", "en")).toBe("15106");
    expect(await municipality("a pothole on avenue Morelos", "en")).toBeUndefined();
  });

  it("a municipality's name that ends a neighbourhood's («Jardines de Morelos», «Lomas de …», «Unidad …») is the neighbourhood's; one whose own name starts so is found", async () => {
    const read = (text: string) => understander.understand(text, "es-MX");
    for (const text of [
      "vivo en jardines de morelos",
      "hay un bache enorme en jardines de morelos",
      "calle Sur 12, Jardines de Morelos",
      "la fuga está en lomas de atizapan",
      "unidad habitacional morelos",
      "en la unidad Tultitlán no pasa la basura",
      "fracc. valle de santiago",
      "frente al fraccionamiento Villas de Tecámac",
    ]) {
      expect((await read(text)).entities.municipality, text).toBeUndefined();
    }
    // The town after the neighbourhood is still read.
    expect((await read("hay un bache en la colonia jardines de morelos, ecatepec")).entities.municipality?.value).toBe("15033");
    expect((await read("calle Sur 12, Jardines de Morelos")).address).toBe(true);
    const cases: [string, string][] = [
      ["Valle de Bravo", "15110"],
      ["vivo en valle de bravo", "15110"],
      ["Valle de Chalco Solidaridad", "15122"],
      ["se desbordó el drenaje en valle de chalco", "15122"],
      ["Villa del Carbón", "15112"],
      ["hay basura en villa de allende", "15111"],
      ["Villa Victoria", "15114"],
    ];
    for (const [text, key] of cases) {
      const understood = await read(text);
      expect(understood.entities.municipality?.value, text).toBe(key);
      // Its own name is not a street's: typed alone, it is no address.
      expect(understood.address, text).toBeUndefined();
    }
  });

  it("any name a street bears after a street word is the street's, and the text reads as an address", async () => {
    const read = (text: string) => understander.understand(text, "es-MX");
    expect((await read("qué es la innovación tecnológica")).entities.topic?.value).toBe("innovacion");
    for (const text of [
      "av. tecnologico esquina con pino suarez, col. la asuncion",
      "Calle Transparencia 4, colonia Centro",
      "avenida Participación Ciudadana 12",
    ]) {
      const understood = await read(text);
      expect(understood.entities.topic, text).toBeUndefined();
      expect(understood.address, text).toBe(true);
    }
    expect((await read("qué es la transparencia")).address).toBeUndefined();
    expect((await read("hay basura en la calle")).address).toBeUndefined();
  });

  it("a thanks for something bad is a complaint, not a thanks; a thanks for something good is one", async () => {
    const top = async (text: string, lang: Language = "es-MX") => topIntent(await understander.understand(text, lang), DOUBTFUL);
    for (const [text, lang] of [
      ["gracias por nada, nunca vinieron", "es-MX"],
      ["gracias para nada", "es-MX"],
      ["gracias por ignorarnos", "es-MX"],
      ["muchas gracias por nada eh", "es-MX"],
      ["gracias x nada", "es-MX"],
      ["mil gracias por su pésima atención", "es-MX"],
      ["muchas gracias por ignorar nuestros reportes", "es-MX"],
      ["gracias por olvidarse de la colonia", "es-MX"],
      ["thanks for nothing, they never came", "en"],
      ["thanks for ignoring us", "en"],
      ["thank you for never answering", "en"],
      ["gracias por no venir", "es-MX"],
      ["thanks for not coming", "en"],
    ] as const) {
      expect(await top(text, lang), text).not.toBe("thanks");
    }
    for (const [text, lang] of [
      ["gracias por todo", "es-MX"],
      ["muchas gracias por su atención", "es-MX"],
      ["gracias por arreglarlo tan rápido", "es-MX"],
      ["thanks for the information", "en"],
      // A bad word denied is a good one.
      ["thanks for not forgetting us", "en"],
      ["thank you for not ignoring us", "en"],
    ] as const) {
      expect(await top(text, lang), text).toBe("thanks");
    }
  });

  it("a message of emoji means the intent they stand for, and nothing else means nothing", async () => {
    expect((await understander.understand("👍", "es-MX")).intents).toEqual([{ name: "yes", score: 1 }]);
    expect((await understander.understand("🆘", "en")).intents).toEqual([{ name: "emergency", score: 1 }]);
    expect((await understander.understand("🦄", "es-MX")).intents).toEqual([]);
    expect(await understander.understand("   ", "es-MX")).toEqual({ intents: [], entities: {} });
  });

  it("a bad corpus file stops start-up naming the file and the place", async () => {
    const dir = await tempDir();
    for (const lang of LANGUAGES) {
      mkdirSync(join(dir, lang, "nlu"), { recursive: true });
      writeFileSync(join(dir, lang, "nlu", "intents.yaml"), lang === "en" ? "report: []\n" : "report: [reportar]\n");
    }
    expect(() => loadCorpus(dir)).toThrow(/en\/nlu\/intents\.yaml: report: /);
    // A place must be a word of a type of problem, and a word named only at a place must name a type.
    writeFileSync(join(dir, "en", "nlu", "intents.yaml"), "report: [report]\n");
    writeFileSync(join(dir, "es-MX", "nlu", "entities.yaml"), "category:\n  parques: [parque]\n  alumbrado: [lámpara]\n");
    writeFileSync(join(dir, "es-MX", "nlu", "places.yaml"), "places: [parque, escuela]\n");
    expect(() => loadCorpus(dir)).toThrow(/es-MX\/nlu\/places\.yaml: places: «escuela»/);
    writeFileSync(join(dir, "es-MX", "nlu", "places.yaml"), "places: [parque]\nat_places:\n  luz: [luz]\n");
    expect(() => loadCorpus(dir)).toThrow(/es-MX\/nlu\/places\.yaml: at_places\.luz: not a category/);
    writeFileSync(join(dir, "es-MX", "nlu", "places.yaml"), "places: [parque]\nat_places:\n  alumbrado: [luz]\n");
    expect(loadCorpus(dir).atPlaces).toEqual({ alumbrado: ["luz"] });
  });
});

describe("language understanding under hostile input", () => {
  it("never throws, whatever the text, and reads at most the start of a long one", async () => {
    const fc = (await import("fast-check")).default;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: "binary", maxLength: 400 }), fc.string({ unit: "grapheme", maxLength: 200 })), async (text) => {
        const u = await understander.understand(text, "es-MX");
        expect(Array.isArray(u.intents)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const long = `hay una emergencia ${"x ".repeat(50_000)}`;
    const started = performance.now();
    expect((await understander.understand(long, "es-MX")).intents[0]?.name).toBe("emergency");
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("language understanding and privacy", () => {
  /** Every string reachable from `root` through properties, keys, arrays, maps and sets. */
  function strings(root: unknown): string[] {
    const found: string[] = [];
    const seen = new Set<object>();
    const stack: unknown[] = [root];
    while (stack.length) {
      const value = stack.pop();
      if (typeof value === "string") found.push(value);
      if (value === null || typeof value !== "object" || seen.has(value)) continue;
      seen.add(value);
      if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
      else if (value instanceof Set) for (const v of value) stack.push(v);
      for (const key of Object.getOwnPropertyNames(value)) {
        found.push(key);
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
    return found;
  }

  it("remembers the reading of a short text until told to forget (a citizen's data was erased)", async () => {
    const first = await understander.understand("rosalinda quintero", "es-MX");
    expect(await understander.understand("rosalinda quintero", "es-MX")).toBe(first);
    understander.forget();
    // Nothing of it is left anywhere in the understanding (its stemmers kept each word it read).
    expect(strings(understander).filter((s) => /quinter/i.test(s))).toEqual([]);
    const again = await understander.understand("rosalinda quintero", "es-MX");
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it("keeps nothing of a message with an address or a number once it is read", async () => {
    await understander.understand("se cayó un árbol frente al número 4817 de la calle Zaragoza en Toluca", "es-MX");
    await understander.understand("the streetlight at 4817 Zaragoza street is out", "en");
    // Where whether its reading is a guess is weighed too (a first message), with one more pass over its stems.
    await understander.understand("quemaron basura frente al número 4817 de la calle Zaragoza", "es-MX", { weighGuess: true });
    expect(strings(understander).filter((s) => s.includes("4817"))).toEqual([]);
  });
});

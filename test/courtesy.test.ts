/** What a message opens with before it says what it is about (nlu/courtesy.ts), with the locales' own phrases. */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../src/nlu/corpus.js";
import { Courtesy } from "../src/nlu/courtesy.js";

describe("the greetings and courtesies a message opens with", () => {
  let es: Courtesy;
  let en: Courtesy;
  beforeAll(() => {
    const corpus = loadCorpus("locales");
    es = new Courtesy(corpus.courtesies["es-MX"].greetings, corpus.courtesies["es-MX"].clauses, corpus.courtesies["es-MX"].closings);
    en = new Courtesy(corpus.courtesies.en.greetings, corpus.courtesies.en.clauses, corpus.courtesies.en.closings);
  });

  it("are left out when more follows, one after another, with punctuation and emoji between them", () => {
    expect(es.rest("hola buenas, todo bien? hay un bache")).toBe("hay un bache");
    expect(es.rest("Buenas tardes, ¿cómo están? fíjense que hay un hoyo")).toBe("fíjense que hay un hoyo");
    expect(es.rest("Hola 👋 buenas noches. se fue el agua")).toBe("se fue el agua");
    expect(es.rest("hola buenas tardes se fue la luz")).toBe("se fue la luz");
    expect(es.rest("Buen día, disculpe la molestia, quisiera saber de mi reporte")).toBe("quisiera saber de mi reporte");
    expect(en.rest("hi, how are you? the traffic light is broken")).toBe("the traffic light is broken");
    expect(es.rest("Hola,buenas tardes,se fue el agua")).toBe("se fue el agua");
    expect(es.rest("👋 hola, hay un bache")).toBe("hay un bache");
  });

  it("say nothing else when nothing follows them, and a message that opens otherwise opens with none", () => {
    expect(es.rest("hola buenas tardes")).toBeUndefined();
    expect(es.rest("buenas noches 👋")).toBeUndefined();
    expect(es.rest("hay un bache, hola")).toBeUndefined();
    expect(es.rest("👋 hay un bache")).toBeUndefined();
    expect(en.rest("good morning!")).toBeUndefined();
  });

  it("count a courtesy only as a clause of its own: «todo bien con el bache?» asks about the pothole", () => {
    expect(es.rest("todo bien con el bache?")).toBeUndefined();
    expect(es.rest("qué tal si mejor lo reporto")).toBeUndefined();
    expect(es.rest("todo bien? el bache sigue")).toBe("el bache sigue");
    expect(es.rest("todo bien ? el bache sigue")).toBe("el bache sigue");
    expect(es.rest("qué onda con mi reporte del bache")).toBeUndefined();
    expect(es.rest("buenas noticias: ya taparon el bache")).toBeUndefined();
    expect(es.rest("hola, buenas noticias: ya taparon el bache")).toBe("buenas noticias: ya taparon el bache");
    expect(en.rest("hey there is a pothole")).toBeUndefined();
  });

  it("leave out what closes a request, as a clause of its own after enough words, with the opening", () => {
    const formal =
      "Buenas tardes. Me dirijo a ustedes para informar que en la calle Gardenias existe una fuga de agua desde hace una semana. Agradecería su pronta atención.";
    expect(es.rest(formal)).toBe("en la calle Gardenias existe una fuga de agua desde hace una semana.");
    expect(es.rest("la coladera de mi calle está tapada desde el lunes, por favor")).toBe("la coladera de mi calle está tapada desde el lunes,");
    expect(es.rest("no pasa la basura desde hace ocho días. Saludos cordiales. Gracias de antemano")).toBe("no pasa la basura desde hace ocho días.");
    expect(en.rest("the street light on my corner has been out since last week. Thanks in advance!")).toBe(
      "the street light on my corner has been out since last week.",
    );
  });

  it("keep a closing that is not a clause of its own, or comes after too little, and a plain thanks", () => {
    // Not its own clause: part of what is asked.
    expect(es.rest("manden a alguien a revisar el poste por favor")).toBeUndefined();
    // Too little before it: the closing is most of what is said.
    expect(es.rest("ya quedó, saludos")).toBeUndefined();
    // A plain thanks may close good news: «ya pusieron la lámpara que reporté, muchas gracias».
    expect(es.rest("ya pusieron la lámpara que reporté, muchas gracias")).toBeUndefined();
    expect(en.rest("the pothole I reported got fixed, thank you!")).toBeUndefined();
  });
});

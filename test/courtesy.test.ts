/** What a message opens with before it says what it is about (nlu/courtesy.ts), with the locales' own phrases. */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../src/nlu/corpus.js";
import { Courtesy } from "../src/nlu/courtesy.js";

describe("the greetings and courtesies a message opens with", () => {
  let es: Courtesy;
  let en: Courtesy;
  beforeAll(() => {
    const corpus = loadCorpus("locales");
    es = new Courtesy(corpus.courtesies["es-MX"]);
    en = new Courtesy(corpus.courtesies.en);
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

  it("leave out the question of whom, where or how to tell, before what is told or after it, and say it is the only question", () => {
    expect(es.read("oigan con quien me quejo de q el camion de la basura no pasa")).toEqual({
      rest: "el camion de la basura no pasa",
      asksOnlyHow: true,
      closed: false,
    });
    // Words before the question, and a verb three words after it at most
    expect(es.rest("alguien sabe a quién le tengo que avisar que se cayó un árbol")).toBe("se cayó un árbol");
    // The verb ends the clause, or what is told begins right after it
    expect(es.rest("¿con quién me quejo? no pasa la basura desde el lunes")).toBe("no pasa la basura desde el lunes");
    expect(es.rest("cómo le hago para reportar una luminaria que parpadea")).toBe("una luminaria que parpadea");
    // After what is told, its clause whole
    expect(es.read("la coladera se desborda cuando llueve, eso con quién se reporta?")).toMatchObject({
      rest: "la coladera se desborda cuando llueve,",
      asksOnlyHow: true,
    });
    expect(en.read("who do I complain to about the garbage truck not coming?")).toMatchObject({ rest: "the garbage truck not coming?", asksOnlyHow: true });
    // The question of the sentence it opens is its own; another asks more
    expect(es.read("a quién le digo que no hay agua? el de la calle Pino").asksOnlyHow).toBe(true);
    expect(es.read("a quién le digo que no hay agua? y cuándo vienen?").asksOnlyHow).toBe(false);
    expect(es.read("a quién le digo que no tengo agua, ¿y cuándo vienen?").asksOnlyHow).toBe(false);
    expect(es.read("¿a quién le aviso? ¿cuándo vienen a arreglar la fuga?").asksOnlyHow).toBe(false);
    // Inside the clause it closes, after enough words
    expect(es.rest("hay una fuga de agua en mi calle a quien le aviso")).toBe("hay una fuga de agua en mi calle");
    // A verb that is not followed by what is told does not end the search for one that is
    expect(es.rest("con quién me comunico para reportar que se cayó un árbol")).toBe("se cayó un árbol");
    // What is told after «de», «por», "about", with or without an article
    expect(es.rest("a quien le aviso de baches en toda la avenida")).toBe("baches en toda la avenida");
    expect(es.rest("a quien acudo por los perros agresivos del parque")).toBe("los perros agresivos del parque");
    expect(en.rest("who do I call about hanging wires on my street?")).toBe("hanging wires on my street?");
    // Whose job it is: what is told begins after «de», an article or a verb's infinitive
    expect(es.rest("quién se encarga de recoger perros muertos en la calle")).toBe("recoger perros muertos en la calle");
    expect(es.rest("a quien le toca el bacheo en av. lopez portillo")).toBe("el bacheo en av. lopez portillo");
    expect(es.read("¿a quién le corresponde tapar una coladera que no tiene tapa?")).toMatchObject({
      rest: "tapar una coladera que no tiene tapa?",
      asksOnlyHow: true,
    });
    expect(es.read("hay perros muertos en la avenida, ¿quién se encarga?")).toMatchObject({ rest: "hay perros muertos en la avenida,", asksOnlyHow: true });
  });

  it("keep what only looks like the question of whom or how to tell", () => {
    // «reporte» is no verb of telling: where a report is, is what is asked
    expect(es.rest("ya pasaron dos semanas, ¿dónde está mi reporte?")).toBeUndefined();
    // Nothing told after the verb in the same clause but what is told: «aviso de privacidad» is no «aviso de que…»
    expect(es.rest("dónde veo el aviso de privacidad")).toBeUndefined();
    expect(es.read("hay un bache enorme en mi calle").asksOnlyHow).toBe(false);
    // A verb's form after an article or a possessive is a noun: «el aviso», «mi queja»
    expect(es.rest("dónde veo el aviso de la privacidad")).toBeUndefined();
    expect(es.rest("dónde está mi queja de la semana pasada")).toBeUndefined();
    // Only what may come before a question in its clause comes with it: what is told stays
    expect(es.rest("mi reporte no avanza con quien me quejo de que ya van 3 semanas")).toBeUndefined();
    // What is told begins right after the verb only after one whose object it is («reportar un bache»), not «marco el número»
    expect(es.rest("cómo marco el número de la pipa de agua?")).toBeUndefined();
    // Nor a noun after the question of whose job it is: «a quién le toca turno» asks for no one to tell
    expect(es.rest("a quién le toca turno hoy en la ventanilla")).toBeUndefined();
    // Whose job it is is asked of who only: how to fix a thing, who runs a place, ask nothing of the kind
    expect(es.rest("cómo se arregla el foco del baño")).toBeUndefined();
    expect(es.rest("quién atiende el parque de diversiones")).toBeUndefined();
    expect(es.rest("quien repara el drenaje de mi casa es plomero")).toBeUndefined();
  });

  it("leave out a letter's salutation and its sign-off with all that follows it", () => {
    expect(es.rest("Estimado H. Ayuntamiento de Metepec: solicitamos la instalación de topes frente a la primaria.")).toBe(
      "solicitamos la instalación de topes frente a la primaria.",
    );
    expect(es.rest("A quien corresponda: la banqueta de la calle Olivos está levantada por las raíces.")).toBe(
      "la banqueta de la calle Olivos está levantada por las raíces.",
    );
    expect(
      es.rest("Frente a la escuela hay una coladera sin tapa que es un riesgo para los niños. Les agradecería mucho que la atendieran. Saludos, Maestra Rosa."),
    ).toBe("Frente a la escuela hay una coladera sin tapa que es un riesgo para los niños.");
    expect(es.rest("Les informo que el semáforo de la avenida no funciona desde ayer. Atte. vecinos de la col. Centro")).toBe(
      "el semáforo de la avenida no funciona desde ayer.",
    );
    expect(en.rest("Dear municipal staff, the park on our street has been abandoned for months. Best regards, Ana")).toBe(
      "the park on our street has been abandoned for months.",
    );
    // Too little before it: the sign-off is most of what is said
    expect(es.rest("ya quedó. Agradezco su atención")).toBeUndefined();
    // Thanks for what was done is no sign-off: the message may be thanks
    expect(es.rest("El agua ya llega con buena presión desde que cambiaron la tubería. Se los agradezco mucho.")).toBeUndefined();
    expect(en.rest("The garbage crew came early today and left the street spotless. Thank you for your help.")).toBeUndefined();
    // A salutation's clause ends within a few words, or it is no salutation
    expect(es.rest("estimados vecinos de la colonia centro hoy no pasó el camión de la basura")).toBeUndefined();
  });
});

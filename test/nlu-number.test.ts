/**
 * Names of a type of problem in the other number (src/nlu/number.ts): «perros muertos» is found where the
 * corpus says «perro muerto», and only forms a name of several words can take.
 */
import { describe, expect, it } from "vitest";
import { inOtherNumber, withOtherNumber } from "../src/nlu/number.js";

describe("a name in the other number", () => {
  it("turns the words before the first joining word, in Spanish the adjectives with the noun", () => {
    expect(inOtherNumber("perro muerto", "es-MX")).toEqual(["perros muertos"]);
    expect(inOtherNumber("Lámparas fundidas", "es-MX")).toEqual(["lampara fundida"]);
    expect(inOtherNumber("fuga de agua", "es-MX")).toEqual(["fugas de agua"]);
    expect(inOtherNumber("poste sin luz", "es-MX")).toEqual(["postes sin luz"]);
    // A noun alone before a joining word gets its plural only: «perro en la calle» is no stray dogs
    expect(inOtherNumber("perros en la calle", "es-MX")).toEqual([]);
    expect(inOtherNumber("dogs in the street", "en")).toEqual([]);
    // A plural in -es may be a singular in -e or in a consonant: both are tried.
    expect(inOtherNumber("colchones tirados", "es-MX")).toEqual(["colchone tirado", "colchon tirado"]);
    expect(inOtherNumber("luces apagadas", "es-MX")).toEqual(["luz apagada"]);
  });

  it("in English only the noun, with English plurals", () => {
    expect(inOtherNumber("dead dog", "en")).toEqual(["dead dogs"]);
    expect(inOtherNumber("broken streetlights", "en")).toEqual(["broken streetlight"]);
    expect(inOtherNumber("dirty alley", "en")).toEqual(["dirty alleys"]);
    expect(inOtherNumber("garbage truck in my street", "en")).toEqual(["garbage trucks in my street"]);
  });

  it("gives none to a single word or a clause", () => {
    expect(inOtherNumber("agua", "es-MX")).toEqual([]);
    expect(inOtherNumber("no hay luz en la calle", "es-MX")).toEqual([]);
    expect(inOtherNumber("se hundió el pavimento", "es-MX")).toEqual([]);
  });

  it("adds a form only where no value has it already, and none that two values would make", () => {
    const values = withOtherNumber(
      { basura: ["perro muerto", "llanta tirada"], otro: ["llantas tiradas"], agua: ["tubo roto"], drenaje: ["Tubo rotó"] },
      () => "es-MX",
    );
    // «llantas tiradas» is other's already; «tubos rotos» would be made from two values' names: neither gets it.
    expect(values.basura).toEqual(["perro muerto", "llanta tirada", "perros muertos"]);
    expect(values.otro).toEqual(["llantas tiradas"]);
    expect(values.agua).toEqual(["tubo roto"]);
    expect(values.drenaje).toEqual(["Tubo rotó"]);
    expect(withOtherNumber({ otro: ["paso peatonal"] }, () => "es-MX", ["pasos peatonales"]).otro).toEqual(["paso peatonal"]);
  });
});

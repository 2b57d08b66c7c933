import { describe, expect, it } from "vitest";
import { parseFolio } from "../src/domain/folio.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { deployment } from "./helpers/deployment.js";

const m = Municipalities.load("data", deployment);

describe("municipalities", () => {
  it("ships all 125 with unique folio prefixes", () => {
    expect(m.list).toHaveLength(125);
    expect(new Set(m.list.map((x) => x.folioPrefix)).size).toBe(125);
    expect(m.get("15054")?.folioPrefix).toBe("MET");
  });

  it("tells the first words several names share and none is alone, long enough to mean them only", () => {
    const shared = m.sharedFirstWords();
    expect([...shared].sort()).toEqual(["Almoloya", "Ixtapan", "Tenango"]);
    // Each one searched offers exactly the municipalities whose name it begins.
    for (const word of shared) {
      const starting = m.list.filter((x) => x.name.startsWith(`${word} `)).map((x) => x.name);
      expect(
        m
          .search(word)
          .map((x) => x.name)
          .sort(),
      ).toEqual(starting.sort());
    }
  });

  it.each([
    ["the Infoem office", 19.2566, -99.6047, "Metepec"],
    ["the centre of Toluca", 19.2925, -99.6569, "Toluca"],
    ["the centre of Ecatepec", 19.6011, -99.0502, "Ecatepec de Morelos"],
    ["the centre of Nezahualcóyotl", 19.4006, -99.0148, "Nezahualcóyotl"],
  ])("%s falls in its municipality", (_label, lat, lon, name) => {
    expect(m.atPoint(lat, lon)?.name).toBe(name);
  });

  it.each([
    ["the Zócalo of Mexico City", 19.4326, -99.1332],
    ["Guadalajara", 20.6597, -103.3496],
    ["the sea", 0, 0],
    ["no number", Number.NaN, -99.6],
  ])("%s is outside the state", (_label, lat, lon) => {
    expect(m.atPoint(lat, lon)).toBeUndefined();
  });

  it.each([
    ["nezahualcoyotl", ["Nezahualcóyotl"]],
    ["NETZAHUALCÓYOTL", ["Nezahualcóyotl"]],
    ["ecatepec", ["Ecatepec de Morelos"]],
    ["metepec", ["Metepec"]],
    ["Metepek", ["Metepec"]],
    ["municipio de toluca", ["Toluca"]],
    ["atizapan", ["Atizapán", "Atizapán de Zaragoza"]],
    // Typed in a hurry: the little words inside left out, «de» as «d» (not Chalco, another municipality).
    ["valle d chalco", ["Valle de Chalco Solidaridad"]],
    ["valle chalco", ["Valle de Chalco Solidaridad"]],
    ["san felipe progreso", ["San Felipe del Progreso"]],
    ["la paz", ["La Paz"]],
    ["xx", []],
    ["Guadalajara", []],
  ])("«%s» finds %j", (query, names) => {
    expect(m.search(query).map((x) => x.name)).toEqual(names);
  });
});

describe("folios", () => {
  it.each([
    ["MET-2026-000123", "MET-2026-000123"],
    ["met 2026 123", "MET-2026-000123"],
    ["met2026000123", "MET-2026-000123"],
    [" Tol-2026-7 ", "TOL-2026-000007"],
    ["hola", undefined],
    ["MET-26-1", undefined],
    ['{"$gt":""}', undefined],
  ])("%j reads as %j", (text, folio) => {
    expect(parseFolio(text, deployment.folioDigits)).toBe(folio);
  });
});

/**
 * `normalize` (src/util/text.ts) is how every typed word is compared with the bot's own: its quick
 * paths (a text already normalised, plain ASCII) must give exactly what the whole treatment gives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalize, sentences, normalizeWhole as whole } from "../src/util/text.js";

describe("normalize", () => {
  it("forgives accents, case and stray punctuation", () => {
    expect(normalize("  ¡Menú! ")).toBe("menu");
    expect(normalize("Nezahualcóyotl")).toBe("nezahualcoyotl");
    expect(normalize("SI, claro!!")).toBe("si claro");
    expect(normalize("calle\t5 de  Mayo #12")).toBe("calle 5 de mayo 12");
    expect(normalize("follow-up")).toBe("follow-up");
    expect(normalize("ya\nvoy")).toBe("ya voy");
  });

  it("gives what the whole treatment gives, for any text", () => {
    const pieces = fc.constantFrom("a", "Z", "á", "Ñ", "ü", " ", "  ", "\t", "\n", "-", "¿", "?", "!", "3", "😀", "ß", "İ", "ﬁ", "\u00a0", "é", "e\u0301");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "grapheme" }),
          fc.array(pieces).map((p) => p.join("")),
        ),
        (text) => {
          expect(normalize(text)).toBe(whole(text));
          expect(normalize(normalize(text))).toBe(normalize(text));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("sentences", () => {
  it("parts a text after «?» and «!» and before «¿», never at a full stop (addresses are full of them)", () => {
    expect(sentences("hay una fuga de agua, ¿a quién le aviso?")).toEqual(["hay una fuga de agua, ", "¿a quién le aviso?"]);
    expect(sentences("¿es anónimo? ¿cuánto tardan?")).toEqual(["¿es anónimo?", "¿cuánto tardan?"]);
    expect(sentences("¡ya basta! nadie viene")).toEqual(["¡ya basta!", " nadie viene"]);
    expect(sentences("ya taparon el bache de la av. Juárez no. 12?")).toEqual(["ya taparon el bache de la av. Juárez no. 12?"]);
    expect(sentences("ya taparon el bache... o no?")).toEqual(["ya taparon el bache... o no?"]);
    expect(sentences("")).toEqual([]);
  });

  it("loses nothing of the text but the blanks between its sentences", () => {
    const unspaced = (text: string) => text.replace(/\s/g, "");
    fc.assert(fc.property(fc.string(), (text) => unspaced(sentences(text).join("")) === unspaced(text)));
  });
});

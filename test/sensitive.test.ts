/**
 * What a description is warned about before it is saved, and what a public text may not hold
 * (src/domain/sensitive.ts): a phone however it is written, but not the digits of a link.
 */
import { describe, expect, it } from "vitest";
import { findSensitive, holdsContactData } from "../src/domain/sensitive.js";

const kinds = (text: string) => findSensitive(text, []);

describe("sensitive data in a description", () => {
  it("finds a phone however it is written", () => {
    for (const text of [
      "llámenme al 722 123 4567",
      "mi cel +52 55 1234 5678",
      "55-12-34-56-78",
      "(722) 123-4567",
      "722.123.4567",
      "5512345678",
      // A word of three letters before it is no folio's code.
      "mi cel 7221234567",
      "Tel 7221234567",
      "cel. 5512345678",
    ]) {
      expect(kinds(text), text).toContain("phone");
    }
  });

  it("does not take the digits of a link for a phone: a post's, a profile's, a group's or a map's", () => {
    for (const text of [
      "Ya lo publicaron aquí https://www.facebook.com/share/p/1AbC23dEfG/ y nadie hace nada",
      "es el perfil https://facebook.com/profile.php?id=100012345678901 del que tira basura",
      "lo vi en facebook.com/profile.php?id=100012345678901",
      "en el grupo www.facebook.com/groups/123456789012345/posts/987654321098765/ salió la foto",
      "el video: https://www.tiktok.com/@vecinos.de.metepec/video/7301234567890123456",
      "está aquí https://www.google.com/maps/place/Parque+(Metepec)/@19.2826,-99.6557,17z/data=!1s0x85cd89a1b2c3d4e5:0x1234567890abcdef",
      "la nota: https://x.com/ayuntamiento/status/1861234567890123456.",
    ]) {
      expect(kinds(text), text).toEqual([]);
      expect(holdsContactData(text), text).toBe(false);
    }
  });

  it("still finds a phone written next to a link, and a link that is a phone or an e-mail itself", () => {
    for (const text of [
      "https://www.facebook.com/share/p/1AbC23dEfG/ llámenme al 722 123 4567",
      "vean facebook.com/profile.php?id=100012345678901 o al +52 55 1234 5678",
      "(https://facebook.com/share/p/1AbC23dEfG/)55-12-34-56-78",
      "escríbanme por https://wa.me/5217221234567",
      "o por Telegram https://t.me/+527221234567",
    ]) {
      expect(kinds(text), text).toContain("phone");
    }
    expect(kinds("https://municipio.gob.mx/contacto?correo=vecina@example.com")).toContain("email");
    expect(kinds("https://www.facebook.com/share/p/1AbC23dEfG/ o a vecina@example.com")).toContain("email");
  });

  it("dates, folios and points are still no phone, and a phone in pairs is not a date", () => {
    expect(kinds("desde el 12/05/2026, folio MET-2026-000123, punto 19.2826 -99.6557")).toEqual([]);
    expect(kinds("mis folios: TOL 2026 000000123 y ecatepec ECA2025000045")).toEqual([]);
    expect(kinds("pasó el 15-04-2026 y otra vez el 2026-04-20")).toEqual([]);
    expect(kinds("desde el 12/05/2026 llamen al 55-12-34-56-78")).toContain("phone");
  });

  it("finds an e-mail written in words, and reads any text of a description's length at once", () => {
    expect(kinds("escríbanme a juana (arroba) gmail punto com")).toContain("email");
    expect(kinds("joe [at] gmail (dot) com")).toContain("email");
    expect(kinds("juana arroba gmail .com")).toContain("email");
    expect(kinds("juana arrobagmail.com")).toContain("email");
    expect(kinds("nos vemos at las 5 en la esquina")).toEqual([]);
    // «atatat…» took 3 s at 2,000 letters (a pattern that backtracked), blocking every citizen meanwhile.
    // The bound is generous (a few milliseconds here): only a pattern that explodes again exceeds it.
    for (const piece of ["at", "arroba", "a at ", "a arroba", "arrobaa", "a.", "a@", "1-", "(1", "www.", "a punto ", "x at x dot "]) {
      const text = piece.repeat(2000 / piece.length);
      const started = performance.now();
      findSensitive(text, []);
      holdsContactData(text);
      expect(performance.now() - started, JSON.stringify(piece)).toBeLessThan(250);
    }
  });
});

/**
 * Builds data/municipalities.json (key, name, population, folio prefix) from the
 * shipped INEGI boundaries. Run once when the boundaries change; the output is
 * committed so that folio prefixes never change under a running deployment.
 *   npx tsx scripts/build-municipalities.ts
 */
import { readFileSync, writeFileSync } from "node:fs";

const geo = JSON.parse(readFileSync("data/edomex-municipios.geojson", "utf8"));
const stop = new Set(["de", "del", "la", "las", "los", "el", "y"]);
const taken = new Set<string>();

function letters(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[^A-Z ]/g, "");
}

function candidates(name: string): string[] {
  const words = letters(name)
    .split(/\s+/)
    .filter((w) => w && !stop.has(w.toLowerCase()));
  const first = words[0] ?? "XXX";
  const out = [first.slice(0, 3)];
  if (words.length > 1) {
    out.push(
      words
        .map((w) => w[0])
        .join("")
        .slice(0, 3),
    );
    out.push(first.slice(0, 2) + words[1][0]);
    out.push(first[0] + words[1].slice(0, 2));
  }
  const consonants = first.slice(1).replace(/[AEIOU]/g, "");
  for (let i = 0; i < consonants.length; i++) for (let j = i + 1; j < consonants.length; j++) out.push(first[0] + consonants[i] + consonants[j]);
  return out.filter((c) => c.length === 3);
}

const rows = geo.features
  .map((f: { properties: { cvegeo: string; nombre: string; poblacion: number } }) => f.properties)
  .sort((a: { poblacion: number }, b: { poblacion: number }) => b.poblacion - a.poblacion)
  .map((p: { cvegeo: string; nombre: string; poblacion: number }) => {
    const prefix = candidates(p.nombre).find((c) => !taken.has(c));
    if (!prefix) throw new Error(`no free folio prefix for ${p.nombre}`);
    taken.add(prefix);
    return { cvegeo: p.cvegeo, name: p.nombre, population: p.poblacion, folioPrefix: prefix };
  })
  .sort((a: { cvegeo: string }, b: { cvegeo: string }) => a.cvegeo.localeCompare(b.cvegeo));

writeFileSync("data/municipalities.json", `${JSON.stringify(rows, null, 1)}\n`);
console.log(`${rows.length} municipalities written`);

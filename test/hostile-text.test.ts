/**
 * What people write is shown as written and never interpreted by i18next: not in a description, a
 * typed municipality, a folio, an address or a staff note; not in any text, in any language.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LANGUAGES } from "../src/locale/languages.js";
import { loadTexts, type Texts } from "../src/locale/texts.js";
import { startBot, type TestBot } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

const HOSTILE = [
  "$t(report.summary)",
  '$t(errors.internal, { "x": 1 })',
  "{{description}}",
  "{{- description}}",
  "}} {{",
  "$t(category.baches) $t(",
  "{{at, day}}",
  "$& $1 $` $' %s",
  "__proto__",
  "⟪deadbeef:0⟫",
];

let texts: Texts;
beforeAll(async () => {
  texts = await loadTexts("locales", deployment);
});

/** Every text of one language with its parameters: `{{name}}`, `{{- name}}` and `{{name, format}}`. */
function textsWithParams(lang: string): { key: string; plain: string[]; formatted: Map<string, string> }[] {
  const out: { key: string; plain: string[]; formatted: Map<string, string> }[] = [];
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
      return;
    }
    if (typeof value !== "string") return;
    const plain = new Set<string>();
    const formatted = new Map<string, string>();
    for (const m of value.matchAll(/\{\{-?\s*([\w.]+)\s*(?:,\s*(\w+))?\s*\}\}/g)) {
      if (m[2]) formatted.set(m[1], m[2]);
      else plain.add(m[1]);
    }
    if (plain.size) out.push({ key: prefix, plain: [...plain].filter((p) => !formatted.has(p)), formatted });
  };
  for (const file of readdirSync(join("locales", lang)).filter((f) => f.endsWith(".yaml"))) {
    walk(file.replace(/\.yaml$/, ""), parse(readFileSync(join("locales", lang, file), "utf8")));
  }
  return out;
}

/** `municipality.name` → `{ municipality: { name } }`. */
function nest(values: Map<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of values) {
    const parts = path.split(".");
    let at = out;
    for (const part of parts.slice(0, -1)) {
      at[part] ??= {};
      at = at[part] as Record<string, unknown>;
    }
    at[parts.at(-1) as string] = value;
  }
  return out;
}

const FORMAT_SAMPLES: Record<string, unknown> = { day: "2026-03-01T18:00:00.000Z", number: 1000 };

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

describe("people's text is never interpreted", () => {
  it.each(LANGUAGES)("every %s text shows each hostile value exactly where a plain one would be", (lang) => {
    const all = textsWithParams(lang);
    expect(all.length).toBeGreaterThan(10);
    for (const { key, plain, formatted } of all) {
      const fixed = new Map<string, unknown>([...formatted].map(([name, format]) => [name, FORMAT_SAMPLES[format] ?? 1]));
      const markers = plain.map((_, i) => `zqxmarker${i}z`);
      const expectedTemplate = texts.t(lang, key, nest(new Map([...fixed, ...plain.map((p, i) => [p, markers[i]] as const)])));
      for (const hostile of HOSTILE) {
        const values = plain.map((_, i) => `${hostile}#${i}`);
        const shown = texts.t(lang, key, nest(new Map([...fixed, ...plain.map((p, i) => [p, values[i]] as const)])));
        let expected = expectedTemplate;
        for (const [i, marker] of markers.entries()) expected = expected.split(marker).join(values[i]);
        expect(shown, `${lang} ${key} with ${hostile}`).toBe(expected);
      }
    }
  });

  it("a description, a typed municipality, an address and a typed folio holding i18next syntax are shown as written", async () => {
    bot = await startBot();
    const ana = bot.citizen("hostile-text");
    await ana.receive("hola");
    await ana.receive("1");
    await ana.receive("sí");
    const where = await ana.receive("$t(report.summary) {{description}}");
    expect(where).toContain("No encontré un municipio");
    expect(where).not.toContain("Revisa tu reporte");
    await ana.receive("Metepec");
    await ana.receive("2");
    const description = "El bache $t(report.summary) sigue {{description}} ahí $t(category.agua) desde {{- at}} $&";
    await ana.receive(description);
    await ana.receive("omitir");
    const address = "Calle $t(report.summary) 5, col. {{description}} $&";
    await ana.receive(address);
    const summary = await ana.receive("1");
    expect(summary).toContain(`Descripción: ${description}`);
    expect(summary).toContain(`Ubicación: ${address}`);
    expect(summary).toContain("Tipo: Baches y calles");
    expect(summary).toContain("Foto: sin incluir");
    expect(summary).not.toMatch(/Tipo: \$t|Foto: \$t/);
    const done = await ana.receive("1");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(done)?.[1] as string;
    expect((await bot.app.store.reports.byFolio(folio))?.description).toBe(description);

    await ana.receive("menú");
    await ana.receive("2");
    const typed = "ZZ-2026-$t(errors.internal)-{{typed}}";
    const notFound = await ana.receive(typed);
    expect(notFound).toContain(`«${typed}»`);
    expect(notFound).not.toContain("problema técnico");
  });
});

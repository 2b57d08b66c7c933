/**
 * The integral privacy notice: served at /privacidad in the visitor's language from config/privacy/,
 * filled with the authority's data from config/authority.yaml, linked from the short notice in the
 * chat under PUBLIC_URL; a notice file that is missing or wrong stops start-up naming it.
 */
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/settings.js";
import { privacyPagePlugin } from "../src/http/privacy-page.js";
import { contribution } from "../src/http/server.js";
import { ConfigFileError } from "../src/util/config-file.js";
import { httpServer, startBot, type TestBot, tempDir } from "./helpers/app.js";

let bot: TestBot | undefined;
let server: FastifyInstance | undefined;
afterEach(async () => {
  await server?.close();
  await bot?.close();
  server = undefined;
  bot = undefined;
});

async function serve(env: Record<string, string> = {}): Promise<FastifyInstance> {
  bot = await startBot({ env });
  server = await httpServer(bot, [contribution(privacyPagePlugin, { notice: bot.app.privacyNotice, texts: bot.app.texts })]);
  return server;
}

/** The text of an HTML page without its tags. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("the integral privacy notice", () => {
  it("is served at /privacidad in Spanish, with every part the law asks for and the authority's data", async () => {
    const res = await (await serve()).inject({ url: "/privacidad" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain('<html lang="es-MX">');
    expect(res.body).toContain("<h1>Aviso de privacidad integral de Municipio Abierto</h1>");
    const headings = [...res.body.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual([
      "Responsable",
      "Datos personales que tratamos",
      "Para qué usamos tus datos",
      "Con quién se comparten",
      "Tus derechos ARCO y cómo ejercerlos",
      "Solicitudes ante la autoridad",
      "Fundamento",
      "Cambios a este aviso",
    ]);
    const text = textOf(res.body);
    expect(text).toContain("Versión 2026-12");
    expect(text).toContain("Responsable del tratamiento de tus datos personales: el Ayuntamiento del municipio al que diriges tu reporte");
    expect(text).toContain("Escribe «privacidad» para ver de nuevo el aviso");
    // An address that ends with an abbreviation ends its sentence once.
    expect(text).toContain("52166 Metepec, Méx.");
    expect(text).not.toMatch(/[^.]\.\.(?!\.)/);
    expect(res.body).toContain('<a href="mailto:bernardo.aguilar@infoem.org.mx">bernardo.aguilar@infoem.org.mx</a>');
    expect(res.body).toContain('<a href="/privacidad?lang=en" hreflang="en" lang="en">English</a>');
    expect(res.body).not.toMatch(/\{\{|<script|<style|style=/);
  });

  it("is in English for ?lang=en or an English browser, with no Spanish left in it but names", async () => {
    const s = await serve();
    const en = await s.inject({ url: "/privacidad?lang=en" });
    const browser = await s.inject({ url: "/privacidad", headers: { "accept-language": "fr-FR,en;q=0.8" } });
    expect(browser.body).toBe(en.body);
    expect(en.body).toContain('<html lang="en">');
    expect(en.headers["content-language"]).toBe("en");
    // The authority's address is a Mexican address in any language.
    const text = textOf(en.body).replaceAll("Carr. Toluca–Ixtapan #111, La Michoacana, 52166 Metepec, Méx.", "");
    expect(text).toContain("Responsible for processing your personal data: the town council of the municipality your report is addressed to");
    expect(text).toContain("Institute of Transparency, Access to Public Information and Personal Data Protection");
    // Spanish words that would betray an untranslated sentence (names and addresses aside).
    const leftovers = text.match(/\b(el|la|los|las|del|datos|para|usamos|tus|aviso|responsable|versión|Ayuntamiento|Instituto)\b/gi);
    expect(leftovers).toBeNull();
  });

  it("the short notice in every chat links to it under PUBLIC_URL, in the citizen's language", async () => {
    bot = await startBot({ env: { PUBLIC_URL: "https://chat.example.gob.mx/" } });
    const ana = bot.citizen("ana");
    await ana.receive("hola");
    expect(await ana.receive("1")).toContain("Aviso completo: https://chat.example.gob.mx/privacidad (versión 2026-12)");
    const joe = bot.citizen("joe", "en");
    await joe.receive("hello");
    const notice = await joe.receive("1");
    expect(notice).toContain("Full notice: https://chat.example.gob.mx/privacidad?lang=en (version 2026-12)");
    expect(notice).toContain("Responsible party: the town council of the municipality your report is addressed to");
    expect(notice).not.toMatch(/Ayuntamiento|Secretariado/);
  });

  it("without PUBLIC_URL, links point at this machine's own port", () => {
    expect(loadConfig({}).PUBLIC_URL).toBeUndefined();
    expect(loadConfig({ PUBLIC_URL: "https://chat.example.gob.mx//" }).PUBLIC_URL).toBe("https://chat.example.gob.mx");
    expect(() => loadConfig({ PUBLIC_URL: "chat.example.gob.mx" })).toThrow(/^invalid PUBLIC_URL="chat.example.gob.mx": accepts the http\(s\) address/);
  });

  it.each([
    [
      "a language without its notice",
      async (dir: string) => rm(join(dir, "privacy", "en.yaml")),
      /privacy\/en\.yaml: missing: the privacy notice must exist in every language of config\/deployment\.yaml/,
    ],
    [
      "a placeholder that names nothing",
      async (dir: string) => {
        const file = join(dir, "privacy", "es-MX.yaml");
        await writeFile(file, (await readFile(file, "utf8")).replace('version: "Versión {{privacy.version}}"', 'version: "Versión {{privacy.versoin}}"'));
      },
      /privacy\/es-MX\.yaml: version: unknown placeholder \{\{privacy\.versoin\}\}/,
    ],
    [
      "a responsible party missing in one language",
      async (dir: string) => {
        const file = join(dir, "authority.yaml");
        await writeFile(file, (await readFile(file, "utf8")).replace(/\n {4}en: the town council[^\n]*/, ""));
      },
      /authority\.yaml: privacy\.responsible: missing in en \(every language of config\/deployment\.yaml\)/,
    ],
  ])("%s stops start-up naming the file and what is wrong", async (_what, spoil, message) => {
    const dir = await tempDir();
    await cp("config", dir, { recursive: true });
    await spoil(dir);
    await expect(startBot({ env: { CONFIG_DIR: dir } })).rejects.toThrow(ConfigFileError);
    await expect(startBot({ env: { CONFIG_DIR: dir } })).rejects.toThrow(message);
  });
});

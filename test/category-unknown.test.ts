/**
 * A type of problem the citizen types and the bot does not recognise: the refusal names the category for
 * a problem no other fits (config/categories.yaml `other`) only where the municipality's list has it.
 */
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigFileError } from "../src/util/config-file.js";
import { startBot, type TestBot, tempDir, typist } from "./helpers/app.js";

let bot: TestBot | undefined;
afterEach(async () => {
  await bot?.close();
  bot = undefined;
});

/** A copy of config/ where Metepec (15054) lists its own categories, without «Otro problema público». */
async function configWithoutOther(): Promise<string> {
  const dir = await tempDir();
  await cp("config", dir, { recursive: true });
  const file = join(dir, "categories.yaml");
  await writeFile(file, (await readFile(file, "utf8")).replace("municipalities: {}", 'municipalities:\n  "15054": [alumbrado, baches, basura]'));
  return dir;
}

describe("a type of problem not recognised", () => {
  it("names «Otro problema público» where the municipality's list has it, and not where it does not", async () => {
    bot = await startBot({ env: { CONFIG_DIR: await configWithoutOther() } });
    const toluca = typist(bot, "ana");
    await toluca("quiero reportar un problema", "sí", "Toluca");
    const there = await toluca("es un monumento que se cayó");
    expect(there).toContain("No reconocí ese tipo de problema");
    expect(there).toContain("si ninguno se parece, elige «Otro problema público»");
    expect(await toluca("otro problema")).toMatch(/Describe el problema/);

    const metepec = typist(bot, "beto");
    await metepec("quiero reportar un problema", "sí", "Metepec");
    const here = await metepec("es un monumento que se cayó");
    expect(here).toContain("No reconocí ese tipo de problema. Elige de la lista el que más se parezca.");
    expect(here).not.toContain("Otro problema");
  });

  it("in English too", async () => {
    bot = await startBot();
    const say = typist(bot, "visitor", "en");
    await say("I want to report a problem", "yes", "Toluca");
    expect(await say("a wall fell down")).toContain('if none is close, choose "Another public problem"');
  });

  it("a catch-all, or a category of corruption, missing from the default list stops start-up", async () => {
    const dir = await tempDir();
    await cp("config", dir, { recursive: true });
    const file = join(dir, "categories.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("other: otro", "other: varios"));
    await expect(startBot({ env: { CONFIG_DIR: dir } })).rejects.toThrow(ConfigFileError);
    // So does a category of corruption that is none of the list's.
    await writeFile(
      file,
      (await readFile(file, "utf8")).replace("other: varios", "other: otro").replace("corruption: transparencia", "corruption: corrupcion"),
    );
    await expect(startBot({ env: { CONFIG_DIR: dir } })).rejects.toThrow(/corruption: "corrupcion" is not in the default list/);
  });
});

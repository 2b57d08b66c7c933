/** The console command itself, driven through a pipe as a script would. */
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/app.js";
import { run } from "./helpers/process.js";

const chat = (args: string[], input: string, dataDir: string) => run("src/chat.ts", args, { DATA_DIR: dataDir }, input);

describe("npm run chat", () => {
  it("plays a scripted report through a pipe, numbered choices and no colour codes, and exits cleanly", async () => {
    const dir = await tempDir();
    const script = ["hola", "1", "si", "/location 19.2566 -99.6047", "2", "Bache enorme frente a la escuela primaria", "omitir", "2", "1"].join("\n");
    const run = await chat(["--user", "pipe"], `${script}\n`, dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("  1. Reportar un problema");
    const folio = /folio (MET-\d{4}-000001)/.exec(run.stdout)?.[1];
    expect(folio).toBeDefined();
    expect(run.stdout).not.toContain("\x1b[");
    // Another citizen, on another run, in English, follows the report by its folio
    const again = await chat(["--user", "other", "--lang", "en"], `hello\n2\n${folio}\n`, dir);
    expect(again.stdout).toContain("Check my report");
    expect(again.stdout).toContain("Current status: Received");
  });
});

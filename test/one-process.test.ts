/**
 * One process per embedded store: a second bot on the same DATA_DIR refuses to start with one
 * line, and `npm run chat` next to a running bot talks to that bot, so folios are handed out by
 * one counter and every report lands in the one store.
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { DataDirInUseError } from "../src/store/embedded/lock.js";
import type { Store } from "../src/store/ports.js";
import { tempDir } from "./helpers/app.js";
import { oneLine, run } from "./helpers/process.js";
import { type RunningBot, runBot } from "./helpers/service.js";

const FIXTURES = join(import.meta.dirname, "fixtures");

let store: Store | undefined;
let bot: RunningBot | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  await bot?.stop();
  bot = undefined;
});

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid as number;
}

describe("one process per data folder", () => {
  it("a second store on the same folder is refused; a lock whose process is gone is taken over", async () => {
    const dir = await tempDir();
    store = await openEmbeddedStore(dir);
    const refused = await openEmbeddedStore(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect((refused as Error).message).toBe(
      `DATA_DIR ${dir} is in use by process ${process.pid}: only one process may use the embedded store at a time (stop it first, or set another DATA_DIR)`,
    );
    await store.close();
    store = await openEmbeddedStore(dir);
    await store.close();

    // Killed without closing: its pid no longer runs.
    await writeFile(join(dir, "lock"), JSON.stringify({ pid: await deadPid(), token: "gone" }));
    store = await openEmbeddedStore(dir);
    await store.close();
    // A container restarted with the same pid as before: the lock is not this process's own.
    await writeFile(join(dir, "lock"), JSON.stringify({ pid: process.pid, token: "earlier life" }));
    store = await openEmbeddedStore(dir);
    await store.close();
    // A lock is written whole, so one without an owner was damaged (a disk error): stale too.
    await writeFile(join(dir, "lock"), "");
    store = await openEmbeddedStore(dir);
    expect(JSON.parse(await readFile(join(dir, "lock"), "utf8"))).toMatchObject({ pid: process.pid });
  });

  it("`npm start` on a folder a running bot holds stops with one line", async () => {
    bot = await runBot({});
    const { code, stderr } = await run("src/main.ts", [], { DATA_DIR: bot.dataDir, PORT: "0", HOST: "127.0.0.1" });
    expect(code).toBe(1);
    expect(oneLine(stderr)).toBe(
      `municipio-abierto: cannot start: DATA_DIR ${bot.dataDir} is in use by process ${process.pid}: only one process may use the embedded store at a time (stop it first, or set another DATA_DIR)`,
    );
  });

  it("`npm run chat` next to a running bot talks to that bot: one counter, every report in its store", async () => {
    bot = await runBot({});
    // The second is offered the first to follow ("a mí también me afecta"): it is another problem.
    const report = (photo: string, nearby: string[] = []) =>
      ["hola", "1", "si", "/location 19.2566 -99.6047", "2", ...nearby, "Bache enorme frente a la escuela primaria", photo, "2", "1"].join("\n");
    const first = await run("src/chat.ts", ["--user", "pipe"], { DATA_DIR: bot.dataDir }, `${report(`/photo ${FIXTURES}/bache.png`)}\n`);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("  1. Reportar un problema");
    const second = await run("src/chat.ts", ["--user", "other"], { DATA_DIR: bot.dataDir }, `${report("omitir", ["Es otro problema"])}\n`);
    expect(second.code).toBe(0);

    const folios = [first, second].map((r) => /folio (MET-\d{4}-\d{6})/.exec(r.stdout)?.[1]);
    expect(folios).toEqual([expect.stringMatching(/-000001$/), expect.stringMatching(/-000002$/)]);
    const { store: running } = bot.service.app;
    expect(await running.reports.count()).toBe(2);
    expect((await running.reports.byFolio(folios[0] as string))?.photos).toHaveLength(1);
    expect(await running.reports.byFolio(folios[1] as string)).toMatchObject({ channel: "console", photos: [] });
  });
});

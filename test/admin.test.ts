/**
 * `npm run admin -- member …`, `reports list` and `plan …`: the commands themselves (in process, every case),
 * and the real command line on a stopped store, next to a running bot (which answers it through its
 * console socket), and next to a process that holds the store without one (refused in one line).
 */
import { readFile, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { adminDeps } from "../src/app.js";
import type { Report } from "../src/domain/model/report.js";
import { orphanPhotos } from "../src/domain/orphan-photos.js";
import { runAdmin } from "../src/secretariat/admin-commands.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import type { Store } from "../src/store/ports.js";
import { startBot, type TestBot, tempDir } from "./helpers/app.js";
import { oneLine, run } from "./helpers/process.js";
import { type RunningBot, runBot } from "./helpers/service.js";

describe("the secretariat's commands", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot();
  });
  afterAll(async () => {
    await bot.close();
  });
  const admin = (line: string[]) => runAdmin(line, adminDeps(bot.app));

  it("add members by INEGI key or name, list them by municipality, and remove them", async () => {
    expect(await admin(["member", "add", "--municipality", "15054", "--role", "facilitador", "--telegram-id", "2001", "--name", "Beatriz  López"])).toEqual({
      code: 0,
      stdout: "added Beatriz López: facilitador of Metepec (15054), Telegram 2001\n",
      stderr: "",
    });
    expect((await admin(["member", "add", "--municipality", "toluca", "--role", "autoridad", "--telegram-id", "3001", "--name", "Tomás Díaz"])).stdout).toBe(
      "added Tomás Díaz: autoridad of Toluca (15106), Telegram 3001\n",
    );
    expect((await admin(["member", "add", "--municipality", "all", "--role", "admin", "--telegram-id", "1", "--name", "Ana Admin"])).stdout).toBe(
      "added Ana Admin: admin of all, Telegram 1\n",
    );
    expect((await admin(["member", "list", "--municipality", "Metepec"])).stdout).toBe(
      [
        "TELEGRAM  ROLE         NAME           MUNICIPALITIES",
        "1         admin        Ana Admin      all",
        "2001      facilitador  Beatriz López  Metepec (15054)",
        "",
      ].join("\n"),
    );
    expect((await admin(["member", "list"])).stdout.split("\n")).toHaveLength(5);
    expect(await admin(["member", "remove", "--telegram-id", "3001"])).toMatchObject({ code: 0, stdout: "removed Tomás Díaz (Telegram 3001)\n" });
    expect(await bot.app.secretariat.members.byTelegramId("3001")).toBeNull();
  });

  it.each([
    [
      ["member", "add", "--municipality", "15054", "--role", "osc", "--telegram-id", "2001", "--name", "Otra Persona"],
      "a member with Telegram id 2001 already exists",
    ],
    [
      ["member", "add", "--municipality", "99999", "--role", "osc", "--name", "Otra Persona"],
      'unknown municipality key "99999" (INEGI keys of this state look like 15054)',
    ],
    [["member", "add", "--municipality", "Narnia", "--role", "osc", "--name", "Otra Persona"], 'no municipality is called "Narnia"'],
    [["member", "add", "--municipality", "San", "--role", "osc", "--name", "Otra Persona"], /^"San" could be .*\(15\d{3}\).*: use the INEGI key$/],
    [
      ["member", "add", "--municipality", "15054", "--role", "osc", "--telegram-id", "12ab", "--name", "Otra Persona"],
      '"12ab" is not a Telegram user id (a positive number)',
    ],
    [
      ["member", "add", "--municipality", "15054", "--role", "alcalde", "--name", "Otra Persona"],
      'unknown role "alcalde" (roles: autoridad, osc, facilitador, admin)',
    ],
    [
      ["member", "add", "--municipality", "all", "--role", "osc", "--name", "Otra Persona"],
      'only an admin may act on every municipality ("--municipality all")',
    ],
    [["member", "add", "--role", "osc", "--name", "Otra Persona"], "a member needs a municipality (--municipality, a key or a name)"],
    [["member", "add", "--municipality", "15054", "--name", "Otra Persona"], "a member needs a role (--role autoridad, osc, facilitador or admin)"],
    [["member", "remove", "--telegram-id", "777"], "no member has Telegram id 777"],
    [["member", "remove", "--telegram-id=-5"], '"-5" is not a Telegram user id (a positive number)'],
    [["reports", "list", "--status", "cerrado"], /^unknown status "cerrado" \(statuses: recibido, en_revision, /],
    [["reports", "list", "--limit", "0"], "--limit accepts a number from 1 to 1000"],
    [["member", "fly"], 'unknown command "member fly" (npm run admin -- --help)'],
    [["member", "list", "--colour", "red"], "Unknown option '--colour' (npm run admin -- --help)"],
  ])("refuses %j in one line", async (line, message) => {
    await admin(["member", "add", "--municipality", "15054", "--role", "facilitador", "--telegram-id", "2001", "--name", "Beatriz López"]);
    const outcome = await admin(line);
    expect(outcome.code).toBeGreaterThan(0);
    expect(outcome.stdout).toBe("");
    const said = oneLine(outcome.stderr).replace(/^municipio-abierto admin: /, "");
    if (typeof message === "string") expect(said).toBe(message);
    else expect(said).toMatch(message);
  });

  it("lists reports, newest first, by municipality and status, with no one's identity", async () => {
    const citizen = bot.citizen("luis");
    for (const line of ["hola", "1", "sí", "Metepec", "2", "Bache profundo frente al mercado municipal", "omitir", "omitir", "1", "1"])
      await citizen.receive(line);
    const report = (await bot.app.store.reports.list({}, 1))[0];
    const listed = await admin(["reports", "list", "--municipality", "metepec", "--status", "recibido"]);
    expect(listed.stdout.split("\n")[0]).toMatch(/^FOLIO {12}STATUS {4}CREATED {12}AFFECTS {2}CATEGORY {2}MUNICIPALITY$/);
    expect(listed.stdout).toMatch(new RegExp(`^${report.folio}  recibido  \\d{4}-\\d{2}-\\d{2}, \\d{2}:\\d{2}  1        baches    Metepec$`, "m"));
    expect(listed.stdout).not.toContain("luis");
    expect((await admin(["reports", "list", "--municipality", "Toluca"])).stdout).toBe("no reports\n");
    expect((await admin(["reports", "list", "--status", "resuelto"])).stdout).toBe("no reports\n");
  });
  it("photos orphans: finds the photos an older version left when it took them off a report, and deletes them with --delete", async () => {
    // A bot of its own: the reports filed here would be in the other tests' lists.
    const own = await startBot();
    onTestFinished(() => own.close());
    const admin = (line: string[]) => runAdmin(line, adminDeps(own.app));
    const fixtures = join(import.meta.dirname, "fixtures");
    const fileReport = async (who: string, category: string) => {
      const citizen = own.citizen(who);
      for (const line of ["hola", "1", "sí", "/location 19.2566 -99.6047", category, "Lleva dos semanas así en la esquina del mercado"])
        await citizen.receive(line);
      await citizen.receive(`/photo ${fixtures}/bache.png`);
      await citizen.receive("1");
      const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(await citizen.receive("Enviar reporte"))?.[1] as string;
      return (await own.app.store.reports.byFolio(folio)) as Report;
    };
    const [kept, erased] = [await fileReport("photos-1", "Alumbrado público"), await fileReport("photos-2", "Basura")];
    // As versions before 0.6.8 erased a citizen's data: the photo off the report, its file left.
    expect(await own.app.store.reports.update({ ...erased, photos: [], version: erased.version + 1 }, erased.version)).toBe(true);
    const [keptPhoto, leftPhoto] = [kept.photos[0], erased.photos[0]];
    // A photo kept today is never one: it may be a report's being saved.
    expect(await admin(["photos", "orphans"])).toMatchObject({ code: 0, stdout: "no photo that no report, announcement or conversation names\n" });
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    for (const id of [keptPhoto, leftPhoto]) await utimes(join(own.dataDir, "media", id), twoDaysAgo, twoDaysAgo);
    expect(await admin(["photos", "orphans"])).toEqual({
      code: 0,
      stdout: `1 photos no report, announcement or conversation names (delete them with --delete):\n${leftPhoto}\n`,
      stderr: "",
    });
    expect(await own.app.store.media.get(leftPhoto)).not.toBeNull();
    expect(await admin(["photos", "orphans", "--delete"])).toMatchObject({
      code: 0,
      stdout: "deleted 1 photos no report, announcement or conversation named\n",
    });
    expect(await own.app.store.media.get(leftPhoto)).toBeNull();
    expect(await own.app.store.media.get(keptPhoto)).not.toBeNull();
    expect((await admin(["photos", "orphans"])).stdout).toBe("no photo that no report, announcement or conversation names\n");

    // A photo taken days ago, kept for a report whose saving failed (the citizen is at «¿Lo enviamos?»
    // again): its conversation holds it, and its age counts from when it was kept.
    const waiting = own.citizen("photos-3");
    for (const line of ["hola", "1", "sí", "/location 19.2566 -99.6047", "Parques y jardines", "El pasto del parque lleva meses sin podar"])
      await waiting.receive(line);
    await waiting.receive(`/photo ${fixtures}/bache.png`);
    expect(await waiting.receive("1")).toContain("Foto: incluida");
    const [held] = await heldPhotos(own);
    await utimes(join(own.dataDir, "media", held), twoDaysAgo, twoDaysAgo);
    expect(await own.app.store.media.keep([held])).toEqual([held]);
    expect((await stat(join(own.dataDir, "media", held))).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect((await admin(["photos", "orphans"])).stdout).toBe("no photo that no report, announcement or conversation names\n");
    await utimes(join(own.dataDir, "media", held), twoDaysAgo, twoDaysAgo);
    expect((await admin(["photos", "orphans", "--delete"])).stdout).toBe("no photo that no report, announcement or conversation names\n");
    const folio = /folio ([A-Z]{3}-\d{4}-\d{6})/.exec(await waiting.receive("Enviar reporte"))?.[1] as string;
    expect((await own.app.store.reports.byFolio(folio))?.photos).toEqual([held]);
    expect(await own.app.store.media.get(held)).not.toBeNull();

    // Kept by a report while the scan reads what names photos: not one.
    await utimes(join(own.dataDir, "media", held), twoDaysAgo, twoDaysAgo);
    const keptMeanwhile = async function* () {
      await own.app.store.media.keep([held]);
      yield* [];
    };
    // (Its report is left out of what names photos here, so that only its being kept meanwhile saves it.)
    const othersThan = (id: string) =>
      async function* () {
        for await (const named of own.app.store.reports.photoIds()) if (named !== id) yield named;
      };
    expect(await orphanPhotos({ media: own.app.store.media, holders: [keptMeanwhile, othersThan(held)] }, new Date())).toEqual([]);
    await utimes(join(own.dataDir, "media", held), twoDaysAgo, twoDaysAgo);
    expect(await orphanPhotos({ media: own.app.store.media, holders: [othersThan(held)] }, new Date())).toEqual([held]);
  });
});

/** The photos the bot's conversations hold. */
async function heldPhotos(bot: TestBot): Promise<string[]> {
  const held: string[] = [];
  for await (const id of bot.app.conversations.photosHeld()) held.push(id);
  return held;
}

describe("npm run admin", () => {
  let running: RunningBot | undefined;
  let held: Store | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await held?.close();
    held = undefined;
  });

  it("on a stopped store opens it itself; next to a running bot the bot runs it; next to a process that answers no commands, one line", async () => {
    const [dir, busy] = [await tempDir(), await tempDir()];
    held = await openEmbeddedStore(busy);
    const beatriz = ["member", "add", "--municipality", "Metepec", "--role", "facilitador", "--telegram-id", "2001", "--name", "Beatriz López"];
    const [added, refused] = await Promise.all([
      run("src/admin/cli.ts", beatriz, { DATA_DIR: dir }),
      run("src/admin/cli.ts", ["member", "list"], { DATA_DIR: busy }),
    ]);
    expect(added).toMatchObject({ code: 0, stdout: "added Beatriz López: facilitador of Metepec (15054), Telegram 2001\n" });
    expect(refused.code).toBe(1);
    expect(oneLine(refused.stderr)).toBe(
      `municipio-abierto admin: DATA_DIR ${busy} is in use by process ${process.pid}: only one process may use the embedded store at a time (stop it first, or set another DATA_DIR)`,
    );

    // The running bot holds the store: it runs the command (on its own, the command could not open the store).
    running = await runBot({}, { dataDir: dir });
    const twice = await run("src/admin/cli.ts", ["member", "add", "--municipality", "15054", "--role", "osc", "--telegram-id", "2001", "--name", "Otra"], {
      DATA_DIR: dir,
    });
    expect(twice.code).toBe(1);
    expect(oneLine(twice.stderr)).toBe("municipio-abierto admin: a member with Telegram id 2001 already exists");
    expect((await running.service.app.secretariat.members.list()).map((m) => m.name)).toEqual(["Beatriz López"]);

    // The plan's commands too: the bot imports the file and writes the export where the command was asked.
    const out = join(await tempDir(), "plan.csv");
    const imported = await run("src/admin/cli.ts", ["plan", "import", "--demo"], { DATA_DIR: dir });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^examples\/plan-de-accion\.example\.yaml: plan of Metepec \(15054\), an example: \d+ commitments created/);
    const exported = await run("src/admin/cli.ts", ["plan", "export", "--municipality", "Metepec", "--out", out], { DATA_DIR: dir });
    expect(exported.code).toBe(0);
    expect((await readFile(out, "utf8")).split("\n")[0]).toMatch(/^record,commitment,number,/);
    expect((await running.service.app.plans.get("15054"))?.commitments.length).toBeGreaterThan(0);
  }, 90_000);
});

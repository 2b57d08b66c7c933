/**
 * The embedded store's files: appends through kept handles survive compaction and a reopen; a
 * write cut short never costs a later one; a damaged file is repaired with a log line or refused
 * with one clear line, never dropped silently.
 */
import fs, { readdirSync } from "node:fs";
import { appendFile, chmod as chmodAsync, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordEvent } from "../src/domain/model/events.js";
import type { Report } from "../src/domain/model/report.js";
import { installAppendHandles, releaseAppendHandles, StoreWriteError } from "../src/store/embedded/append-handles.js";
import { openCollection } from "../src/store/embedded/collection.js";
import { type LineAt, linesAt, StoreFileError } from "../src/store/embedded/data-file.js";
import type { EmbeddedEvents } from "../src/store/embedded/events.js";
import { type EmbeddedStore, openEmbeddedStore } from "../src/store/embedded/index.js";
import type { EmbeddedReports } from "../src/store/embedded/reports.js";
import type { Store } from "../src/store/ports.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "./helpers/app.js";
import { diskFullDuring } from "./helpers/full-disk.js";
import { oneLine, run, start } from "./helpers/process.js";
import { sampleReport } from "./helpers/reports.js";
import { LogLines } from "./helpers/service.js";

let store: Store | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await store?.close();
  store = undefined;
});

describe("embedded store files", () => {
  it("keeps every write across compactions and reopening", async () => {
    installAppendHandles();
    const dir = await tempDir("ma-files-");
    const db = await openCollection(dir, "things", []);
    await db.insertAsync({ _id: "a", n: 1 });
    await db.compactDatafileAsync();
    // After compaction renamed a new file over the old one, appends must reach the new file.
    await db.insertAsync({ _id: "b", n: 2 });
    await db.updateAsync({ _id: "a" }, { $set: { n: 10 } }, {});
    await db.compactDatafileAsync();
    await db.insertAsync({ _id: "c", n: 3 });
    db.stopAutocompaction();
    await releaseAppendHandles(dir);
    const again = await openCollection(dir, "things", []);
    const docs = (await again.findAsync({}).sort({ _id: 1 })) as unknown as { _id: string; n: number }[];
    expect(docs.map((d) => [d._id, d.n])).toEqual([
      ["a", 10],
      ["b", 2],
      ["c", 3],
    ]);
    again.stopAutocompaction();
  });

  it("the data folder is its owner's alone (0700), and what the store writes in it is too (0600), photos included", async () => {
    const dir = await tempDir("ma-files-");
    await chmodAsync(dir, 0o755);
    const opened = await openEmbeddedStore(dir);
    store = opened;
    await opened.reports.insert(sampleReport());
    await opened.media.put("a1b2c3d4-0000-4000-8000-000000000001", { data: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), mimeType: "image/jpeg" });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "reports.db"))).mode & 0o777).toBe(0o600);
    const photos = (await readdir(join(dir, "media"), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(photos.length).toBeGreaterThan(0);
    for (const photo of photos) expect((await stat(join(photo.parentPath, photo.name))).mode & 0o077).toBe(0);
  });

  it("a compaction that fails (no file descriptor left, a full disk) is told and tried again: never an unhandled rejection that stops the process", async () => {
    installAppendHandles();
    const dir = await tempDir("ma-files-");
    const logs = new LogLines();
    const db = await openCollection(dir, "cards", [], createLogger("info", logs));
    await db.insertAsync({ _id: "a", n: 1 });
    const unhandled: unknown[] = [];
    const record = (err: unknown) => unhandled.push(err);
    process.on("unhandledRejection", record);
    try {
      const emfile = Object.assign(new Error("EMFILE: too many open files"), { code: "EMFILE" });
      vi.spyOn(db.persistence as unknown as { persistCachedDatabaseAsync(): Promise<void> }, "persistCachedDatabaseAsync").mockRejectedValueOnce(emfile);
      // As nedb's timer calls it, every AUTOCOMPACT_MS.
      db.compactDatafile();
      await vi.waitFor(() => expect(logs.text).toContain("compaction failed"));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(logs.lines.find((l) => l.msg === "compaction failed; tried again later")).toMatchObject({ file: "cards.db" });
      // The next one works, and nothing was lost.
      await db.compactDatafileAsync();
      await db.insertAsync({ _id: "b", n: 2 });
      expect((await db.findAsync({})).length).toBe(2);
    } finally {
      process.off("unhandledRejection", record);
      db.stopAutocompaction();
      await releaseAppendHandles(dir);
    }
  });

  it("a photo is kept when the media folder was removed while the bot runs, and a draft's marker with it", async () => {
    const dir = await tempDir("ma-media-");
    store = await openEmbeddedStore(dir);
    const data = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9]);
    await store.media.put("4f1c2f7e-5a2b-4c3d-9e8f-0a1b2c3d4e5f", { data, mimeType: "image/png" });
    await fs.promises.rm(join(dir, "media"), { recursive: true });
    const at = new Date("2026-11-29T12:00:00Z");
    await store.media.put("5a2b4c3d-9e8f-4a1b-8c3d-4e5f4f1c2f7e", { data, mimeType: "image/png" }, { owner: "web:s1", at });
    expect(await store.media.get("5a2b4c3d-9e8f-4a1b-8c3d-4e5f4f1c2f7e")).toEqual({ data, mimeType: "image/png" });
    expect(await store.media.drafts(new Date(at.getTime() + 1), 10)).toEqual([{ id: "5a2b4c3d-9e8f-4a1b-8c3d-4e5f4f1c2f7e", owner: "web:s1", at }]);
    expect(await readdir(join(dir, "media"))).not.toContain("5a2b4c3d-9e8f-4a1b-8c3d-4e5f4f1c2f7e.tmp");
  });

  it("a photo whose bytes say its type is one file, its draft a line; an older version's draft markers are adopted at start-up", async () => {
    const dir = await tempDir("ma-media-");
    const old = "0d5e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6";
    const at = new Date("2026-11-01T10:00:00Z");
    // A folder as 0.6.7 left it: the bytes, the type, and the draft's marker.
    await fs.promises.mkdir(join(dir, "media", "drafts"), { recursive: true });
    await fs.promises.writeFile(join(dir, "media", old), Buffer.from([1, 2, 3]));
    await fs.promises.writeFile(join(dir, "media", `${old}.type`), "image/jpeg");
    await fs.promises.writeFile(join(dir, "media", "drafts", `${old}.json`), JSON.stringify({ owner: "telegram:7", at: at.toISOString() }));
    store = await openEmbeddedStore(dir);
    expect(await store.media.drafts(new Date(at.getTime() + 1), 10)).toEqual([{ id: old, owner: "telegram:7", at }]);
    expect(await store.media.get(old)).toEqual({ data: Buffer.from([1, 2, 3]), mimeType: "image/jpeg" });
    expect(await readdir(join(dir, "media"))).toEqual(expect.not.arrayContaining(["drafts"]));

    const id = "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d";
    const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.from([4, 0, 0, 0]), Buffer.from("WEBPVP8 ")]);
    await store.media.put(id, { data: webp, mimeType: "image/webp" }, { owner: "web:s9", at });
    expect((await readdir(join(dir, "media"))).filter((f) => f.startsWith(id))).toEqual([id]);
    await store.close();
    store = await openEmbeddedStore(dir);
    expect((await store.media.drafts(new Date(at.getTime() + 1), 10)).map((d) => d.id).sort()).toEqual([old, id].sort());
    expect(await store.media.get(id)).toEqual({ data: webp, mimeType: "image/webp" });
    await store.media.discard(old);
    expect(await store.media.get(old)).toBeNull();
    expect(await readdir(join(dir, "media"))).toEqual([id]);

    // A discard while the draft is being kept (its line not yet removed) leaves it: the report has it.
    const [kept] = await Promise.all([store.media.keep([id]), store.media.discard(id)]);
    expect(kept).toEqual([id]);
    expect(await store.media.get(id)).toEqual({ data: webp, mimeType: "image/webp" });
    expect(await store.media.drafts(new Date(at.getTime() + 1), 10)).toEqual([]);
  });

  it("an index of a value many documents share finds each of them after others move or go (removal from it is in place)", async () => {
    const db = await openCollection(null, "things", [{ fieldName: "kind" }]);
    for (let i = 0; i < 300; i++) await db.insertAsync({ _id: `t${i}`, kind: i % 3 });
    for (let i = 0; i < 300; i += 2) await db.updateAsync({ _id: `t${i}` }, { $set: { kind: 10 + (i % 3) } }, {});
    await db.removeAsync({ _id: "t1" }, {});
    await db.removeAsync({ kind: 11 }, { multi: true });
    const ids = async (kind: number) => ((await db.findAsync({ kind })) as unknown as { _id: string }[]).map((d) => d._id).sort();
    const expected = (keep: (i: number) => boolean) =>
      Array.from({ length: 300 }, (_, i) => i)
        .filter(keep)
        .map((i) => `t${i}`)
        .sort();
    expect(await ids(0)).toEqual(expected((i) => i % 3 === 0 && i % 2 === 1));
    expect(await ids(1)).toEqual(expected((i) => i % 3 === 1 && i % 2 === 1 && i !== 1));
    expect(await ids(10)).toEqual(expected((i) => i % 3 === 0 && i % 2 === 0));
    expect(await ids(11)).toEqual([]);
    expect(await db.countAsync({})).toBe(300 - 1 - 50);
  });

  it("start-up only reads a file: the changes it holds line by line are compacted later, and none is lost", async () => {
    installAppendHandles();
    const dir = await tempDir("ma-files-");
    const db = await openCollection(dir, "things", [{ fieldName: "n" }]);
    await db.insertAsync({ _id: "a", n: 1 });
    await db.updateAsync({ _id: "a" }, { $set: { n: 2 } }, {});
    await db.insertAsync({ _id: "b", n: 3 });
    await db.removeAsync({ _id: "b" }, {});
    db.stopAutocompaction();
    await releaseAppendHandles(dir);
    const file = join(dir, "things.db");
    const written = await readFile(file, "utf8");
    const again = await openCollection(dir, "things", [{ fieldName: "n" }]);
    expect(await readFile(file, "utf8")).toBe(written);
    await again.insertAsync({ _id: "c", n: 4 });
    await again.compactDatafileAsync();
    again.stopAutocompaction();
    await releaseAppendHandles(dir);
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    expect(lines.filter((l) => l.includes('"_id"'))).toHaveLength(2);
    const last = await openCollection(dir, "things", [{ fieldName: "n" }]);
    const docs = (await last.findAsync({}).sort({ _id: 1 })) as unknown as { _id: string; n: number }[];
    expect(docs.map((d) => [d._id, d.n])).toEqual([
      ["a", 2],
      ["c", 4],
    ]);
    last.stopAutocompaction();
  });

  it("a text with a line or paragraph separator in it reads back as written, dates as dates", async () => {
    installAppendHandles();
    const dir = await tempDir("ma-files-");
    const db = await openCollection(dir, "things", []);
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    await db.insertAsync({ _id: "a", text: "primera línea\u2028segunda\u2029fin\r", at, nested: [{ at }] });
    db.stopAutocompaction();
    await releaseAppendHandles(dir);
    const again = await openCollection(dir, "things", []);
    const doc = (await again.findOneAsync({ _id: "a" })) as unknown as { text: string; at: Date; nested: { at: Date }[] };
    expect(doc.text).toBe("primera línea\u2028segunda\u2029fin\r");
    expect(doc.at).toEqual(at);
    expect(doc.nested[0].at).toEqual(at);
    again.stopAutocompaction();
  });

  it("an earlier version's reports file (nedb's, with its index lines and keys) opens as it was: a report waiting for dispatch is still dispatched, one not de-identified still is, and compaction leaves only reports", async () => {
    const dir = await tempDir("ma-files-");
    const waiting = { ...sampleReport({ folio: "MET-2026-000001" }), dispatchPending: true };
    const done = { ...sampleReport({ folio: "MET-2026-000002" }), dispatchPending: false };
    const nedbLine = (r: typeof waiting) => ({
      _id: r.id,
      ...r,
      history: r.history.map((h) => ({ ...h, at: { $$date: h.at.getTime() } })),
      createdAt: { $$date: r.createdAt.getTime() },
      updatedAt: { $$date: r.updatedAt.getTime() },
      _ms: `${r.municipality}|${r.status}`,
      _unpurged: r.createdAt.getTime(),
    });
    // As earlier versions wrote it through nedb: index lines, the keys nedb's indexes read, a report changed twice.
    const lines = [
      { $$indexCreated: { fieldName: "status", unique: false, sparse: false } },
      { $$indexCreated: { fieldName: "dispatchPending", unique: false, sparse: false } },
      nedbLine({ ...waiting, status: "en_revision" }),
      nedbLine(waiting),
      nedbLine(done),
      { $$indexRemoved: "status" },
    ];
    await writeFile(join(dir, "reports.db"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    store = await openEmbeddedStore(dir);
    expect(await store.reports.count()).toBe(2);
    expect((await store.reports.undispatched(10)).map((r) => r.folio)).toEqual(["MET-2026-000001"]);
    expect(await store.reports.byFolio("MET-2026-000001")).toEqual(waiting);
    // Both still wait for the retention job.
    expect((await store.reports.list({ unpurged: true, oldestFirst: true }, 10)).map((r) => r.folio).sort()).toEqual(["MET-2026-000001", "MET-2026-000002"]);
    await store.reports.markDispatched(waiting.id, waiting.version);
    expect(await store.reports.undispatched(10)).toEqual([]);
    await store.close();
    const file = (await readFile(join(dir, "reports.db"), "utf8")).trim().split("\n");
    expect(file.map((l) => JSON.parse(l).folio)).toEqual(["MET-2026-000002", "MET-2026-000001"]);
    store = await openEmbeddedStore(dir);
    expect(await store.reports.byFolio("MET-2026-000001")).toEqual({ ...waiting, dispatchPending: false, dispatched: waiting.version });
    expect(await store.reports.byFolio("MET-2026-000002")).toEqual(done);
  });

  it("the audit trail is read from its file: an earlier version's file opens, and a forgotten citizen's pseudonym leaves the file when the store closes", async () => {
    const dir = await tempDir("ma-files-");
    const at = (s: number) => ({ $$date: Date.UTC(2026, 10, 1, 12, 0, s) });
    const entry = (id: string, s: number, citizen: string | null, data: Record<string, unknown>) => ({
      _id: id,
      type: "report_followed",
      at: at(s),
      actor: "citizen",
      report: "r1",
      municipality: "15054",
      citizen,
      data: { report: "r1", municipality: "15054", citizen, ...data },
    });
    // As nedb wrote it: index lines, and a changed entry's old line before its new one. The texts hold
    // characters of several bytes and a line separator (U+2028), so a position counted in characters would be off.
    const lines = [
      { $$indexCreated: { fieldName: "report", unique: false, sparse: true } },
      entry("e1", 1, "p:aaaa", { note: "Ñandú à la orilla" }),
      entry("e2", 2, "p:bbbb", { note: "línea\u2028otra 🌵" }),
      entry("e1", 1, "p:aaaa", { note: "Ñandú à la orilla, cambiado" }),
      entry("e3", 3, "p:aaaa", { note: "ünö" }),
    ];
    await writeFile(join(dir, "events.db"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const opened = await openEmbeddedStore(dir);
    store = opened;
    const ids = async (filter: Record<string, string> = {}) => (await opened.events.list(filter, 10)).map((e) => [e.id, e.data.note]);
    expect(await ids()).toEqual([
      ["e3", "ünö"],
      ["e2", "línea\u2028otra 🌵"],
      ["e1", "Ñandú à la orilla, cambiado"],
    ]);
    expect(await store.events.forgetCitizen("p:aaaa")).toBe(2);
    await store.events.append([
      recordEvent({ type: "note_added", report: "r2", municipality: "15106" }, "e4", new Date(Date.UTC(2026, 10, 1, 12, 0, 0)), "m1"),
    ]);
    expect(await ids({ citizen: "p:aaaa" })).toEqual([]);
    expect(await ids({ municipality: "15054" })).toEqual([
      ["e3", "ünö"],
      ["e2", "línea\u2028otra 🌵"],
      ["e1", "Ñandú à la orilla, cambiado"],
    ]);
    const before = await store.events.list({}, 10);
    expect(before.map((e) => e.id)).toEqual(["e3", "e2", "e1", "e4"]);
    await store.close();
    const file = await readFile(join(dir, "events.db"), "utf8");
    expect(file).not.toContain("p:aaaa");
    expect(file).not.toContain("$$index");
    expect(file.trimEnd().split("\n")).toHaveLength(4);
    // Still nedb's format: what the migration to MongoDB and backups read.
    const nedb = await openCollection(dir, "events", []);
    nedb.stopAutocompaction();
    expect(nedb.getAllData()).toHaveLength(4);
    store = await openEmbeddedStore(dir);
    expect(await store.events.list({}, 10)).toEqual(before);
    // Appends after a compaction land where they are read back from.
    await store.events.append([
      recordEvent({ type: "note_added", report: "r2", municipality: "15106" }, "e5", new Date(Date.UTC(2026, 10, 1, 12, 0, 9)), "m1"),
    ]);
    expect((await store.events.list({ report: "r2" }, 10)).map((e) => e.id)).toEqual(["e5", "e4"]);
  });

  it("opened in the background, the audit trail is read once asked for: a write meanwhile waits and is kept, and closing before it is read keeps every entry", async () => {
    const dir = await tempDir("ma-files-");
    const at = (i: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, i));
    const entries = Array.from({ length: 30 }, (_, i) => recordEvent({ type: "note_added", report: `r${i % 3}`, municipality: "15106" }, `e${i}`, at(i), "m1"));
    store = await openEmbeddedStore(dir);
    await store.events.append(entries);
    await store.close();

    // Closed before anything asked for the trail: the file is left as it was (nothing read, nothing changed).
    const before = await readFile(join(dir, "events.db"), "utf8");
    store = await openEmbeddedStore(dir, { background: true });
    await store.close();
    expect(await readFile(join(dir, "events.db"), "utf8")).toBe(before);
    store = await openEmbeddedStore(dir, { background: true });
    expect((store as EmbeddedStore).sizes()["audit entries (positions only)"]).toBe(0);
    // A write before the trail is read waits for it, and is kept; an id already there stays as it was.
    const late = recordEvent({ type: "note_added", report: "r0", municipality: "15106" }, "late", at(40), "m1");
    await store.events.append([late, { ...entries[0], actor: "someone else" }]);
    expect((await store.events.list({ report: "r0" }, 100)).map((e) => e.id)).toEqual([
      "late",
      ...entries
        .filter((e) => e.report === "r0")
        .map((e) => e.id)
        .reverse(),
    ]);
    expect((await store.events.list({ report: "r0" }, 100)).at(-1)?.actor).toBe("m1");
    await store.close();
    store = await openEmbeddedStore(dir);
    expect((store as EmbeddedStore).sizes()["audit entries (positions only)"]).toBe(31);
  });

  it("an audit trail found damaged after opening counts as the store away: what needed it waits instead of being lost", async () => {
    const dir = await tempDir("ma-files-");
    await writeFile(join(dir, "events.db"), '{"_id":"e1","at":{"$$date":1},"type":"note_added"}\n{"_id":"e2","at":\n');
    store = await openEmbeddedStore(dir, { background: true });
    const late = recordEvent({ type: "note_added", report: "r0", municipality: "15106" }, "late", new Date(), "m1");
    const err = await store.events.append([late]).catch((e: unknown) => e);
    expect(String(err)).toMatch(/events\.db: 1 of 2 lines are not whole documents/);
    // As a write that failed: a Telegram or WhatsApp message waits and is handled again (conversations.ts).
    expect(store.unavailable(err)).toBe(true);
    await store.close();
    // Opened in full, the same file stops the store before anything else is done (commands: admin, chat).
    await expect(openEmbeddedStore(dir)).rejects.toThrow(/events\.db: 1 of 2 lines are not whole documents/);
  });

  it("a damaged audit trail, read once the bot listens, stops `npm start` with one line naming it; an admin command stops before writing anything", async () => {
    const dir = await tempDir("ma-files-");
    await writeFile(join(dir, "events.db"), '{"_id":"e1","at":{"$$date":1},"type":"note_added"}\n{"_id":"e2","at":\n');
    const admin = await run("src/admin/cli.ts", ["member", "add", "--municipality", "15054", "--role", "osc", "--telegram-id", "2001", "--name", "Ana"], {
      DATA_DIR: dir,
    });
    expect(admin.code).toBe(1);
    expect(admin.stderr).toMatch(/events\.db: 1 of 2 lines are not whole documents/);
    expect(await readFile(join(dir, "members.db"), "utf8").catch(() => "")).toBe("");
    const { code, stderr } = await run("src/main.ts", [], { DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1" });
    expect(code).toBe(1);
    expect(oneLine(stderr)).toMatch(new RegExp(`^municipio-abierto: cannot start: ${join(dir, "events.db")}: 1 of 2 lines are not whole documents`));
    // Two processes started one after the other (6–8 s alone): past 30 s once with the suite run twice at once.
  }, 90_000);

  it("a compaction of the audit trail keeps an entry handed over just before it, and copes with 150,000 entries", async () => {
    const dir = await tempDir("ma-files-");
    const at = Date.UTC(2026, 10, 1);
    const line = (n: number, citizen: string | null) =>
      JSON.stringify({ _id: `e${n}`, type: "note_added", at: { $$date: at + n }, actor: "m1", report: `r${n}`, municipality: "15054", citizen, data: { n } });
    // 150,000 entries and one changed twice (the last line wins): the file holds a line to drop.
    const lines = Array.from({ length: 150_000 }, (_, n) => line(n, null));
    lines.push(line(7, "p:forgotten"), line(7, null));
    await writeFile(join(dir, "events.db"), `${lines.join("\n")}\n`);
    const opened = await openEmbeddedStore(dir);
    store = opened;
    const events = opened.events as EmbeddedEvents;
    const late = recordEvent({ type: "note_added", report: "r-late", municipality: "15106" }, "late", new Date(at + 200_000), "m1");
    // Handed over, not yet written, when the compaction starts.
    const appended = events.append([late]);
    await events.compact();
    await appended;
    expect((await events.list({ report: "r-late" }, 10)).map((e) => e.id)).toEqual(["late"]);
    expect((await events.list({ report: "r7" }, 10)).map((e) => e.data.n)).toEqual([7]);
    expect((await events.list({}, 2)).map((e) => e.id)).toEqual(["late", "e149999"]);
    const file = await readFile(join(dir, "events.db"), "utf8");
    expect(file).not.toContain("p:forgotten");
    expect(file.trimEnd().split("\n")).toHaveLength(150_001);
    await store.close();
    store = await openEmbeddedStore(dir);
    expect((await store.events.list({ report: "r-late" }, 10)).map((e) => e.id)).toEqual(["late"]);
    expect(await store.events.list({ report: "r149999" }, 10)).toHaveLength(1);
  }, 60_000);

  it("reports are read from their file while it is compacted, and a change made meanwhile is kept", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    const reports = store.reports as EmbeddedReports;
    const all = Array.from({ length: 3000 }, (_, i) =>
      sampleReport({
        folio: `MET-2026-${String(i + 1).padStart(6, "0")}`,
        description: `Fuga número ${i} en la calle ñandú`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      }),
    );
    for (const r of all) await reports.insert(r);
    // Every report changed once: half the file's lines are old ones.
    for (const r of all) expect(await reports.update({ ...r, status: "en_revision", version: 2 }, 1)).toBe(true);
    const compacting = reports.compact();
    // Asked for while the new file is written: read from the old one, as it was.
    const during = await reports.byFolio("MET-2026-001500");
    const changed = reports.update({ ...all[10], status: "resuelto", version: 3 }, 2);
    await compacting;
    expect(await changed).toBe(true);
    expect(during).toMatchObject({ folio: "MET-2026-001500", status: "en_revision", description: "Fuga número 1499 en la calle ñandú" });
    const lines = (await readFile(join(dir, "reports.db"), "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(3001);
    expect((await reports.byFolio("MET-2026-000011"))?.status).toBe("resuelto");
    expect((await reports.inbox({ text: "ÑANDÚ 2999" }, { sort: "newest", offset: 0, limit: 5 })).reports.map((r) => r.folio)).toEqual(["MET-2026-003000"]);
    await store.close();
    store = await openEmbeddedStore(dir);
    expect(await store.reports.count()).toBe(3000);
    expect((await store.reports.byFolio("MET-2026-000011"))?.status).toBe("resuelto");
    expect((await store.reports.byFolio("MET-2026-003000"))?.description).toBe("Fuga número 2999 en la calle ñandú");
    expect(await store.reports.countByStatus({})).toEqual({ en_revision: 2999, resuelto: 1 });
  }, 60_000);

  it("closing waits for a compaction of the reports under way and for the change it held back; a read after closing holds no file open", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    const reports = store.reports as EmbeddedReports;
    const all = Array.from({ length: 2000 }, (_, i) => sampleReport({ folio: `MET-2026-${String(i + 1).padStart(6, "0")}` }));
    for (const r of all) await reports.insert(r);
    for (const r of all.slice(0, 1000)) await reports.update({ ...r, status: "en_revision", version: 2 }, 1);
    const compacting = reports.compact();
    // Held back by the compaction under way, then written once it is done.
    const change = reports.update({ ...all[5], status: "resuelto", version: 3 }, 2);
    // A second compaction (the store closing, the periodic one) waits for the first and for what it held back.
    await reports.compact();
    expect(await readFile(join(dir, "reports.db"), "utf8")).toContain('"status":"resuelto"');
    expect(await change).toBe(true);
    await compacting;
    await store.close();
    const open = () => readdirSync("/proc/self/fd").length;
    const before = open();
    expect((await reports.byFolio(all[5].folio))?.status).toBe("resuelto");
    expect(open()).toBe(before);
    store = await openEmbeddedStore(dir);
    expect((await store.reports.byFolio(all[5].folio))?.status).toBe("resuelto");
    expect((await readFile(join(dir, "reports.db"), "utf8")).trimEnd().split("\n")).toHaveLength(2000);
  });

  it("a report without a valid time of filing is refused before it is written; a file holding one stops start-up naming it", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    const kept = sampleReport({ folio: "MET-2026-000001" });
    await store.reports.insert(kept);
    await expect(store.reports.insert(sampleReport({ folio: "MET-2026-000002", createdAt: new Date(Number.NaN) }))).rejects.toThrow(/no valid createdAt/);
    expect(await store.reports.count()).toBe(1);
    expect((await store.reports.list({}, 10)).map((r) => r.folio)).toEqual(["MET-2026-000001"]);
    await store.close();
    store = await openEmbeddedStore(dir);
    expect(await store.reports.count()).toBe(1);
    await store.close();
    store = undefined;
    await appendFile(join(dir, "reports.db"), `${JSON.stringify({ _id: "sin-folio", createdAt: { $$date: 1 } })}\n`);
    const err = await openEmbeddedStore(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFileError);
    expect((err as Error).message).toMatch(/reports\.db: 1 documents have no folio or no valid createdAt \(the first: _id "sin-folio"\)/);
  });

  it("a page of the inbox is the same whether its reports are picked as they are found or all sorted", async () => {
    store = await openEmbeddedStore(await tempDir("ma-files-"));
    // Filed in no particular order, many at the same minute: ties are broken by folio.
    for (let i = 0; i < 1200; i++) {
      const minute = (i * 7919) % 300;
      await store.reports.insert(
        sampleReport({
          folio: `MET-2026-${String(i + 1).padStart(6, "0")}`,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
          updatedAt: new Date(Date.UTC(2026, 1, 1, 0, (i * 31) % 500)),
        }),
      );
    }
    for (const sort of ["newest", "oldest", "updated"] as const) {
      const all = (await store.reports.inbox({}, { sort, offset: 0, limit: 1200 })).reports.map((r) => r.folio);
      for (const [offset, limit] of [
        [0, 20],
        [40, 50],
        [100, 50],
      ])
        expect((await store.reports.inbox({}, { sort, offset, limit })).reports.map((r) => r.folio)).toEqual(all.slice(offset, offset + limit));
    }
  });

  it("a file's lines are read whole, with where each starts, across the reads and longer than one", async () => {
    const dir = await tempDir("ma-files-");
    // Lines of every length around the 1 MiB read, one of 3 MiB, and «ñ» (two bytes) astride the reads.
    const lines = [
      "a".repeat(1024 * 1024 - 3),
      "ñ".repeat(700_000),
      "b",
      "",
      "c".repeat(3 * 1024 * 1024),
      "dé",
      ...Array.from({ length: 5000 }, (_, i) => `línea ${i} ${"x".repeat(i % 700)}`),
      "sin fin de línea",
    ];
    const text = lines.join("\n");
    await writeFile(join(dir, "f.db"), text);
    const read: LineAt[] = [];
    for await (const chunk of linesAt(join(dir, "f.db"))) read.push(...chunk);
    const whole = lines.filter((l) => l !== "");
    expect(read.map((l) => l.line)).toEqual(whole);
    const bytes = Buffer.from(text);
    for (const l of read) expect(bytes.subarray(l.at, l.at + l.bytes).toString()).toBe(l.line);
  });

  it("an audit entry whose write a full disk cut short is not kept, and the next one is read back whole", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    const lost = recordEvent({ type: "note_added", report: "r-lost", municipality: "15054" }, "lost", new Date(Date.UTC(2026, 10, 1)), "m1");
    const next = recordEvent({ type: "note_added", report: "r-next", municipality: "15054" }, "next", new Date(Date.UTC(2026, 10, 2)), "m1");
    diskFullDuring("r-lost", { half: true });
    await expect(store.events.append([lost])).rejects.toBeInstanceOf(StoreWriteError);
    expect(await store.events.list({}, 10)).toEqual([]);
    await store.events.append([next]);
    expect(await store.events.list({}, 10)).toEqual([next]);
    await store.close();
    store = await openEmbeddedStore(dir);
    expect(await store.events.list({}, 10)).toEqual([next]);
    // Recorded again once the disk has room: an id whose write failed is not taken.
    await store.events.append([lost]);
    expect((await store.events.list({}, 10)).map((e) => e.id)).toEqual(["next", "lost"]);
  });

  it("an earlier version's outbox file opens with its indexes made cheap and no payload kept of what was sent or given up: unsent items are claimed in order, counts, depth and receipts hold, 30 days still drop", async () => {
    const dir = await tempDir("ma-files-");
    const now = Date.now();
    const ago = (s: number) => ({ $$date: now - s * 1000 });
    const doc = (id: string, chatId: string, createdAt: number, more: Record<string, unknown> = {}) => ({
      _id: id,
      channel: "telegram",
      chatId,
      kind: "announcement",
      ref: "ann-1",
      payload: { id: `p-${id}`, lang: "es-MX", text: "Sesión del Secretariado" },
      state: "pending",
      attempts: 0,
      notBefore: ago(createdAt),
      owner: null,
      leaseUntil: null,
      sentAt: null,
      platformId: null,
      error: null,
      createdAt: ago(createdAt),
      seq: 0,
      ...more,
    });
    // As an earlier version wrote it: plain `state`, `chatId` and `ref` indexes, the 30 days on `sentAt`.
    const lines = [
      { $$indexCreated: { fieldName: "state", unique: false, sparse: false } },
      { $$indexCreated: { fieldName: "chatId", unique: false, sparse: false } },
      { $$indexCreated: { fieldName: "ref", unique: false, sparse: false } },
      { $$indexCreated: { fieldName: "sentAt", unique: false, sparse: false, expireAfterSeconds: 30 * 24 * 3600 } },
      doc("sent", "5215550000005@c.us", 7200, { channel: "whatsapp", state: "sent", attempts: 1, sentAt: ago(3600), platformId: "wamid.1" }),
      doc("month-old", "6", 32 * 24 * 3600, { state: "sent", attempts: 1, sentAt: ago(31 * 24 * 3600), ref: null, kind: "notice" }),
      doc("first", "7", 60),
      doc("behind", "7", 50),
      doc("lease-over", "8", 55, { state: "sending", attempts: 1, owner: "died", leaseUntil: ago(1) }),
      doc("given-up", "9", 7200, { state: "failed", attempts: 5, error: "attempts", ref: null, kind: "notice" }),
    ];
    await writeFile(join(dir, "outbox.db"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const opened = await openEmbeddedStore(dir);
    store = opened;
    // Dropped by the outbox's sweep at open, not only when a query happens to read it.
    await store.outbox.depth();
    expect(opened.sizes()["outbox (nedb)"]).toBe(5);
    expect(await store.outbox.get("month-old")).toBeNull();
    // What 0.6.17 kept of a message once it went (or was given up): the text goes; a given-up one counts its 30 days from the upgrade.
    expect(await store.outbox.get("sent")).toMatchObject({ state: "sent", payload: null, platformId: "wamid.1" });
    const givenUp = await store.outbox.get("given-up");
    expect(givenUp).toMatchObject({ state: "failed", payload: null, error: "attempts" });
    expect(givenUp?.failedAt?.getTime()).toBeGreaterThanOrEqual(now);
    expect(
      await readFile(join(dir, "outbox.db"), "utf8").then((f) =>
        f
          .split("\n")
          .filter((l) => l.includes('"given-up"'))
          .at(-1),
      ),
    ).not.toContain("payload");
    // A delivery receipt finds the item sent before the upgrade.
    expect(await store.outbox.markReceipt("whatsapp", "wamid.1", "delivered", null)).toBe(true);
    expect(await store.outbox.countByRef("ann-1")).toEqual({ pending: 2, sending: 1, sent: 1, failed: 0 });
    expect(await store.outbox.depth()).toEqual({ unsent: 3, oldest: new Date(now - 60_000) });
    const at = new Date(now);
    expect((await store.outbox.claim("telegram", "w", at, 60_000, 10)).map((i) => i.id)).toEqual(["first", "lease-over"]);
    expect(await store.outbox.markSent("first", "w", at, "tg-2")).toBe(true);
    expect((await store.outbox.claim("telegram", "w", at, 60_000, 10)).map((i) => i.id)).toEqual(["behind"]);
    expect((await store.outbox.unsentFor("telegram", "7")).map((i) => i.id)).toEqual(["behind"]);
    expect(await store.outbox.countByRef("ann-1")).toEqual({ pending: 0, sending: 2, sent: 2, failed: 0 });
    // The store's own keys never reach the item.
    expect(Object.keys((await store.outbox.get("first")) ?? {}).sort()).toEqual(
      Object.keys({ id: "", ...lines[4] })
        .filter((k) => k !== "_id")
        .sort(),
    );
    const file = await readFile(join(dir, "outbox.db"), "utf8");
    for (const index of ["state", "chatId", "ref", "sentAt"]) expect(file).toContain(`{"$$indexRemoved":"${index}"}`);
  });

  it("a write cut short by a full disk is undone, and the next write is not glued to its half line", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    const lost = sampleReport({ folio: "MET-2026-000111" });
    const next = sampleReport({ folio: "MET-2026-000112" });
    diskFullDuring(lost.folio, { half: true });
    const err = await store.reports.insert(lost).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreWriteError);
    expect((err as Error).message).toMatch(/^cannot write .*reports\.db: ENOSPC: no space left on device$/);
    // The runtime keeps the message and tries again; meanwhile the store holds nothing of the failed write.
    expect(store.unavailable(err)).toBe(true);
    expect(await store.reports.byFolio(lost.folio)).toBeNull();
    await expect(store.ping()).rejects.toThrow(/reports\.db/);

    await store.reports.insert(next);
    await store.ping();
    await store.close();
    store = await openEmbeddedStore(dir);
    expect(await store.reports.byFolio(next.folio)).toMatchObject({ id: next.id });
    expect(await store.reports.byFolio(lost.folio)).toBeNull();
    expect(await store.reports.count()).toBe(1);
  });

  it("after a failed write that could not be undone in memory, the next write is kept in memory as in the file", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    // A collection nedb keeps in memory (follows): its memory is put back by reading its file again.
    const follow = (citizen: string) => ({ report: "r1", citizen, kind: "affected" as const, since: new Date(Date.UTC(2026, 10, 1)) });
    diskFullDuring("telegram:lost");
    // Undoing the failed write reads the file back; that read fails too.
    const read = fs.createReadStream;
    const once = vi.spyOn(fs, "createReadStream").mockImplementationOnce(((...args: Parameters<typeof read>) => {
      const stream = read(...args);
      process.nextTick(() => stream.destroy(Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" })));
      return stream;
    }) as typeof read);
    expect(await store.follows.add(follow("telegram:lost")).catch((e: unknown) => e)).toBeInstanceOf(StoreWriteError);
    expect(once).toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(await store.follows.add(follow("telegram:next"))).toBe(true);
    expect((await store.follows.forReport("r1")).map((f) => f.citizen)).toEqual(["telegram:next"]);
    await store.close();
    store = await openEmbeddedStore(dir);
    expect((await store.follows.forReport("r1")).map((f) => f.citizen)).toEqual(["telegram:next"]);
  });

  it("a report whose write a full disk refused is never offered nearby, even when asked for while it is being written", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    for (let i = 1; i <= 3; i++) await store.reports.insert(sampleReport({ folio: `MET-2026-00000${i}`, createdAt: new Date(Date.UTC(2026, 10, i)) }));
    const lost = sampleReport({ folio: "MET-2026-000111", createdAt: new Date(Date.UTC(2026, 10, 20)) });
    const query = { category: lost.category, statuses: [lost.status], since: new Date(Date.UTC(2026, 0, 1)), limit: 2 };
    const opened = store;
    let asked: Promise<Report[][]> | undefined;
    // Asked while the write is failing: nedb holds the report in memory until it is undone (by reading the file back).
    diskFullDuring(lost.folio, {
      half: true,
      onFull: () => {
        asked = Promise.all([
          opened.reports.nearby({ ...query, where: { municipality: lost.municipality } }),
          opened.reports.nearby({ ...query, where: { point: lost.location as { latitude: number; longitude: number }, meters: 50 } }),
        ]);
      },
    });
    expect(await store.reports.insert(lost).catch((e: unknown) => e)).toBeInstanceOf(StoreWriteError);
    const [inMunicipality, nearPoint] = await (asked as Promise<Report[][]>);
    expect(inMunicipality.map((r) => r.folio)).toEqual(["MET-2026-000003", "MET-2026-000002"]);
    // All at the same point: the newest first.
    expect(nearPoint.map((r) => r.folio)).toEqual(["MET-2026-000003", "MET-2026-000002"]);
  });

  it("half a line left at the end of a file by an interrupted write is cut off at start-up, said in the log, and kept aside", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    const kept = sampleReport({ folio: "MET-2026-000007" });
    await store.reports.insert(kept);
    await store.close();
    const half = '{"_id":"5f0c","folio":"MET-2026-0000';
    await appendFile(join(dir, "reports.db"), half);

    const logs = new LogLines();
    store = await openEmbeddedStore(dir, { logger: createLogger("info", logs) });
    expect(await store.reports.byFolio(kept.folio)).toMatchObject({ id: kept.id });
    const said = logs.lines.filter((l) => String(l.msg).includes("half a line"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 40, file: join(dir, "reports.db"), bytes: half.length });
    const aside = (await readdir(dir)).filter((f) => f.startsWith("reports.db.torn-"));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, aside[0]), "utf8")).toBe(half);

    // Repaired once: the next start finds nothing to say.
    await store.close();
    const quiet = new LogLines();
    store = await openEmbeddedStore(dir, { logger: createLogger("info", quiet) });
    expect(quiet.lines).toEqual([]);
  });

  it("a damaged line inside a file stops start-up with one line naming the file, instead of being dropped", async () => {
    const dir = await tempDir("ma-files-");
    store = await openEmbeddedStore(dir);
    for (let i = 1; i <= 20; i++) await store.reports.insert(sampleReport({ folio: `MET-2026-${String(i).padStart(6, "0")}` }));
    await store.close();
    store = undefined;
    const file = join(dir, "reports.db");
    const lines = (await readFile(file, "utf8")).split("\n");
    lines.splice(10, 0, '{"_id":"glued","folio":"MET-2026-0000{"_id":"x"}');
    await writeFile(file, lines.join("\n"));
    const err = await openEmbeddedStore(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFileError);
    expect((err as Error).message).toMatch(/reports\.db: 1 of \d+ lines are not whole documents; the store will not start/);
    // Refused, not rewritten: the damaged line is still there for a person to look at.
    expect(await readFile(file, "utf8")).toContain('"_id":"glued"');
    // And the refusal let go of the folder.
    store = await openEmbeddedStore(await tempDir("ma-files-"));
  });

  it("a directory where a data file should be stops `npm start` with one line", async () => {
    const dir = await tempDir("ma-files-");
    await mkdir(join(dir, "reports.db"));
    const { code, stderr } = await run("src/main.ts", [], { DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1" });
    expect(code).toBe(1);
    expect(oneLine(stderr)).toBe(`municipio-abierto: cannot start: ${join(dir, "reports.db")} is a directory, not a data file`);
  });

  it("stopping on a full disk ends with one line, and the files stay as they were", async () => {
    const dir = await tempDir("ma-files-");
    const bot = start("src/main.ts", [], { DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1" });
    await bot.printed(/municipio abierto started/);
    const before = await readFile(join(dir, "members.db"), "utf8");
    // Compaction at stop writes a new file next to the old one: on this disk it fails with ENOSPC.
    await symlink("/dev/full", join(dir, "members.db~"));
    bot.child.kill("SIGTERM");
    const { code, signal, stdout, stderr } = await bot.finished;
    expect({ code, signal }, `${stdout}\n${stderr}`).toEqual({ code: 1, signal: null });
    expect(oneLine(stderr)).toMatch(/^municipio-abierto: stopped with an error: cannot write .*members\.db: ENOSPC: no space left on device/);
    expect(await readFile(join(dir, "members.db"), "utf8")).toBe(before);
  });
});

/**
 * `npm run admin -- migrate --to mongo`: everything a real session left in the embedded store goes
 * to MongoDB insert-only, counters first. Through the wire double: what the driver is told to do
 * (and never told to do: replace a document). Against a real MongoDB (MONGODB_URI set): a second
 * run, also after the bot wrote newer data there, leaves every collection exactly as it was.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type mongoose from "mongoose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BATCH, type MigrationProgress, migrateToMongo } from "../src/admin/migrate.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { classifyMongoError, type MongoStore, openMongoStore } from "../src/store/mongo/index.js";
import { citizenPseudonym } from "../src/store/pseudonymous-events.js";
import { ManualClock } from "../src/util/clock.js";
import { MongoWireDouble, type SentCommand, writeConcernTimeout } from "./fakes/mongo-wire.js";
import { startBot, tempDir } from "./helpers/app.js";
import { sampleReport } from "./helpers/reports.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const SECRET = "the-data-secret-of-this-deployment-32+";
const OLD_CHAT = "whatsapp:5217220000009@c.us";

/** A citizen's whole report, with a photo and a location, left on disk. */
async function sessionOnDisk(): Promise<string> {
  const bot = await startBot();
  const ana = bot.citizen("ana");
  for (const line of [
    "hola",
    "1",
    "sí",
    "/location 19.2566 -99.6047",
    "Alumbrado público",
    "La luminaria de la esquina lleva dos semanas apagada",
    `/photo ${FIXTURES}/bache.png`,
    "1",
    "Enviar reporte",
  ]) {
    await ana.receive(line);
  }
  await bot.close();
  return bot.dataDir;
}

const quiet: MigrationProgress = { start() {}, tick() {}, finish() {} };

/** The documents the driver was asked to insert into one collection, in order. */
function inserted(wire: MongoWireDouble, collection: string): Record<string, unknown>[] {
  return wire.sent("insert").flatMap((c) => (c.body.insert === collection ? (c.body.documents as Record<string, unknown>[]) : []));
}

describe("migrate to MongoDB (wire double)", () => {
  let wire: MongoWireDouble;
  let mongo: MongoStore;
  beforeEach(async () => {
    wire = await new MongoWireDouble().start();
    mongo = await openMongoStore(wire.uri(), { attempts: 1 });
    wire.clear();
  });
  afterEach(async () => {
    await mongo.close();
    await wire.stop();
  });

  it("moves counters first and only forward, then inserts every document (never replaces one), unordered, with majority", async () => {
    const dataDir = await sessionOnDisk();
    // A notice the bot had not sent yet when it was stopped.
    const embedded = await openEmbeddedStore(dataDir);
    const createdAt = new Date("2026-11-28T12:00:00Z");
    await embedded.members.save({
      id: "m1",
      name: "Ana Pérez",
      role: "facilitador",
      municipalities: ["15054"],
      telegramId: null,
      createdAt,
      updatedAt: createdAt,
    });
    await embedded.events.append([
      {
        id: "e1",
        type: "report_created",
        at: createdAt,
        actor: "citizen",
        report: "r1",
        municipality: "15054",
        citizen: null,
        data: { folio: "MET-2026-000001" },
      },
      // Written before the trail used pseudonyms: a chat id (a WhatsApp number) it must not carry over.
      { id: "e2", type: "notices_stopped", at: createdAt, actor: "citizen", report: null, municipality: null, citizen: OLD_CHAT, data: { citizen: OLD_CHAT } },
    ]);
    // A plan with one commitment someone follows.
    await embedded.plans.save({
      municipality: "15054",
      title: "Plan de Acción de Metepec",
      period: { start: "2026-01-01", end: "2027-12-31" },
      state: "en_implementacion",
      example: false,
      createdAt,
      updatedAt: createdAt,
    });
    await embedded.commitments.insert({
      id: "15054-1",
      municipality: "15054",
      number: 1,
      title: "Colonias iluminadas",
      problem: "Luminarias apagadas",
      baseline: "35 %",
      objective: "Repararlas",
      actions: "Censo",
      responsible: "Servicios Públicos",
      coResponsible: "Colectivo",
      principles: ["transparencia"],
      start: "2026-02-01",
      end: "2026-12-15",
      state: "vigente",
      milestones: [{ number: 1, title: "Censo", due: "2026-03-31", done: "2026-03-30", evidence: "https://example.org/c", weight: 1, reason: null }],
      indicators: [],
      reports: [],
      changes: [{ version: 2, at: createdAt, by: "m1", kind: "milestone_done", milestone: 1, done: "2026-03-30", evidence: "https://example.org/c" }],
      version: 2,
      dispatched: 1,
      dispatchPending: true,
      createdAt,
      updatedAt: createdAt,
    });
    await embedded.commitmentFollows.add({ commitment: "15054-1", citizen: "telegram:5001", since: createdAt });
    await embedded.subscriptions.add({ citizen: "telegram:5001", municipality: "15054", since: createdAt, consent: { version: "1", at: createdAt } });
    await embedded.announcements.insert({
      id: "A-1",
      municipality: "15054",
      text: "Sesión del Secretariado Técnico el jueves",
      photo: null,
      audiences: ["groups", "subscribers"],
      at: createdAt,
      state: "queued",
      createdBy: "admin",
      createdAt,
      queuedAt: createdAt,
      recipients: 1,
    });
    await embedded.outbox.add([
      {
        id: "notice:1",
        channel: "telegram",
        chatId: "5001",
        kind: "notice",
        payload: { id: "r1", lang: "es-MX", text: "Tu reporte avanzó" },
        createdAt: new Date(),
      },
      { id: "notice:0", channel: "telegram", chatId: "5002", kind: "notice", payload: { id: "r0", lang: "es-MX", text: "Tu reporte se recibió" }, createdAt },
    ]);
    // Sent: the outbox keeps no payload of it, and MongoDB's schema takes it so.
    const [sent] = await embedded.outbox.claimChat("telegram", "5002", "w", new Date(), 60_000);
    await embedded.outbox.markSent(sent.id, "w", new Date(), "tg-9");
    // A photo of a report not sent yet, and one an older version marked as a draft with a file of its own.
    const png = await readFile(join(FIXTURES, "bache.png"));
    const [draft, oldDraft] = [randomUUID(), randomUUID()];
    await embedded.media.put(draft, { data: png, mimeType: "image/png" }, { owner: "console:bea", at: createdAt });
    await embedded.media.put(oldDraft, { data: png, mimeType: "image/png" });
    await embedded.close();
    const oldMarker = join(dataDir, "media", "drafts", `${oldDraft}.json`);
    await mkdir(dirname(oldMarker), { recursive: true });
    await writeFile(oldMarker, JSON.stringify({ owner: "console:carla", at: createdAt.toISOString() }));
    // GridFS: no photo there yet (the double keeps no files).
    const result = await migrateToMongo(dataDir, mongo, quiet, SECRET);

    const writes = wire.sent().filter((c) => ["insert", "update", "delete", "findAndModify"].includes(c.name));
    const order = writes.map((c) => `${c.name} ${String(c.body[c.name])}`);
    expect(order[0]).toBe("update counters");
    expect(order.slice(1, 7)).toEqual(["insert citizens", "insert conversations", "insert reports", "insert inbound", "insert outbox", "insert events"]);
    // Nothing but counters is ever updated: a document already in MongoDB is never overwritten.
    expect(writes.filter((c) => c.name === "update").map((c) => c.body.update)).toEqual(["counters"]);
    // The folio's year is the clock's: read from the report, never written into the test.
    const [report] = inserted(wire, "reports");
    const year = String(report.folio).slice(4, 8);
    const counterUpdate = (writes[0].body.updates as { q: unknown; u: unknown; upsert: boolean }[])[0];
    expect(counterUpdate).toEqual({ q: { _id: `folio:15054:${year}` }, u: { $max: { seq: 1 } }, upsert: true });
    for (const c of writes.filter((w) => w.name === "insert" && w.body.insert !== "media.files" && w.body.insert !== "media.chunks")) {
      expect(c.body.ordered).toBe(false);
      expect(c.body.writeConcern).toEqual({ w: "majority", j: true, wtimeout: 10_000 });
    }

    // The documents themselves, as the bot's own repositories would have written them.
    expect(report).toMatchObject({
      folio: expect.stringMatching(/^MET-\d{4}-000001$/),
      location: { type: "Point", coordinates: [-99.6047, 19.2566] },
      citizenId: "console:ana",
    });
    const [citizen] = inserted(wire, "citizens");
    expect(citizen).toMatchObject({ _id: "console:ana", channel: "console", chatId: "ana", consent: { version: expect.any(String) } });
    expect(citizen).not.toHaveProperty("id");
    const [conversation] = inserted(wire, "conversations");
    expect(conversation).toMatchObject({ _id: "console:ana", channel: "console", chatId: "ana", state: { flow: expect.any(String) } });
    expect(inserted(wire, "inbound")).toHaveLength(9);
    expect(inserted(wire, "members")).toEqual([expect.objectContaining({ _id: "m1", telegramId: null, municipalities: ["15054"] })]);
    expect(inserted(wire, "members")[0]).not.toHaveProperty("id");
    // A commitment as the bot's own repository writes it: its id once, a change still to be told still pending.
    expect(inserted(wire, "commitments")).toEqual([expect.objectContaining({ _id: "15054-1", dispatchPending: true, version: 2 })]);
    expect(inserted(wire, "commitments")[0]).not.toHaveProperty("id");
    expect(inserted(wire, "plans")).toEqual([expect.objectContaining({ _id: "15054", example: false })]);
    expect(inserted(wire, "commitment_follows")).toEqual([expect.objectContaining({ _id: "15054-1|telegram:5001", citizen: "telegram:5001" })]);
    expect(inserted(wire, "subscriptions")).toEqual([expect.objectContaining({ _id: "15054|telegram:5001", municipality: "15054" })]);
    expect(inserted(wire, "announcements")).toEqual([expect.objectContaining({ _id: "A-1", state: "queued", recipients: 1 })]);
    // The conversation's own trail (consent, the report) and the one written here.
    expect(inserted(wire, "events")).toHaveLength(4);
    const old = inserted(wire, "events").find((e) => e._id === "e2");
    expect(old).toMatchObject({ citizen: citizenPseudonym(SECRET)(OLD_CHAT), data: { citizen: citizenPseudonym(SECRET)(OLD_CHAT) } });
    expect(JSON.stringify(inserted(wire, "events"))).not.toContain("5217220000009");
    expect(inserted(wire, "events")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ _id: "e1", type: "report_created", report: "r1", data: { folio: "MET-2026-000001" } }),
        expect.objectContaining({ type: "consent_recorded", actor: "citizen" }),
      ]),
    );
    const outbox = inserted(wire, "outbox");
    expect(outbox).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ _id: "notice:1", state: "pending", chatId: "5001", payload: expect.objectContaining({ text: "Tu reporte avanzó" }) }),
        expect.objectContaining({ _id: "notice:0", state: "sent", platformId: "tg-9" }),
      ]),
    );
    expect(outbox.find((d) => d._id === "notice:0")).not.toHaveProperty("payload");
    const files = inserted(wire, "media.files");
    const photo = files.find((f) => f.filename === (report.photos as string[])[0]);
    expect(photo).toMatchObject({ length: 70, metadata: { mimeType: "image/png" } });
    expect(photo?.metadata).not.toHaveProperty("draft");
    // Drafts stay drafts (swept with their conversation, not kept for good); the folder is left as it was.
    expect(files.find((f) => f.filename === draft)?.metadata).toEqual({ mimeType: "image/png", draft: { owner: "console:bea", at: createdAt } });
    expect(files.find((f) => f.filename === oldDraft)?.metadata).toEqual({ mimeType: "image/png", draft: { owner: "console:carla", at: createdAt } });
    expect(await readFile(oldMarker, "utf8")).toContain("console:carla");

    expect(result).toEqual({
      counters: { copied: 1, kept: 0, conflicts: [] },
      citizens: { copied: 1, kept: 0, conflicts: [] },
      conversations: { copied: 1, kept: 0, conflicts: [] },
      reports: { copied: 1, kept: 0, conflicts: [] },
      inbound: { copied: 9, kept: 0, conflicts: [] },
      outbox: { copied: 2, kept: 0, conflicts: [] },
      events: { copied: 4, kept: 0, conflicts: [] },
      members: { copied: 1, kept: 0, conflicts: [] },
      chats: { copied: 0, kept: 0, conflicts: [] },
      follows: { copied: 0, kept: 0, conflicts: [] },
      cards: { copied: 0, kept: 0, conflicts: [] },
      prompts: { copied: 0, kept: 0, conflicts: [] },
      handoffs: { copied: 0, kept: 0, conflicts: [] },
      plans: { copied: 1, kept: 0, conflicts: [] },
      commitments: { copied: 1, kept: 0, conflicts: [] },
      commitment_follows: { copied: 1, kept: 0, conflicts: [] },
      announcements: { copied: 1, kept: 0, conflicts: [] },
      subscriptions: { copied: 1, kept: 0, conflicts: [] },
      media: { copied: 3, kept: 0, conflicts: [] },
    });
  });

  it("documents MongoDB already has are skipped and counted; a folio another report holds is a conflict, named by folio", async () => {
    const dataDir = await tempDir("ma-migrate-");
    const store = await openEmbeddedStore(dataDir);
    // Claims from the test clock: a fixed date would fall outside the store's seven-day TTL one day.
    const t0 = new ManualClock().now();
    // More inbound ids than one batch holds.
    for (let i = 0; i < BATCH + 500; i++) await store.inbound.claim(`telegram:${i}`, t0, 60_000);
    await store.reports.insert(sampleReport({ folio: "MET-2026-000001" }));
    await store.reports.insert(sampleReport({ folio: "MET-2026-000002" }));
    await store.close();

    // MongoDB already has inbound ids 0 and 1200, and another report under folio MET-2026-000002.
    const duplicate = (index: number, key: string) => ({
      index,
      code: 11000,
      errmsg: `E11000 duplicate key error collection: municipio.x index: ${key} dup key: { }`,
    });
    wire.answer("insert", (c: SentCommand) => {
      const docs = c.body.documents as { _id: string; folio?: string }[];
      if (c.body.insert === "inbound") {
        const dups = docs.flatMap((d, i) => (d._id === "telegram:0" || d._id === "telegram:1200" ? [duplicate(i, "_id_")] : []));
        return { ok: 1, n: docs.length - dups.length, writeErrors: dups };
      }
      if (c.body.insert === "reports") {
        const at = docs.findIndex((d) => d.folio === "MET-2026-000002");
        return { ok: 1, n: docs.length - 1, writeErrors: [duplicate(at, "folio_1")] };
      }
      return undefined;
    });
    const result = await migrateToMongo(dataDir, mongo, quiet);

    const batches = wire.sent("insert").filter((c) => c.body.insert === "inbound");
    expect(batches.map((c) => (c.body.documents as unknown[]).length)).toEqual([BATCH, 500]);
    expect(result.inbound).toEqual({ copied: BATCH + 500 - 2, kept: 2, conflicts: [] });
    expect(result.reports).toEqual({ copied: 1, kept: 0, conflicts: ["folio MET-2026-000002 is another report's in MongoDB"] });
  });

  it("any other write error stops the migration with it (a write concern not met is not a duplicate)", async () => {
    const dataDir = await sessionOnDisk();
    wire.answer(
      "insert",
      { ok: 1, n: 1, writeConcernError: { code: 64, codeName: "WriteConcernFailed", errmsg: "waiting for replication timed out" } },
      {
        when: (c) => c.body.insert === "citizens",
      },
    );
    await expect(migrateToMongo(dataDir, mongo, quiet)).rejects.toThrow(/waiting for replication timed out/);
    expect(wire.sent("insert").map((c) => c.body.insert)).toEqual(["citizens"]);
  });

  it("a batch with duplicates whose write concern also failed stops too: the duplicates do not hide it", async () => {
    const dataDir = await sessionOnDisk();
    wire.answer(
      "insert",
      (c: SentCommand) => ({
        ...writeConcernTimeout({ n: 0 }),
        writeErrors: (c.body.documents as unknown[]).map((_d, index) => ({
          index,
          code: 11000,
          errmsg: "E11000 duplicate key error index: _id_ dup key: { }",
        })),
      }),
      { when: (c) => c.body.insert === "inbound" },
    );
    const err = await migrateToMongo(dataDir, mongo, quiet).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(classifyMongoError(err)).toBe("maybe_written");
    expect(wire.sent("insert").map((c) => c.body.insert)).toEqual(["citizens", "conversations", "reports", "inbound"]);
  });
});

const uri = process.env.MONGODB_URI;

/** Every document of every collection the migration writes, GridFS included, sorted by id. */
async function contents(mongo: MongoStore): Promise<Record<string, unknown[]>> {
  const db = mongo.connection.db as mongoose.mongo.Db;
  const out: Record<string, unknown[]> = {};
  for (const name of [
    "citizens",
    "conversations",
    "reports",
    "inbound",
    "counters",
    "outbox",
    "events",
    "members",
    "chats",
    "follows",
    "cards",
    "prompts",
    "handoffs",
    "plans",
    "commitments",
    "commitment_follows",
    "announcements",
    "subscriptions",
    "media.files",
    "media.chunks",
  ]) {
    out[name] = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
  }
  return out;
}

describe.skipIf(!uri)("migrate to a real MongoDB (MONGODB_URI)", () => {
  it("a second run, also after the bot wrote newer data, changes nothing", async () => {
    const dataDir = await sessionOnDisk();
    const dbName = `municipio_test_${randomUUID().slice(0, 8)}`;
    const mongo = await openMongoStore(uri as string, { dbName, attempts: 1 });
    try {
      await migrateToMongo(dataDir, mongo, quiet);
      const [report] = await mongo.reports.byCitizen("console:ana", 1);
      expect(report?.folio).toMatch(/^MET-\d{4}-000001$/);
      expect(report?.location).toEqual({ latitude: 19.2566, longitude: -99.6047 });
      expect((await mongo.media.get(report?.photos[0] as string))?.data.length).toBe(70);
      // Live on MongoDB: the citizen changes language, a folio is handed out.
      const citizen = await mongo.citizens.get("console:ana");
      await mongo.citizens.save({ ...(citizen as NonNullable<typeof citizen>), language: "en", updatedAt: new Date() });
      expect(await mongo.counters.next(`folio:15054:${report.folio.slice(4, 8)}`)).toBe(2);
      const live = await contents(mongo);

      const again = await migrateToMongo(dataDir, mongo, quiet);
      expect(await contents(mongo)).toEqual(live);
      expect(again.citizens).toEqual({ copied: 0, kept: 1, conflicts: [] });
      expect(again.counters).toEqual({ copied: 0, kept: 1, conflicts: [] });
      expect(again.media).toEqual({ copied: 0, kept: 1, conflicts: [] });
      expect((await mongo.citizens.get("console:ana"))?.language).toBe("en");
    } finally {
      await mongo.connection.dropDatabase();
      await mongo.close();
    }
  });
});

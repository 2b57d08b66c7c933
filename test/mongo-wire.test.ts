/**
 * The MongoDB adapter against the wire-protocol double (test/fakes/mongo-wire.ts): the real driver
 * through mongoose, checked on what it sends and on how the adapter reads what comes back —
 * write concerns, failover errors, dropped connections, indexes at start-up, refused logins.
 * A real server stays the reference (store.contract.test.ts with MONGODB_URI).
 */

import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import mongoose from "mongoose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ORPHAN_MIN_AGE_MS, orphanPhotos } from "../src/domain/orphan-photos.js";
import { INBOUND_TTL_S } from "../src/store/claim.js";
import { loadDataSecret } from "../src/store/data-secret.js";
import { classifyMongoError, MongoConfigurationError, type MongoStore, openMongoStore } from "../src/store/mongo/index.js";
import { CITIZEN_INDEX } from "../src/store/mongo/reports.js";
import { HELD_PAST_LEASE_MS } from "../src/store/outbox-rule.js";
import { cursorReply, ERRORS, MongoWireDouble, type SentCommand, writeConcernTimeout } from "./fakes/mongo-wire.js";
import { tempDir } from "./helpers/app.js";
import { sampleReport } from "./helpers/reports.js";

const MAJORITY = { w: "majority", j: true, wtimeout: 10_000 };
const WRITES = new Set(["insert", "update", "delete", "findAndModify"]);

let wire: MongoWireDouble;
let store: MongoStore | undefined;
beforeEach(async () => {
  wire = await new MongoWireDouble().start();
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await wire.stop();
});

async function open(): Promise<MongoStore> {
  store = await openMongoStore(wire.uri(), { attempts: 1, timeoutMs: 2000 });
  wire.clear();
  return store;
}

/** What a failing call rejects with. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err,
  );
}

const at = new Date("2026-11-28T12:00:00Z");

describe("write concern (what the driver is told)", () => {
  it("every write of every collection waits for a majority, journaled, at most 10 s", async () => {
    const s = await open();
    wire.answer("findAndModify", { ok: 1, value: { _id: "folio:15054:2026", seq: 1 }, lastErrorObject: { n: 1, updatedExisting: true } });
    await s.citizens.save({ id: "web:1", channel: "web", chatId: "1", language: "es-MX", consent: { version: "v1", at }, createdAt: at, updatedAt: at });
    await s.conversations.save({
      id: "web:1",
      state: { flow: "menu", flowVersion: "v", step: "choose", waiting: "answer", vars: {}, attempts: 0, lang: "es-MX" },
      pending: [],
      updatedAt: at,
    });
    await s.conversations.hold("web:1", "process-1:1", new Date(at.getTime() + 30_000), at);
    await s.conversations.release("web:1", "process-1:1");
    await s.reports.insert(sampleReport());
    await s.inbound.claim("web:m1", at, 60_000);
    await s.inbound.complete("web:m1", at);
    expect(await s.counters.next("folio:15054:2026")).toBe(1);
    await s.outbox.add([
      { id: "notice:1", channel: "telegram", chatId: "5001", kind: "notice", payload: { id: "r1", lang: "es-MX", text: "Tu reporte avanzó" }, createdAt: at },
    ]);
    await s.outbox.markSent("notice:1", "worker-1", at, "42");
    await s.events.append([
      { id: "e1", type: "consent_recorded", at, actor: "citizen", report: null, municipality: null, citizen: "web:1", data: { version: "v1" } },
    ]);
    await s.members.save({ id: "m1", name: "Ana", role: "facilitador", municipalities: ["15054"], telegramId: "5001", createdAt: at, updatedAt: at });
    await s.media.put("0b5e7d1a-8d55-4a0e-9b7c-3f0e1c2d4a5b", { data: Buffer.from([1, 2, 3]), mimeType: "image/png" });
    const zip = join(await tempDir(), "RemoteAuth.zip");
    await writeFile(zip, "PK…");
    await s.sharedFiles?.upload("whatsapp/RemoteAuth.zip", zip);
    // A GridFS delete too: the bucket's own writes inherit the connection's write concern.
    wire.answer("find", (c: SentCommand) =>
      c.body.find === "shared.files" ? cursorReply(c, [{ _id: new mongoose.Types.ObjectId(), filename: "x" }]) : undefined,
    );
    await s.sharedFiles?.remove("whatsapp/RemoteAuth.zip");

    const writes = wire.sent().filter((c) => WRITES.has(c.name));
    const targets = writes.map((c) => `${c.name} ${String(c.body[c.name])}`);
    expect(targets).toEqual(
      expect.arrayContaining([
        "update citizens",
        "update conversations",
        "update conversation_turns",
        "delete conversation_turns",
        "insert reports",
        "insert inbound",
        "update inbound",
        "findAndModify counters",
        "insert outbox",
        "update outbox",
        "insert events",
        "update members",
        "insert media.files",
        "insert media.chunks",
        "insert shared.files",
        "insert shared.chunks",
        "delete shared.files",
        "delete shared.chunks",
      ]),
    );
    for (const c of writes) expect(c.body.writeConcern, `${c.name} ${String(c.body[c.name])}`).toEqual(MAJORITY);
  });

  it("a conversation's turn is one upsert taken only if it is the owner's or its lease ran out; held by another, the server's duplicate key is a no", async () => {
    const s = await open();
    const until = new Date(at.getTime() + 30_000);
    expect(await s.conversations.hold("telegram:7", "process-1:3", until, at)).toBe(true);
    const [update] = wire.sent("update");
    const [statement] = update.body.updates as { q: Record<string, unknown>; u: Record<string, unknown>; upsert: boolean }[];
    expect(update.body.update).toBe("conversation_turns");
    expect(statement.upsert).toBe(true);
    expect(statement.q).toEqual({ _id: "telegram:7", $or: [{ owner: "process-1:3" }, { until: { $lte: at } }] });
    expect(statement.u).toEqual({ $set: { owner: "process-1:3", until } });
    // Held by another process: the upsert's insert meets the same _id.
    wire.answer("update", {
      ok: 1,
      n: 0,
      nModified: 0,
      writeErrors: [{ index: 0, code: 11000, errmsg: "E11000 duplicate key error collection: test.conversation_turns index: _id_" }],
    });
    expect(await s.conversations.hold("telegram:7", "process-2:1", until, at)).toBe(false);
    // Any other failure is the caller's to handle (conversation/chat-turns.ts goes on without the turn).
    wire.answer("update", ERRORS.notPrimaryOrSecondary());
    expect(await failure(s.conversations.hold("telegram:7", "process-2:2", until, at))).toBeInstanceOf(Error);
    // Held by another, and the replica set slow to confirm even the refusal: the driver throws the write
    // concern's error (code 64), whose write errors still say duplicate key.
    wire.answer("update", writeConcernTimeout({ n: 0, nModified: 0, writeErrors: [{ index: 0, code: 11000, errmsg: "E11000 duplicate key error" }] }));
    expect(await s.conversations.hold("telegram:7", "process-2:3", until, at)).toBe(false);
    // An extension never inserts: one that reaches the server after the release finds nothing.
    wire.clear();
    wire.answer("update", { ok: 1, n: 0, nModified: 0 });
    expect(await s.conversations.extend("telegram:7", "process-1:3", until)).toBe(false);
    const [extension] = wire.sent("update")[0].body.updates as { q: Record<string, unknown>; u: Record<string, unknown>; upsert?: boolean }[];
    expect(extension).toMatchObject({ q: { _id: "telegram:7", owner: "process-1:3" }, u: { $set: { until } } });
    expect(extension.upsert ?? false).toBe(false);
    await s.conversations.release("telegram:7", "process-1:3");
    expect(wire.sent("delete").at(-1)?.body.deletes).toEqual([{ q: { _id: "telegram:7", owner: "process-1:3" }, limit: 1 }]);
  });

  it("a write-concern timeout is 'maybe written': sent once, never resent by the driver, kept for a retry that must find it", async () => {
    const s = await open();
    wire.answer("insert", writeConcernTimeout(), { when: (c) => c.body.insert === "reports" });
    const err = await failure(s.reports.insert(sampleReport()));
    expect((err as Error).name).toBe("MongoWriteConcernError");
    expect(classifyMongoError(err)).toBe("maybe_written");
    // The store says "wait and retry", not "failed": telling the citizen it was not saved would make them send it again.
    expect(s.unavailable(err)).toBe(true);
    expect(wire.sent("insert")).toHaveLength(1);
  });

  it("a write interrupted by a failover is resent once by the driver with the same transaction number (the server applies it once)", async () => {
    const s = await open();
    wire.answer("insert", { ...ERRORS.primarySteppedDown(), errorLabels: ["RetryableWriteError"] }, { times: 1 });
    await s.inbound.claim("telegram:9", at, 60_000);
    const [first, second] = wire.sent("insert");
    expect(second).toBeDefined();
    expect(second.body.txnNumber).toEqual(first.body.txnNumber);
    expect(second.body.lsid).toEqual(first.body.lsid);
  });
});

describe("failover and outages (what the adapter makes of the errors)", () => {
  const stateChanges = [
    ["InterruptedDueToReplStateChange (11602)", ERRORS.interruptedDueToReplStateChange],
    ["NotPrimaryNoSecondaryOk (13435)", ERRORS.notPrimaryNoSecondaryOk],
    ["NotPrimaryOrSecondary (13436)", ERRORS.notPrimaryOrSecondary],
    ["ShutdownInProgress (91)", ERRORS.shutdownInProgress],
    ["PrimarySteppedDown (189)", ERRORS.primarySteppedDown],
  ] as const;

  it.each(stateChanges)("a read failing with %s, also on the driver's own retry, means 'unavailable'", async (_name, error) => {
    const s = await open();
    wire.answer("find", error(), { times: 2 });
    const err = await failure(s.conversations.get("telegram:1"));
    expect(wire.sent("find")).toHaveLength(2);
    expect(classifyMongoError(err)).toBe("unavailable");
    expect(s.unavailable(err)).toBe(true);
    // Once the set has a primary again, the same store answers.
    expect(await s.conversations.get("telegram:1")).toBeNull();
  });

  it("a connection dropped mid-command means 'unavailable', and the pool reconnects afterwards", async () => {
    const s = await open();
    wire.answer("find", { drop: true }, { times: 2 });
    const err = await failure(s.reports.byFolio("MET-2026-000001"));
    expect(err).toBeInstanceOf(mongoose.mongo.MongoNetworkError);
    expect(s.unavailable(err)).toBe(true);
    expect(await s.reports.byFolio("MET-2026-000001")).toBeNull();
  });

  it("a cleared pool, the driver's retryable labels and state-change codes are recognised; refusals are not", () => {
    const { PoolClearedError } = createRequire(import.meta.url)("mongodb/lib/cmap/errors.js");
    const cleared = new PoolClearedError({ address: "db1:27017", serverError: { message: "connection reset" } });
    expect(cleared.name).toBe("MongoPoolClearedError");
    expect(classifyMongoError(cleared)).toBe("unavailable");
    const server = (code: number, labels: string[] = []) => {
      const err = new mongoose.mongo.MongoServerError({ message: "x", code, errorLabels: labels });
      return err;
    };
    expect(classifyMongoError(server(10107))).toBe("unavailable");
    expect(classifyMongoError(server(50, ["RetryableWriteError"]))).toBe("unavailable");
    expect(classifyMongoError(server(11000))).toBe("rejected");
    expect(classifyMongoError(server(121))).toBe("rejected"); // DocumentValidationFailure
    expect(classifyMongoError(new mongoose.Error.ValidationError())).toBe("rejected");
    expect(classifyMongoError(new Error("TypeError in our code"))).toBe("rejected");
  });
});

describe("the data secret (shared by every process)", () => {
  it("one another process stored first is the one kept: this one's write fails as a duplicate and reads that one back", async () => {
    const s = await open();
    const theirs = "kept-by-the-process-that-started-first-0123456789abcdef";
    const id = "first:data-secret";
    const data = Buffer.from(`${theirs}\n`);
    // The chunk index (files_id, n) is unique: the other process's chunk is there.
    wire.answer("insert", ERRORS.duplicateKey("files_id_1_n_1"), { when: (c) => c.body.insert === "shared.chunks" });
    wire.answer("find", (c: SentCommand) => {
      const filter = (c.body.filter ?? {}) as Record<string, unknown>;
      if (c.body.find === "shared.files" && filter._id !== undefined)
        return cursorReply(c, [{ _id: id, filename: "data-secret", length: data.length, chunkSize: 255 * 1024, uploadDate: new Date() }]);
      if (c.body.find === "shared.chunks") return cursorReply(c, [{ _id: new mongoose.Types.ObjectId(), files_id: id, n: 0, data }]);
      return undefined;
    });
    expect(await loadDataSecret({ DATA_SECRET: undefined, DATA_DIR: await tempDir() }, s)).toBe(theirs);
    const chunks = wire.sent().filter((c) => c.name === "insert" && c.body.insert === "shared.chunks");
    expect(chunks).toHaveLength(1);
    expect((chunks[0].body.documents as { files_id: unknown }[])[0].files_id).toBe(id);
    expect(wire.sent().filter((c) => c.name === "insert" && c.body.insert === "shared.files")).toEqual([]);
  });
});

describe("photos nothing names (npm run admin -- photos orphans)", () => {
  it("kept photos come from GridFS's files older than the day, drafts left out; every report's and announcement's photo is read, no filter to be sanitised away", async () => {
    const s = await open();
    const [named, published, announced, orphan] = ["a1b2c3d4-0001", "a1b2c3d4-0002", "a1b2c3d4-0003", "a1b2c3d4-0004"];
    wire.answer("find", (c: SentCommand) => {
      if (c.body.find === "media.files")
        return cursorReply(
          c,
          [named, published, announced, orphan].map((filename) => ({ _id: new mongoose.Types.ObjectId(), filename })),
        );
      if (c.body.find === "reports")
        return cursorReply(c, [
          { _id: "r1", photos: [named] },
          { _id: "r2", photos: [], publication: { photos: [published] } },
          { _id: "r3", photos: [] },
        ]);
      if (c.body.find === "announcements")
        return cursorReply(c, [
          { _id: "A-1", photo: announced },
          { _id: "A-2", photo: null },
        ]);
      return undefined;
    });
    const now = new Date("2026-11-30T12:00:00Z");
    const deps = { media: s.media, holders: [() => s.reports.photoIds(), () => s.announcements.photoIds()] };
    expect(await orphanPhotos(deps, now)).toEqual([orphan]);
    const finds = wire.sent("find");
    expect(finds.find((c) => c.body.find === "media.files")?.body).toMatchObject({
      filter: {
        uploadDate: { $lt: new Date(now.getTime() - ORPHAN_MIN_AGE_MS) },
        "metadata.draft": { $exists: false },
        "metadata.keptAt": { $not: { $gte: new Date(now.getTime() - ORPHAN_MIN_AGE_MS) } },
      },
      projection: { filename: 1 },
    });
    // Keeping a photo records when: its age counts from then.
    wire.clear();
    await s.media.keep([orphan]);
    const update = ((wire.sent("update")[0]?.body.updates ?? []) as { q: unknown; u: Record<string, unknown> }[])[0];
    expect(update).toMatchObject({
      q: { filename: { $in: [orphan] } },
      u: { $unset: { "metadata.draft": "" }, $set: { "metadata.keptAt": expect.any(Date) } },
    });
    const reports = finds.find((c) => c.body.find === "reports")?.body;
    expect([reports?.filter, reports?.projection]).toEqual([{}, { photos: 1, "publication.photos": 1 }]);
    const announcements = finds.find((c) => c.body.find === "announcements")?.body;
    expect([announcements?.filter, announcements?.projection]).toEqual([{}, { photo: 1 }]);
  });
});

describe("a conversation saved whole", () => {
  it("with a question on top of its step and a reply carrying a file: both reach the server (the strict schema refused them)", async () => {
    const s = await open();
    const aside = { kind: "leave", flow: "learn", heard: { text: "x" } };
    const state = { flow: "report", flowVersion: "v", step: "describe", waiting: "answer", vars: { municipality: "15054" }, attempts: 0, lang: "es-MX", aside };
    const file = { ref: "/mis-datos/abc", name: "mis-datos.json", mime: "application/json", fallback: "Aquí está el archivo" };
    const pending = [{ id: "r1", lang: "es-MX" as const, text: "Tus datos", file }];
    await s.conversations.save({ id: "telegram:1", state, pending, updatedAt: at });
    const [update] = (wire.sent("update")[0]?.body.updates ?? []) as { u: { state: { aside: unknown }; pending: { file: unknown }[] } }[];
    expect(update.u.state.aside).toEqual(aside);
    expect(update.u.pending[0].file).toEqual(file);
  });
});

describe("the conversations holding a report not sent", () => {
  it("are found with the operators reaching the server as they are, those not known to hold one too, oldest first", async () => {
    const s = await open();
    wire.answer("find", (c: SentCommand) => cursorReply(c, []));
    await s.conversations.withDraftBefore(at, 500);
    const find = wire.sent("find").at(-1)?.body as { filter: unknown; sort: unknown; limit: number };
    expect([find.filter, find.sort, find.limit]).toEqual([{ holdsDraft: { $in: [true, null] }, updatedAt: { $lt: at } }, { updatedAt: 1 }, 500]);
  });
});

describe("the conversations silent for CONVERSATION_DAYS", () => {
  it("are found by the index of drafts (holdsDraft false, then the time), and deleted only where still as read", async () => {
    const s = await open();
    wire.answer("find", (c: SentCommand) => cursorReply(c, []));
    await s.conversations.idleBefore(at, 500);
    const find = wire.sent("find").at(-1)?.body as { filter: unknown; sort: unknown; limit: number };
    expect([find.filter, find.sort, find.limit]).toEqual([{ holdsDraft: false, updatedAt: { $lt: at } }, { updatedAt: 1 }, 500]);
    const before = new Date(at.getTime() + 1000);
    await s.conversations.idleBefore(before, 500, at);
    const next = wire.sent("find").at(-1)?.body as { filter: unknown };
    expect(next.filter).toEqual({ holdsDraft: false, updatedAt: { $lt: before, $gt: at } });
    await s.conversations.removeIf("web:1", { updatedAt: at, pending: [] });
    const [del] = (wire.sent("delete")[0]?.body.deletes ?? []) as { q: unknown }[];
    expect(del.q).toEqual({ _id: "web:1", updatedAt: at, pending: { $size: 0 } });
  });
});

describe("a conversation changed from outside its turns (the sweep of draft photos)", () => {
  it("is replaced only where its time is still the one read, never inserted", async () => {
    const s = await open();
    const state = { flow: "menu", flowVersion: "v", step: "choose", waiting: "answer", vars: {}, attempts: 0, lang: "es-MX" };
    await s.conversations.replaceIf({ id: "telegram:1", state, pending: [], updatedAt: at }, { updatedAt: at, pending: [] });
    const [update] = (wire.sent("update")[0]?.body.updates ?? []) as { q: unknown; upsert?: boolean }[];
    // The operator reaches the server as one (sanitizeFilter would have made it a match of nothing).
    expect(update.q).toEqual({ _id: "telegram:1", updatedAt: at, pending: { $size: 0 } });
    expect(update.upsert ?? false).toBe(false);
  });
});

describe("the outbox keeps nothing of what went to a chat", () => {
  it("a sent or given-up item loses its payload in the same operation; a chat's items are forgotten, all of them", async () => {
    const s = await open();
    await s.outbox.markSent("n1", "w", at, "tg-1");
    await s.outbox.markFailed("n2", "w", "permanent", at);
    await s.outbox.forgetChat("whatsapp", "5215550000001@c.us");
    const updates = wire.sent("update").map((c) => (c.body.updates as { q: unknown; u: Record<string, unknown> }[])[0]);
    expect(updates.map((u) => [u.q, u.u.$unset])).toEqual([
      [{ _id: "n1", state: "sending", owner: "w" }, { payload: 1 }],
      [{ _id: "n2", state: "sending", owner: "w" }, { payload: 1 }],
    ]);
    expect(updates[1].u.$set).toMatchObject({ state: "failed", failedAt: at, error: "permanent" });
    const [del] = (wire.sent("delete")[0]?.body.deletes ?? []) as { q: unknown; limit: number }[];
    expect([del.q, del.limit]).toEqual([{ channel: "whatsapp", chatId: "5215550000001@c.us" }, 0]);
  });

  it("an item withdrawn before it goes is deleted only while its worker holds it, one document", async () => {
    const s = await open();
    await s.outbox.withdraw("ann:A-7:telegram:42", "w");
    const [del] = (wire.sent("delete")[0]?.body.deletes ?? []) as { q: unknown; limit: number }[];
    expect([del.q, del.limit]).toEqual([{ _id: "ann:A-7:telegram:42", state: "sending", owner: "w" }, 1]);
    expect(wire.sent("delete")[0]?.body.writeConcern).toEqual(MAJORITY);
  });

  it("what waited since before a time is given up in one operation, its operators reaching the server as such, and its payload dropped", async () => {
    const s = await open();
    const before = new Date(at.getTime() - 90 * 24 * 3600 * 1000);
    await s.outbox.giveUpWaiting(before, at);
    const [update] = (wire.sent("update")[0]?.body.updates ?? []) as { q: unknown; u: Record<string, Record<string, unknown>>; multi?: boolean }[];
    expect(update.q).toEqual({
      createdAt: { $lt: before },
      $and: [
        { $or: [{ attempts: { $gt: 0 } }, { notBefore: { $lt: before } }] },
        { $or: [{ state: "pending" }, { state: "sending", leaseUntil: { $lt: new Date(at.getTime() - HELD_PAST_LEASE_MS) } }] },
      ],
    });
    expect(update.multi).toBe(true);
    expect(update.u.$set).toMatchObject({ state: "failed", failedAt: at, error: "never_reached", owner: null, leaseUntil: null });
    expect(update.u.$unset).toEqual({ payload: 1 });
    expect(wire.sent("update")[0]?.body.writeConcern).toEqual(MAJORITY);
  });

  it("start-up drops what an earlier version kept of sent and given-up items, and dates the given-up ones for their 30 days", async () => {
    store = await openMongoStore(wire.uri(), { attempts: 1 });
    const updates = wire
      .sent("update")
      .filter((c) => c.body.update === "outbox")
      .map((c) => (c.body.updates as { q: unknown; u: Record<string, Record<string, unknown>>; multi?: boolean }[])[0]);
    expect(updates.map((u) => [u.q, Object.keys(u.u), u.multi])).toEqual([
      [{ state: "failed", failedAt: { $exists: false } }, ["$set"], true],
      [{ state: { $in: ["sent", "failed"] }, payload: { $exists: true } }, ["$unset"], true],
    ]);
    expect(updates[1].u.$unset).toEqual({ payload: 1 });
    // Done once: marked, and a later start-up reads nothing of the outbox again.
    const marks = wire.sent("update").filter((c) => c.body.update === "counters");
    expect(marks.map((c) => (c.body.updates as { q: unknown; upsert?: boolean }[])[0])).toEqual([
      expect.objectContaining({ q: { _id: "upgrade:outbox-0.6.18" }, upsert: true }),
    ]);
    const indexes = wire.sent("createIndexes").flatMap((c) => (c.body.createIndexes === "outbox" ? (c.body.indexes as Record<string, unknown>[]) : []));
    expect(indexes).toContainEqual(expect.objectContaining({ name: "failed_ttl", key: { failedAt: 1 }, expireAfterSeconds: 30 * 24 * 3600 }));
  });
});

describe("a member's logout and password", () => {
  it("each change only its own field, in one operation: a logout and a password set at once are both kept", async () => {
    const s = await open();
    await s.members.endSessions("m1", at);
    await s.members.setPasswordHash("m1", "scrypt$16384$8$1$c2FsdA$aGFzaA", at);
    const updates = wire.sent("update").map((c) => (c.body.updates as { q: unknown; u: unknown; upsert?: boolean }[])[0]);
    expect(updates.map((u) => [u.q, u.u, u.upsert ?? false])).toEqual([
      [{ _id: "m1" }, { $inc: { sessionEpoch: 1 }, $set: { updatedAt: at } }, false],
      [{ _id: "m1" }, { $set: { passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA", updatedAt: at } }, false],
    ]);
  });
});

describe("indexes at start-up", () => {
  it("creates the 'reports by citizen' index with a filter the planner can use, and drops the old one", async () => {
    wire.addIndex("reports", {
      key: { citizenId: 1, createdAt: -1 },
      name: "citizenId_1_createdAt_-1",
      partialFilterExpression: { citizenId: { $type: "string" } },
    });
    store = await openMongoStore(wire.uri(), { attempts: 1 });
    const drop = wire.sent("dropIndexes");
    expect(drop.map((c) => [c.body.dropIndexes, c.body.index])).toEqual([["reports", "citizenId_1_createdAt_-1"]]);
    const created = wire.sent("createIndexes").flatMap((c) => c.body.indexes as Record<string, unknown>[]);
    expect(created).toContainEqual(
      expect.objectContaining({ name: CITIZEN_INDEX, key: { citizenId: 1, createdAt: -1 }, partialFilterExpression: { citizenId: { $gt: "" } } }),
    );
    // "my reports" asks by equality, which implies citizenId > "": the index serves it.
    wire.clear();
    await store.reports.byCitizen("telegram:5001", 10);
    expect(wire.sent("find")[0].body).toMatchObject({ filter: { citizenId: "telegram:5001" }, sort: { createdAt: -1 }, limit: 10 });
  });

  it("reports nearby: the 2dsphere index answers a $nearSphere the connection's sanitizeFilter keeps", async () => {
    const s = await open();
    await s.reports.nearby({
      category: "baches",
      statuses: ["recibido", "en_revision"],
      since: at,
      where: { point: { latitude: 19.2566, longitude: -99.6047 }, meters: 150 },
      limit: 3,
    });
    expect(wire.sent("find")[0].body).toMatchObject({
      filter: {
        category: "baches",
        status: { $in: ["recibido", "en_revision"] },
        createdAt: { $gte: at },
        location: { $nearSphere: { $geometry: { type: "Point", coordinates: [-99.6047, 19.2566] }, $maxDistance: 150 } },
      },
      limit: 3,
    });
    wire.clear();
    await s.reports.nearby({ category: "baches", statuses: ["recibido"], since: at, where: { municipality: "15054" }, limit: 3 });
    expect(wire.sent("find")[0].body).toMatchObject({
      filter: { category: "baches", municipality: "15054", status: { $in: ["recibido"] }, createdAt: { $gte: at } },
      sort: { createdAt: -1 },
      limit: 3,
    });
  });

  it("the latest announcement sent to subscribers: its time range reaches the server as operators, one document", async () => {
    const s = await open();
    const since = new Date(at.getTime() - 60 * 24 * 60 * 60 * 1000);
    await s.announcements.latestSent("15054", since, at);
    expect(wire.sent("find")[0].body).toMatchObject({
      find: "announcements",
      filter: { municipality: "15054", state: "queued", audiences: "subscribers", at: { $gte: since, $lte: at } },
      sort: { at: -1, createdAt: -1 },
      limit: 1,
    });
  });

  it("the audit trail's and the members' indexes are usable by the planner too; their first versions are dropped", async () => {
    for (const field of ["report", "municipality", "citizen"]) {
      wire.addIndex("events", { key: { [field]: 1, at: -1 }, name: `${field}_1_at_-1`, partialFilterExpression: { [field]: { $type: "string" } } });
    }
    wire.addIndex("members", { key: { telegramId: 1 }, name: "telegramId_1", unique: true, partialFilterExpression: { telegramId: { $type: "string" } } });
    store = await openMongoStore(wire.uri(), { attempts: 1 });
    expect(wire.sent("dropIndexes").map((c) => `${c.body.dropIndexes} ${c.body.index}`)).toEqual([
      "events report_1_at_-1",
      "events municipality_1_at_-1",
      "events citizen_1_at_-1",
      "members telegramId_1",
    ]);
    const filters = wire
      .sent("createIndexes")
      .flatMap((c) => c.body.indexes as { partialFilterExpression?: Record<string, unknown> }[])
      .flatMap((i) => (i.partialFilterExpression ? [JSON.stringify(i.partialFilterExpression)] : []));
    expect(filters.filter((f) => f.includes("$type"))).toEqual([]);
  });

  it("a second start-up finds every index in place and creates or drops nothing", async () => {
    store = await openMongoStore(wire.uri(), { attempts: 1 });
    await store.close();
    wire.clear();
    // The first one marked its upgrade of the outbox done.
    wire.answer("find", (c: SentCommand) => (c.body.find === "counters" ? cursorReply(c, [{ _id: "upgrade:outbox-0.6.18" }]) : undefined));
    store = await openMongoStore(wire.uri(), { attempts: 1 });
    expect(wire.sent("createIndexes")).toEqual([]);
    expect(wire.sent("dropIndexes")).toEqual([]);
    // Nor does it upgrade the outbox again.
    expect(wire.sent("find").filter((c) => c.body.find === "counters")).toHaveLength(1);
    expect(wire.sent("update").filter((c) => c.body.update === "outbox")).toEqual([]);
    expect(wire.sent("listIndexes").map((c) => c.body.listIndexes)).toEqual([
      "citizens",
      "conversations",
      "conversation_turns",
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
    ]);
  });

  it("a TTL changed in the code is changed in place (collMod)", async () => {
    wire.addIndex("inbound", { key: { claimedAt: 1 }, name: "claimedAt_1", expireAfterSeconds: 3 * 24 * 3600 });
    store = await openMongoStore(wire.uri(), { attempts: 1 });
    expect(wire.sent("collMod").map((c) => c.body)).toEqual([
      expect.objectContaining({ collMod: "inbound", index: { name: "claimedAt_1", expireAfterSeconds: INBOUND_TTL_S } }),
    ]);
  });

  it("an index whose options changed stops start-up with one line naming it and saying what to do", async () => {
    wire.addIndex("reports", { key: { folio: 1 }, name: "folio_1" });
    const err = (await failure(openMongoStore(wire.uri(), { attempts: 1 }))) as Error;
    expect(err.message).toBe(
      'index "folio_1" of reports exists in MongoDB as {"folio":1} but the bot declares {"folio":1} with unique: true; ' +
        'MongoDB cannot change it in place: drop it (mongosh: db.reports.dropIndex("folio_1")) and start the bot again, which builds it anew',
    );
  });

  it("the server's own conflict answer (85/86) is turned into the same kind of line", async () => {
    wire.answer("createIndexes", ERRORS.indexOptionsConflict("Index already exists with a different name: legacy_folio"), {
      when: (c) => c.body.createIndexes === "reports",
    });
    wire.addIndex("reports", { key: { folio: 1 }, name: "legacy_folio", unique: true });
    const err = (await failure(openMongoStore(wire.uri(), { attempts: 1 }))) as Error;
    expect(err.message).toMatch(/^index "folio_1" of reports .* conflicts with the index "legacy_folio" .*db\.reports\.dropIndex\("legacy_folio"\)/);
  });
});

describe("connecting", () => {
  it("a refused login is not retried and is called what it is, without the password", async () => {
    wire.answer("saslStart", ERRORS.authenticationFailed());
    const retries: number[] = [];
    const err = (await failure(
      openMongoStore(wire.uri("municipio", "bot:s3cr3t@"), { attempts: 6, firstDelayMs: 10, onRetry: ({ attempt }) => retries.push(attempt) }),
    )) as Error;
    expect(err).toBeInstanceOf(MongoConfigurationError);
    expect(err.message).toMatch(new RegExp(`^authentication failed for MongoDB at 127\\.0\\.0\\.1:${wire.port}: `));
    expect(err.message).not.toContain("s3cr3t");
    expect(retries).toEqual([]);
    expect(wire.commands.filter((c) => c.name === "saslStart")).toHaveLength(1);
  });

  it("a URI the driver cannot read is called an invalid URI at once, without the password", async () => {
    for (const uri of [
      "mongodb://bot:s3cr3t@db.example.mx:99999/municipio",
      "mongodb://bot:s3cr3t@db.example.mx/municipio?replicaSet=rs0&w=sometimes&wtimeoutMS=x",
    ]) {
      const err = (await failure(openMongoStore(uri, { attempts: 6, firstDelayMs: 10_000 }))) as Error;
      expect(err).toBeInstanceOf(MongoConfigurationError);
      expect(err.message).toMatch(/^invalid URI in MONGODB_URI \(db\.example\.mx(:99999)?\): /);
      expect(err.message).not.toContain("s3cr3t");
    }
  });
});

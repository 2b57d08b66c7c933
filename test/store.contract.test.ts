/**
 * The store contract: what every implementation of the ports must do. Always run against the
 * embedded store; against MongoDB too when MONGODB_URI is set (each test on a fresh database,
 * dropped afterwards): `MONGODB_URI=mongodb://localhost:27017 npm test`.
 */
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Citizen } from "../src/domain/model/citizen.js";
import { ORPHAN_MIN_AGE_MS, orphanPhotos } from "../src/domain/orphan-photos.js";
import type { ConversationState } from "../src/engine/types.js";
import type { MongoStore } from "../src/store/mongo/index.js";
import { CITIZEN_INDEX } from "../src/store/mongo/reports.js";
import { ManualClock } from "../src/util/clock.js";
import { tempDir } from "./helpers/app.js";
import { freshStore, contractStores as stores } from "./helpers/contract-stores.js";
import { sampleReport } from "./helpers/reports.js";

const report = sampleReport;

describe.each(stores)("%s store", (name, open) => {
  const db = freshStore(open);

  it("counters never hand out the same number twice, even under concurrency", async () => {
    const numbers = await Promise.all(Array.from({ length: 500 }, () => db.store.counters.next("folio:15054:2026")));
    expect(new Set(numbers).size).toBe(500);
    expect(Math.max(...numbers)).toBe(500);
    expect(await db.store.counters.next("folio:15106:2026")).toBe(1);
  });

  it("counters continue after a restart", async () => {
    await db.store.counters.next("c");
    await db.store.counters.next("c");
    await db.reopen();
    expect(await db.store.counters.next("c")).toBe(3);
  });

  it("reports are found by folio and listed per citizen, newest first; folios are unique", async () => {
    const older = report({ folio: "MET-2026-000001" });
    const newer = report({ folio: "MET-2026-000002", createdAt: new Date(older.createdAt.getTime() + 12 * 3600_000) });
    const anonymous = report({ folio: "MET-2026-000003", citizenId: null, anonymous: true, contactable: false });
    for (const r of [older, newer, anonymous]) await db.store.reports.insert(r);
    expect((await db.store.reports.byFolio("MET-2026-000002"))?.id).toBe(newer.id);
    expect((await db.store.reports.byId(older.id))?.folio).toBe("MET-2026-000001");
    expect(await db.store.reports.byId(randomUUID())).toBeNull();
    expect(await db.store.reports.byFolio("MET-2026-999999")).toBeNull();
    expect((await db.store.reports.byCitizen("console:ana", 10)).map((r) => r.folio)).toEqual(["MET-2026-000002", "MET-2026-000001"]);
    await expect(db.store.reports.insert(report({ folio: "MET-2026-000001" }))).rejects.toThrow();
    expect(await db.store.reports.count()).toBe(3);
    const back = await db.store.reports.byFolio("MET-2026-000001");
    expect(back?.createdAt).toBeInstanceOf(Date);
    expect(back?.history[0].at).toBeInstanceOf(Date);
  });

  it("a typed address is kept with the report, and a report saved without one reads back with none", async () => {
    const typed = report({ folio: "MET-2026-000010", location: null, address: "Av. Juárez 12, col. Centro" });
    const { address: _none, ...older } = report({ folio: "MET-2026-000011" });
    await db.store.reports.insert(typed);
    await db.store.reports.insert(older as typeof typed);
    await db.reopen();
    const back = await db.store.reports.byFolio("MET-2026-000010");
    expect(back?.address).toBe("Av. Juárez 12, col. Centro");
    expect(back?.location).toBeNull();
    expect((await db.store.reports.byFolio("MET-2026-000011"))?.address).toBeNull();
    expect((await db.store.reports.byCitizen("console:ana", 10)).map((r) => r.address)).toEqual(expect.arrayContaining([null, "Av. Juárez 12, col. Centro"]));
  });

  it("a hostile folio is only ever compared as text", async () => {
    await db.store.reports.insert(report({ folio: "MET-2026-000001" }));
    expect(await db.store.reports.byFolio({ $gt: "" } as unknown as string)).toBeNull();
    expect(await db.store.reports.byCitizen({ $ne: null } as unknown as string, 10)).toEqual([]);
  });

  it("citizens and conversations are saved, replaced and survive a restart", async () => {
    const at = new ManualClock().now();
    const citizen: Citizen = { id: "web:1", channel: "web", chatId: "1", language: "es-MX", consent: null, createdAt: at, updatedAt: at };
    await db.store.citizens.save(citizen);
    await db.store.citizens.save({ ...citizen, language: "en", consent: { version: "v1", at } });
    const state: ConversationState = {
      flow: "report",
      flowVersion: "abc",
      step: "description",
      waiting: "answer",
      vars: { a: { b: [1, "x"] } },
      attempts: 1,
      lang: "en",
      // A question on top of the step: MongoDB's strict schema once refused the whole save for it.
      aside: { kind: "leave", flow: "learn", heard: { text: "¿qué es?" } },
    };
    const file = { ref: "/mis-datos/abc", name: "my-data.json", mime: "application/json", fallback: "Your data: …" };
    await db.store.conversations.save({
      id: "web:1",
      state,
      pending: [
        { id: "r1", lang: "en", text: "hi", choices: [{ value: "1", label: "One" }] },
        { id: "r2", lang: "en", text: "Your data", file, threadId: 7 },
      ],
      updatedAt: at,
      handled: ["web:m1", "web:m2"],
      inboundAt: at,
    });
    await db.reopen();
    expect(await db.store.citizens.get("web:1")).toEqual({ ...citizen, language: "en", consent: { version: "v1", at } });
    const conv = await db.store.conversations.get("web:1");
    expect(conv?.state).toEqual(state);
    expect(conv?.pending[0].choices?.[0].label).toBe("One");
    expect(conv?.pending[1]).toEqual({ id: "r2", lang: "en", text: "Your data", file, threadId: 7 });
    expect(conv?.handled).toEqual(["web:m1", "web:m2"]);
    expect(conv?.inboundAt).toEqual(at);
    expect(await db.store.conversations.get("web:2")).toBeNull();
  });

  it("an inbound id is claimed once; a crashed claim is taken over after its lease", async () => {
    // Claims from the test clock: a fixed date would fall outside the stores' seven-day TTL one day.
    const t0 = new ManualClock().now();
    expect(await db.store.inbound.claim("telegram:1", t0, 60_000)).toBe("claimed");
    expect(await db.store.inbound.claim("telegram:1", t0, 60_000)).toBe("duplicate");
    // Still processing within the lease: a concurrent redelivery is a duplicate
    expect(await db.store.inbound.claim("telegram:1", new Date(t0.getTime() + 30_000), 60_000)).toBe("duplicate");
    // The process died: after the lease the message may be processed again
    expect(await db.store.inbound.claim("telegram:1", new Date(t0.getTime() + 61_000), 60_000)).toBe("claimed");
    await db.store.inbound.complete("telegram:1", t0);
    expect(await db.store.inbound.claim("telegram:1", new Date(t0.getTime() + 10 * 60_000), 60_000)).toBe("duplicate");
    const claims = await Promise.all(Array.from({ length: 20 }, () => db.store.inbound.claim("telegram:3", t0, 60_000)));
    expect(claims.filter((c) => c === "claimed")).toHaveLength(1);
  });

  it("a conversation's turn is held by one owner at a time until given back or its lease runs out; many asking at once get it once", async () => {
    // From the test clock: the turns' documents expire an hour after their lease on MongoDB.
    const t0 = new ManualClock().now();
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const { conversations } = db.store;
    expect(await conversations.hold("telegram:1", "a", at(30), t0)).toBe(true);
    expect(await conversations.hold("telegram:1", "b", at(31), at(1))).toBe(false);
    // Another conversation is another turn.
    expect(await conversations.hold("telegram:2", "b", at(31), at(1))).toBe(true);
    // The holder extends its lease: still refused past the first one.
    expect(await conversations.extend("telegram:1", "a", at(60))).toBe(true);
    expect(await conversations.hold("telegram:1", "b", at(65), at(35))).toBe(false);
    // Asking again for one's own turn extends it too; another's extension is refused and changes nothing.
    expect(await conversations.hold("telegram:1", "a", at(60), at(36))).toBe(true);
    expect(await conversations.extend("telegram:1", "b", at(600))).toBe(false);
    // Only the holder gives it back.
    await conversations.release("telegram:1", "b");
    expect(await conversations.hold("telegram:1", "b", at(66), at(36))).toBe(false);
    await conversations.release("telegram:1", "a");
    expect(await conversations.hold("telegram:1", "b", at(67), at(37))).toBe(true);
    // A holder that died: taken over once its lease ran out, and its late release changes nothing.
    expect(await conversations.hold("telegram:1", "c", at(100), at(66))).toBe(false);
    expect(await conversations.hold("telegram:1", "c", at(100), at(67))).toBe(true);
    await conversations.release("telegram:1", "b");
    expect(await conversations.hold("telegram:1", "d", at(101), at(70))).toBe(false);
    // An extension that comes after the release (late on the network) never takes the turn back.
    await conversations.release("telegram:1", "c");
    expect(await conversations.extend("telegram:1", "c", at(200))).toBe(false);
    expect(await conversations.hold("telegram:1", "d", at(101), at(71))).toBe(true);
    const asks = await Promise.all(Array.from({ length: 20 }, (_, i) => conversations.hold("telegram:3", `p${i}`, at(30), t0)));
    expect(asks.filter(Boolean)).toHaveLength(1);
  });

  it("finds the conversations of one channel whose replies were not delivered, recent ones only", async () => {
    const t0 = new ManualClock().now().getTime();
    const at = (m: number) => new Date(t0 + m * 60_000);
    const state: ConversationState = { flow: "menu", flowVersion: "v", step: "choose", waiting: "answer", vars: {}, attempts: 0, lang: "es-MX" };
    const reply = { id: "r", lang: "es-MX" as const, text: "¿Qué quieres hacer?" };
    await db.store.conversations.save({ id: "whatsapp:1@c.us", state, pending: [reply], updatedAt: at(10) });
    await db.store.conversations.save({ id: "whatsapp:2@c.us", state, pending: [], updatedAt: at(11) });
    await db.store.conversations.save({ id: "whatsapp:3@c.us", state, pending: [reply, reply], updatedAt: at(5) });
    await db.store.conversations.save({ id: "telegram:4", state, pending: [reply], updatedAt: at(12) });
    await db.store.conversations.save({ id: "whatsapp:5@c.us", state, pending: [reply], updatedAt: at(1) });
    const found = await db.store.conversations.withPending("whatsapp", at(2), 10);
    expect(found.map((c) => c.id)).toEqual(["whatsapp:3@c.us", "whatsapp:1@c.us"]);
    expect(found[0].pending).toHaveLength(2);
    expect(found[0].state).toEqual(state);
    expect((await db.store.conversations.withPending("whatsapp", at(2), 1)).map((c) => c.id)).toEqual(["whatsapp:3@c.us"]);
    // Every conversation's state (what the photos a conversation holds are read from).
    const other = { ...state, vars: { photo: "p-1" } };
    await db.store.conversations.save({ id: "telegram:4", state: other, pending: [], updatedAt: at(13) });
    await db.reopen();
    const states: unknown[] = [];
    for await (const saved of db.store.conversations.states()) states.push(saved);
    expect(states).toHaveLength(5);
    expect(states).toContainEqual(other);
    // Replaced only if still the one saved at that time; an erased one stays erased.
    const changed = { id: "telegram:4", state, pending: [], updatedAt: at(13) };
    expect(await db.store.conversations.replaceIf(changed, { updatedAt: at(12), pending: [] })).toBe(false);
    // Its replies marked sent since (the same time, none pending now): not as read either.
    expect(await db.store.conversations.replaceIf(changed, { updatedAt: at(13), pending: [reply] })).toBe(false);
    expect((await db.store.conversations.get("telegram:4"))?.state).toEqual(other);
    expect(await db.store.conversations.replaceIf(changed, { updatedAt: at(13), pending: [] })).toBe(true);
    expect((await db.store.conversations.get("telegram:4"))?.state).toEqual(state);
    await db.store.conversations.remove("telegram:4");
    expect(await db.store.conversations.replaceIf(changed, { updatedAt: at(13), pending: [] })).toBe(false);
    expect(await db.store.conversations.get("telegram:4")).toBeNull();
  });

  it("finds the conversations holding a report not sent (or not known to: saved before the mark), silent since before a time, oldest first", async () => {
    const t0 = new ManualClock().now().getTime();
    const at = (m: number) => new Date(t0 + m * 60_000);
    const state: ConversationState = {
      flow: "report",
      flowVersion: "v",
      step: "photo",
      waiting: "answer",
      vars: { description: "x" },
      attempts: 0,
      lang: "es-MX",
    };
    await db.store.conversations.save({ id: "web:a", state, pending: [], updatedAt: at(5), holdsDraft: true });
    await db.store.conversations.save({ id: "web:b", state, pending: [], updatedAt: at(1), holdsDraft: true });
    await db.store.conversations.save({ id: "web:c", state, pending: [], updatedAt: at(2), holdsDraft: false });
    await db.store.conversations.save({ id: "web:d", state, pending: [], updatedAt: at(20), holdsDraft: true });
    await db.store.conversations.save({ id: "web:e", state, pending: [], updatedAt: at(3) });
    await db.reopen();
    expect((await db.store.conversations.withDraftBefore(at(10), 10)).map((c) => c.id)).toEqual(["web:b", "web:e", "web:a"]);
    expect((await db.store.conversations.withDraftBefore(at(10), 1)).map((c) => c.id)).toEqual(["web:b"]);
    expect((await db.store.conversations.withDraftBefore(at(1), 10)).map((c) => c.id)).toEqual([]);
    const [oldest] = await db.store.conversations.withDraftBefore(at(10), 1);
    expect(oldest.holdsDraft).toBe(true);
    expect(await db.store.conversations.replaceIf({ ...oldest, state: { ...state, vars: {} }, holdsDraft: false }, oldest)).toBe(true);
    await db.reopen();
    expect((await db.store.conversations.withDraftBefore(at(10), 10)).map((c) => c.id)).toEqual(["web:e", "web:a"]);
    expect((await db.store.conversations.get("web:b"))?.holdsDraft).toBe(false);
  });

  it("finds the conversations known to hold no report unsent, silent since before a time, oldest first; deletes one only as it was read", async () => {
    const t0 = new ManualClock().now().getTime();
    const at = (m: number) => new Date(t0 + m * 60_000);
    const state: ConversationState = { flow: "menu", flowVersion: "v", step: "choose", waiting: "answer", vars: {}, attempts: 0, lang: "es-MX" };
    await db.store.conversations.save({ id: "web:a", state, pending: [], updatedAt: at(5), holdsDraft: false });
    await db.store.conversations.save({ id: "web:b", state, pending: [], updatedAt: at(1), holdsDraft: false });
    await db.store.conversations.save({ id: "web:c", state, pending: [], updatedAt: at(2), holdsDraft: true });
    await db.store.conversations.save({ id: "web:d", state, pending: [], updatedAt: at(20), holdsDraft: false });
    await db.store.conversations.save({ id: "web:e", state, pending: [], updatedAt: at(3) });
    await db.reopen();
    expect((await db.store.conversations.idleBefore(at(10), 10)).map((c) => c.id)).toEqual(["web:b", "web:a"]);
    expect((await db.store.conversations.idleBefore(at(10), 1)).map((c) => c.id)).toEqual(["web:b"]);
    expect((await db.store.conversations.idleBefore(at(1), 10)).map((c) => c.id)).toEqual([]);
    const [oldest, next] = await db.store.conversations.idleBefore(at(10), 10);
    // Saved again since it was read: left.
    await db.store.conversations.save({ ...next, updatedAt: at(11) });
    expect(await db.store.conversations.removeIf(next.id, next)).toBe(false);
    // A reply pending since: left too.
    const pending = [{ id: "r1", lang: "es-MX" as const, text: "Hola" }];
    await db.store.conversations.save({ ...oldest, pending });
    expect(await db.store.conversations.removeIf(oldest.id, oldest)).toBe(false);
    await db.store.conversations.save(oldest);
    expect(await db.store.conversations.removeIf(oldest.id, oldest)).toBe(true);
    expect(await db.store.conversations.removeIf(oldest.id, oldest)).toBe(false);
    await db.reopen();
    expect(await db.store.conversations.get("web:b")).toBeNull();
    expect((await db.store.conversations.get("web:a"))?.updatedAt).toEqual(at(11));
    expect((await db.store.conversations.idleBefore(at(30), 10)).map((c) => c.id)).toEqual(["web:a", "web:d"]);
    // The next page: after the last one read.
    expect((await db.store.conversations.idleBefore(at(30), 10, at(11))).map((c) => c.id)).toEqual(["web:d"]);
  });

  it("a claim keeps its message until completed; unfinished ones are found once their lease has passed", async () => {
    // Claims from the test clock: a fixed date would fall outside the stores' seven-day TTL one day.
    const t0 = new ManualClock().now();
    const message = (id: string) => ({
      channel: "telegram" as const,
      chatId: "5001",
      messageId: id,
      content: { type: "text", text: "hola $where" },
      languageHint: "es",
    });
    await db.store.inbound.claim("telegram:a", t0, 60_000, message("a"));
    await db.store.inbound.claim("telegram:b", new Date(t0.getTime() + 1000), 60_000, message("b"));
    await db.store.inbound.claim("telegram:c", t0, 60_000, message("c"));
    await db.store.inbound.complete("telegram:c", t0);
    await db.store.inbound.claim("telegram:d", t0, 60_000);
    expect(await db.store.inbound.unfinished(t0, 10)).toEqual([]);
    const later = new Date(t0.getTime() + 120_000);
    expect(await db.store.inbound.unfinished(later, 10)).toEqual([message("a"), message("b")]);
    expect(await db.store.inbound.unfinished(later, 1)).toEqual([message("a")]);
    await db.reopen();
    expect((await db.store.inbound.unfinished(later, 10)).map((m) => m.messageId)).toEqual(["a", "b"]);
    // Taken over after the lease, then completed: gone from the unfinished, and the text with it.
    expect(await db.store.inbound.claim("telegram:a", later, 60_000, message("a"))).toBe("claimed");
    await db.store.inbound.complete("telegram:a", later);
    expect((await db.store.inbound.unfinished(new Date(later.getTime() + 120_000), 10)).map((m) => m.messageId)).toEqual(["b"]);
  });

  it("media is stored and read back byte for byte, small and large; unknown ids are null", async () => {
    const data = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const id = randomUUID();
    await db.store.media.put(id, { data, mimeType: "image/png" });
    expect(await db.store.media.get(id)).toEqual({ data, mimeType: "image/png" });
    // A large one (the embedded store writes those another way).
    const large = Buffer.alloc(3 * 1024 * 1024 + 7, 0xab);
    const other = randomUUID();
    await db.store.media.put(other, { data: large, mimeType: "image/jpeg" });
    expect((await db.store.media.get(other))?.data.equals(large)).toBe(true);
    expect(await db.store.media.get(randomUUID())).toBeNull();
    await expect(db.store.media.get("../../etc/passwd")).rejects.toThrow();
  });

  // Only a store shared between machines keeps shared files (the WhatsApp session).
  it.runIf(name === "mongodb")("shared files: saved whole, the newest version read back, removed", async () => {
    const files = db.store.sharedFiles;
    if (!files) throw new Error("a shared store must offer shared files");
    const dir = await tempDir("ma-shared-");
    const v1 = Buffer.alloc(300_000, 1); // more than one GridFS chunk
    const v2 = Buffer.from("second version");
    await writeFile(join(dir, "v1.zip"), v1);
    await writeFile(join(dir, "v2.zip"), v2);
    expect(await files.exists("whatsapp/RemoteAuth.zip")).toBe(false);
    expect(await files.download("whatsapp/RemoteAuth.zip", join(dir, "out.zip"))).toBe(false);
    await files.upload("whatsapp/RemoteAuth.zip", join(dir, "v1.zip"));
    await files.upload("whatsapp/RemoteAuth.zip", join(dir, "v2.zip"));
    expect(await files.exists("whatsapp/RemoteAuth.zip")).toBe(true);
    expect(await files.download("whatsapp/RemoteAuth.zip", join(dir, "out.zip"))).toBe(true);
    expect(await readFile(join(dir, "out.zip"))).toEqual(v2);
    await files.remove("whatsapp/RemoteAuth.zip");
    expect(await files.exists("whatsapp/RemoteAuth.zip")).toBe(false);
  });

  it.runIf(name === "mongodb")("shared files: processes storing a first version at the same time all keep the same one", async () => {
    const files = db.store.sharedFiles;
    if (!files) throw new Error("a shared store must offer shared files");
    const dir = await tempDir("ma-first-");
    const mine = await Promise.all(
      ["a", "b", "c", "d"].map(async (who) => {
        await writeFile(join(dir, `${who}.in`), `secret of ${who}`);
        await files.createOnce("first-test", join(dir, `${who}.in`), join(dir, `${who}.out`));
        return readFile(join(dir, `${who}.out`), "utf8");
      }),
    );
    expect(new Set(mine).size).toBe(1);
    expect(mine[0]).toMatch(/^secret of [abcd]$/);
    await writeFile(join(dir, "late.in"), "secret of late");
    await files.createOnce("first-test", join(dir, "late.in"), join(dir, "late.out"));
    expect(await readFile(join(dir, "late.out"), "utf8")).toBe(mine[0]);
    expect(await files.download("first-test", join(dir, "newest.out"))).toBe(true);
    expect(await readFile(join(dir, "newest.out"), "utf8")).toBe(mine[0]);
    await files.remove("first-test");
  });

  it.runIf(name === "mongodb")("'my reports' is answered from the citizen index, not by reading every report", async () => {
    const { models } = db.store as MongoStore;
    for (const citizenId of ["console:ana", null, "console:luis"]) await db.store.reports.insert(report({ citizenId, anonymous: citizenId === null }));
    const plan = JSON.stringify(await models.reports.find({ citizenId: "console:ana" }).sort({ createdAt: -1 }).limit(10).explain("queryPlanner"));
    expect(plan).toContain(`"indexName":"${CITIZEN_INDEX}"`);
    expect(plan).not.toContain("COLLSCAN");
  });

  it("draft photos are listed by age until a report keeps them or they are discarded; a kept photo is never discarded", async () => {
    const data = Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]);
    const t0 = new Date("2030-01-01T00:00:00Z");
    const later = (ms: number) => new Date(t0.getTime() + ms);
    const [a, b, c, missing] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await db.store.media.put(b, { data, mimeType: "image/jpeg" }, { owner: "web:s2", at: later(1000) });
    await db.store.media.put(a, { data, mimeType: "image/jpeg" }, { owner: "web:s1", at: t0 });
    await db.store.media.put(c, { data, mimeType: "image/jpeg" });
    expect(await db.store.media.drafts(later(500), 10)).toEqual([{ id: a, owner: "web:s1", at: t0 }]);
    expect((await db.store.media.drafts(later(5000), 10)).map((d) => d.id)).toEqual([a, b]);
    expect((await db.store.media.drafts(later(5000), 1)).map((d) => d.id)).toEqual([a]);

    expect(await db.store.media.keep([a, missing])).toEqual([a]);
    await db.reopen();
    expect((await db.store.media.drafts(later(5000), 10)).map((d) => d.id)).toEqual([b]);
    await db.store.media.discard(a);
    await db.store.media.discard(c);
    await db.store.media.discard(b);
    await db.store.media.discard(missing);
    expect(await db.store.media.get(a)).toEqual({ data, mimeType: "image/jpeg" });
    expect(await db.store.media.get(c)).toEqual({ data, mimeType: "image/jpeg" });
    expect(await db.store.media.get(b)).toBeNull();
    expect(await db.store.media.drafts(later(5000), 10)).toEqual([]);
  });

  it("photos nothing names are found: kept ones stored before a time, less those reports and announcements hold", async () => {
    const data = Buffer.from([0xff, 0xd8, 0xff, 4, 5, 6]);
    const [inReport, published, announced, orphan, draft] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const id of [inReport, published, announced, orphan]) await db.store.media.put(id, { data, mimeType: "image/jpeg" });
    await db.store.media.put(draft, { data, mimeType: "image/jpeg" }, { owner: "web:s1", at: new Date() });
    const at = new Date();
    await db.store.reports.insert(report({ photos: [inReport] }));
    // De-identified: its own photos gone, the one a member published kept.
    await db.store.reports.insert(report({ photos: [], publication: { description: null, photos: [published], by: "m1", at } }));
    await db.store.reports.insert(report());
    await db.store.announcements.insert({
      id: "A-1",
      municipality: "15054",
      text: "Taller el sábado",
      photo: announced,
      audiences: ["groups"],
      at,
      state: "queued",
      createdBy: "m1",
      createdAt: at,
      queuedAt: at,
      recipients: 0,
    });
    await db.reopen();
    const all = async <T>(items: AsyncIterable<T>) => {
      const out: T[] = [];
      for await (const item of items) out.push(item);
      return out.sort();
    };
    // Times far on either side: a file's time is the system's, which a test may run a year away from (faketime).
    const [before, after] = [new Date(0), new Date(8.64e15)];
    expect(await all(db.store.media.kept(after))).toEqual([inReport, published, announced, orphan].sort());
    expect(await all(db.store.media.kept(before))).toEqual([]);
    expect(await all(db.store.reports.photoIds())).toEqual([inReport, published].sort());
    expect(await all(db.store.announcements.photoIds())).toEqual([announced]);
    // Long after, only the orphan is one; a day after the epoch, none is old enough.
    const deps = { media: db.store.media, holders: [() => db.store.reports.photoIds(), () => db.store.announcements.photoIds()] };
    expect(await orphanPhotos(deps, after)).toEqual([orphan]);
    expect(await orphanPhotos(deps, new Date(ORPHAN_MIN_AGE_MS))).toEqual([]);
  });

  it("a removed photo is gone, kept or still a draft; removing what is not there does nothing", async () => {
    const data = Buffer.from([0xff, 0xd8, 0xff, 7, 8, 9]);
    const [kept, draft, other] = [randomUUID(), randomUUID(), randomUUID()];
    const at = new Date("2030-01-01T00:00:00Z");
    await db.store.media.put(kept, { data, mimeType: "image/jpeg" }, { owner: "web:s1", at });
    await db.store.media.put(draft, { data, mimeType: "image/png" }, { owner: "web:s1", at });
    await db.store.media.put(other, { data, mimeType: "image/jpeg" });
    expect(await db.store.media.keep([kept])).toEqual([kept]);
    await db.store.media.remove(kept);
    await db.store.media.remove(draft);
    await db.store.media.remove(randomUUID());
    await db.reopen();
    expect(await db.store.media.get(kept)).toBeNull();
    expect(await db.store.media.get(draft)).toBeNull();
    expect(await db.store.media.drafts(new Date(at.getTime() + 1), 10)).toEqual([]);
    expect(await db.store.media.get(other)).toEqual({ data, mimeType: "image/jpeg" });
  });
});

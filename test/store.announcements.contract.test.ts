/**
 * The announcements part of the store contract: announcements kept whole and changed only from the
 * state they were read in, those due by their time, subscribers per municipality and citizen, and an
 * announcement's outbox rows counted by state.
 */
import { describe, expect, it } from "vitest";
import type { Announcement, Subscription } from "../src/domain/model/announcement.js";
import { DuplicateError } from "../src/store/ports.js";
import { contractStores, freshStore } from "./helpers/contract-stores.js";

const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const later = (s: number) => new Date(T0.getTime() + s * 1000);

const announcement = (id: string, more: Partial<Announcement> = {}): Announcement => ({
  id,
  municipality: "15054",
  text: "Sesión del Secretariado Técnico el jueves a las 17:00",
  photo: null,
  audiences: ["groups", "subscribers"],
  at: T0,
  state: "scheduled",
  createdBy: "m1",
  createdAt: T0,
  queuedAt: null,
  recipients: null,
  ...more,
});

const subscription = (citizen: string, municipality: string, s = 0): Subscription => ({
  citizen,
  municipality,
  since: later(s),
  consent: { version: "2026-1", at: later(s) },
});

describe.each(contractStores)("%s store: announcements", (_name, open) => {
  const db = freshStore(open);

  it("keeps announcements whole; a second insert is refused; an update from another state writes nothing", async () => {
    const a1 = announcement("A-1", { photo: "ph-1" });
    await db.store.announcements.insert(a1);
    await db.store.announcements.insert(announcement("A-2", { municipality: "15106", createdAt: later(1) }));
    await expect(db.store.announcements.insert(announcement("A-1"))).rejects.toBeInstanceOf(DuplicateError);
    await db.reopen();
    expect(await db.store.announcements.get("A-1")).toEqual(a1);
    expect(await db.store.announcements.get("A-9")).toBeNull();
    const queued = { ...a1, state: "queued" as const, queuedAt: later(2), recipients: 3 };
    expect(await db.store.announcements.update(queued, "cancelled")).toBe(false);
    expect(await db.store.announcements.update(queued, "scheduled")).toBe(true);
    expect(await db.store.announcements.update({ ...queued, state: "cancelled" }, "scheduled")).toBe(false);
    expect(await db.store.announcements.get("A-1")).toEqual(queued);
    expect((await db.store.announcements.list(undefined, 10)).map((a) => a.id)).toEqual(["A-2", "A-1"]);
    expect((await db.store.announcements.list("15054", 10)).map((a) => a.id)).toEqual(["A-1"]);
    expect(await db.store.announcements.get({ $ne: null } as unknown as string)).toBeNull();
  });

  it("finds the scheduled announcements whose time has come, oldest time first", async () => {
    await db.store.announcements.insert(announcement("A-1", { at: later(60) }));
    await db.store.announcements.insert(announcement("A-2", { at: later(10) }));
    await db.store.announcements.insert(announcement("A-3", { at: later(5), state: "cancelled" }));
    await db.store.announcements.insert(announcement("A-4", { at: later(1), state: "queued" }));
    await db.store.announcements.insert(announcement("A-5", { at: later(20) }));
    expect((await db.store.announcements.due(later(30), 10)).map((a) => a.id)).toEqual(["A-2", "A-5"]);
    expect((await db.store.announcements.due(later(30), 1)).map((a) => a.id)).toEqual(["A-2"]);
    expect(await db.store.announcements.due(later(9), 10)).toEqual([]);
  });

  it("finds the latest announcement sent to a municipality's subscribers within a time, by its time, the last created of a tie", async () => {
    const none = await db.store.announcements.latestSent("15054", T0, later(1000));
    expect(none).toBeNull();
    // Created first, sent last (it was scheduled ahead): it is the latest.
    await db.store.announcements.insert(announcement("A-1", { at: later(300), state: "queued", createdAt: later(0) }));
    await db.store.announcements.insert(announcement("A-2", { at: later(100), state: "queued", createdAt: later(10) }));
    // Newer but not for subscribers, not sent, withdrawn, of another municipality, still ahead, too old.
    await db.store.announcements.insert(announcement("A-3", { at: later(400), state: "queued", audiences: ["groups"], createdAt: later(20) }));
    await db.store.announcements.insert(announcement("A-4", { at: later(400), state: "scheduled", createdAt: later(30) }));
    await db.store.announcements.insert(announcement("A-5", { at: later(400), state: "cancelled", createdAt: later(40) }));
    await db.store.announcements.insert(announcement("A-6", { at: later(400), state: "queued", municipality: "15106", createdAt: later(50) }));
    await db.store.announcements.insert(announcement("A-7", { at: later(900), state: "queued", createdAt: later(60) }));
    await db.store.announcements.insert(announcement("A-8", { at: later(50), state: "queued", audiences: ["subscribers"], createdAt: later(70) }));
    expect((await db.store.announcements.latestSent("15054", later(0), later(500)))?.id).toBe("A-1");
    expect((await db.store.announcements.latestSent("15054", later(0), later(200)))?.id).toBe("A-2");
    expect((await db.store.announcements.latestSent("15054", later(0), later(60)))?.id).toBe("A-8");
    expect(await db.store.announcements.latestSent("15054", later(301), later(500))).toBeNull();
    // Two at the same time: the one created last.
    await db.store.announcements.insert(announcement("A-9", { at: later(300), state: "queued", createdAt: later(80) }));
    expect((await db.store.announcements.latestSent("15054", later(0), later(500)))?.id).toBe("A-9");
    expect(await db.store.announcements.latestSent({ $ne: null } as unknown as string, later(0), later(500))).toBeNull();
  });

  it("keeps one subscription per citizen and municipality; drops one, or all of a citizen's", async () => {
    expect(await db.store.subscriptions.add(subscription("telegram:1", "15054", 1))).toBe(true);
    expect(await db.store.subscriptions.add(subscription("telegram:1", "15054", 9))).toBe(false);
    expect(await db.store.subscriptions.add(subscription("telegram:1", "15106", 2))).toBe(true);
    expect(await db.store.subscriptions.add(subscription("whatsapp:5215512345678", "15054", 3))).toBe(true);
    await db.reopen();
    expect(await db.store.subscriptions.forMunicipality("15054")).toEqual([
      subscription("telegram:1", "15054", 1),
      subscription("whatsapp:5215512345678", "15054", 3),
    ]);
    expect((await db.store.subscriptions.forCitizen("telegram:1")).map((s) => s.municipality)).toEqual(["15054", "15106"]);
    expect(await db.store.subscriptions.remove("telegram:1", "15106")).toBe(true);
    expect(await db.store.subscriptions.remove("telegram:1", "15106")).toBe(false);
    expect(await db.store.subscriptions.add(subscription("telegram:1", "15106", 4))).toBe(true);
    expect(await db.store.subscriptions.dropCitizen("telegram:1")).toBe(2);
    expect(await db.store.subscriptions.forCitizen("telegram:1")).toEqual([]);
    expect((await db.store.subscriptions.forMunicipality("15054")).map((s) => s.citizen)).toEqual(["whatsapp:5215512345678"]);
    expect(await db.store.subscriptions.forMunicipality({ $ne: null } as unknown as string)).toEqual([]);
  });

  it("counts an announcement's outbox rows by state", async () => {
    const row = (id: string, chatId: string, ref: string) => ({
      id,
      channel: "telegram" as const,
      chatId,
      kind: "announcement",
      ref,
      payload: { id, lang: "es-MX" as const, text: "Aviso" },
      createdAt: T0,
    });
    await db.store.outbox.add([row("a1:1", "1", "A-1"), row("a1:2", "2", "A-1"), row("a1:3", "3", "A-1"), row("a2:1", "1", "A-2")]);
    const claimed = await db.store.outbox.claim("telegram", "w", later(1), 60_000, 10);
    const one = claimed.find((i) => i.id === "a1:1");
    const two = claimed.find((i) => i.id === "a1:2");
    expect(one && two).toBeTruthy();
    await db.store.outbox.markSent("a1:1", "w", later(1), "77");
    await db.store.outbox.markFailed("a1:2", "w", "permanent", later(1));
    expect(await db.store.outbox.countByRef("A-1")).toEqual({ pending: 0, sending: 1, sent: 1, failed: 1 });
    expect(await db.store.outbox.countByRef("A-3")).toEqual({ pending: 0, sending: 0, sent: 0, failed: 0 });
  });
});

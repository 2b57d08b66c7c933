/**
 * The outbox part of the store contract (see db.store.contract.test.ts): adding is idempotent, items
 * of one chat go out in order, a claim is held by one worker, a crashed worker's claim is taken over
 * after its lease, and an item recorded as sent is never sent again — also across a restart.
 */
import { describe, expect, it } from "vitest";
import { HELD_PAST_LEASE_MS } from "../src/store/outbox-rule.js";
import type { NewOutboxItem } from "../src/store/ports.js";
import { contractStores, freshStore } from "./helpers/contract-stores.js";

// Times relative to now: the stores' TTL indexes use the real clock.
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const LEASE = 60_000;

function item(id: string, chatId: string, createdAt = T0, more: Partial<NewOutboxItem> = {}): NewOutboxItem {
  return { id, channel: "telegram", chatId, kind: "notice", payload: { id: `p-${id}`, lang: "es-MX", text: `aviso ${id}` }, createdAt, ...more };
}

describe.each(contractStores)("%s store: outbox", (_name, open) => {
  const db = freshStore(open);

  it("adds an item once: the same id again is ignored", async () => {
    expect(await db.store.outbox.add([item("a", "1"), item("b", "2")])).toBe(2);
    expect(await db.store.outbox.add([item("a", "1"), item("c", "3")])).toBe(1);
    const a = await db.store.outbox.get("a");
    expect(a).toMatchObject({ id: "a", channel: "telegram", chatId: "1", kind: "notice", state: "pending", attempts: 0, ref: null });
    expect(a?.payload?.text).toBe("aviso a");
    expect(a?.notBefore).toEqual(T0);
    expect(await db.store.outbox.depth()).toEqual({ unsent: 3, oldest: T0 });
  });

  it("claims due items only, at most one per chat and the oldest first; one worker holds each", async () => {
    await db.store.outbox.add([
      item("late", "1", at(2)),
      item("first", "1", at(1)),
      item("other-chat", "2", at(3)),
      item("scheduled", "3", at(0), { notBefore: at(3600) }),
      { ...item("whatsapp", "4"), channel: "whatsapp" },
    ]);
    const claimed = await db.store.outbox.claim("telegram", "w1", at(10), LEASE, 10);
    expect(claimed.map((i) => i.id)).toEqual(["first", "other-chat"]);
    expect(claimed[0]).toMatchObject({ state: "sending", owner: "w1", attempts: 1 });
    // Another worker finds nothing: the heads are held, "late" waits behind "first".
    expect(await db.store.outbox.claim("telegram", "w2", at(11), LEASE, 10)).toEqual([]);
    expect(await db.store.outbox.markSent("first", "w1", at(12), "tg-100")).toBe(true);
    expect((await db.store.outbox.claim("telegram", "w2", at(13), LEASE, 10)).map((i) => i.id)).toEqual(["late"]);
    await db.store.outbox.markSent("late", "w2", at(14), null);
    await db.store.outbox.markSent("other-chat", "w1", at(14), null);
    // The scheduled one comes when its time comes.
    expect(await db.store.outbox.claim("telegram", "w2", at(3599), LEASE, 10)).toEqual([]);
    expect((await db.store.outbox.claim("telegram", "w2", at(3601), LEASE, 10)).map((i) => i.id)).toEqual(["scheduled"]);
  });

  it("of many concurrent claims, each item goes to one worker", async () => {
    await db.store.outbox.add(Array.from({ length: 30 }, (_, n) => item(`m${n}`, `chat${n}`, at(n))));
    const batches = await Promise.all(Array.from({ length: 6 }, (_, w) => db.store.outbox.claim("telegram", `w${w}`, at(100), LEASE, 10)));
    const ids = batches.flat().map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(30);
  });

  it("a retry waits for its backoff and holds back the later items of its chat", async () => {
    await db.store.outbox.add([item("x1", "9", at(0)), item("x2", "9", at(1))]);
    const [x1] = await db.store.outbox.claim("telegram", "w1", at(5), LEASE, 10);
    await db.store.outbox.markRetry(x1.id, "w1", at(65), "network");
    expect(await db.store.outbox.claim("telegram", "w1", at(30), LEASE, 10)).toEqual([]);
    const again = await db.store.outbox.claim("telegram", "w1", at(66), LEASE, 10);
    expect(again.map((i) => i.id)).toEqual(["x1"]);
    expect(again[0]).toMatchObject({ attempts: 2, error: "network" });
    // The channel comes back: the retry may go now, before its pause is over.
    await db.store.outbox.markRetry("x1", "w1", at(3600), "network");
    await db.store.outbox.retryNow("telegram", at(70));
    expect((await db.store.outbox.claim("telegram", "w1", at(70), LEASE, 10)).map((i) => i.id)).toEqual(["x1"]);
    await db.store.outbox.markFailed("x1", "w1", "blocked", at(71));
    expect(await db.store.outbox.get("x1")).toMatchObject({ state: "failed", failedAt: at(71), error: "blocked" });
    // A failed item no longer holds its chat.
    expect((await db.store.outbox.claim("telegram", "w1", at(67), LEASE, 10)).map((i) => i.id)).toEqual(["x2"]);
  });

  it("a worker that died holding an item loses it after the lease, and its late record is refused: sent once", async () => {
    await db.store.outbox.add([item("n1", "7")]);
    await db.store.outbox.claim("telegram", "dead", at(0), LEASE, 10);
    await db.reopen();
    // Within the lease nobody else may send it.
    expect(await db.store.outbox.claim("telegram", "w2", at(30), LEASE, 10)).toEqual([]);
    const taken = await db.store.outbox.claim("telegram", "w2", at(61), LEASE, 10);
    expect(taken.map((i) => i.id)).toEqual(["n1"]);
    expect(await db.store.outbox.markSent("n1", "w2", at(62), "tg-7")).toBe(true);
    // The dead worker's record arrives late: refused, the item stays sent by w2.
    expect(await db.store.outbox.markSent("n1", "dead", at(63), "tg-dup")).toBe(false);
    await db.store.outbox.markRetry("n1", "dead", at(64), "late");
    const sent = await db.store.outbox.get("n1");
    expect(sent).toMatchObject({ state: "sent", owner: "w2", platformId: "tg-7", sentAt: at(62) });
    // Sent is final: no claim returns it again, after a restart neither.
    await db.reopen();
    expect(await db.store.outbox.claim("telegram", "w3", at(10_000), LEASE, 10)).toEqual([]);
    expect(await db.store.outbox.depth()).toEqual({ unsent: 0, oldest: null });
  });

  it("records delivery receipts by the platform's id, only forward, on its channel; a payload keeps a notice's meaning", async () => {
    const notice = { kind: "report_status" as const, params: { folio: "MET-2026-000001", category: "Baches", status: "En revisión" } };
    await db.store.outbox.add([
      { ...item("w", "5"), channel: "whatsapp", payload: { id: "p-w", lang: "es-MX", text: "aviso", notice } },
      { ...item("w2", "6"), channel: "whatsapp" },
    ]);
    expect((await db.store.outbox.get("w"))?.payload?.notice).toEqual(notice);
    const [w, w2] = await db.store.outbox.claim("whatsapp", "w1", at(1), LEASE, 10);
    await db.store.outbox.markSent(w.id, "w1", at(2), "wamid.A");
    await db.store.outbox.markSent(w2.id, "w1", at(2), "wamid.B");
    expect(await db.store.outbox.markReceipt("telegram", "wamid.A", "delivered", null)).toBe(false);
    expect(await db.store.outbox.markReceipt("whatsapp", "wamid.unknown", "delivered", null)).toBe(false);
    expect(await db.store.outbox.markReceipt("whatsapp", "wamid.A", "read", null)).toBe(true);
    // A "delivered" that arrives after "read" changes nothing; the same receipt twice neither.
    expect(await db.store.outbox.markReceipt("whatsapp", "wamid.A", "delivered", null)).toBe(false);
    expect(await db.store.outbox.markReceipt("whatsapp", "wamid.A", "read", null)).toBe(false);
    expect(await db.store.outbox.get("w")).toMatchObject({ state: "sent", receipt: "read", error: null });
    expect(await db.store.outbox.markReceipt("whatsapp", "wamid.B", "failed", "whatsapp_131026")).toBe(true);
    expect(await db.store.outbox.markReceipt("whatsapp", "wamid.B", "read", null)).toBe(false);
    expect(await db.store.outbox.get("w2")).toMatchObject({ receipt: "failed", error: "whatsapp_131026" });
  });

  it("lists the unsent items of one chat in order", async () => {
    await db.store.outbox.add([item("u2", "5", at(2)), item("u1", "5", at(1)), item("u3", "5", at(2), { seq: 1 }), item("v", "6")]);
    const claimed = await db.store.outbox.claim("telegram", "w", at(3), LEASE, 10);
    expect(claimed.map((i) => i.id)).toEqual(["v", "u1"]);
    await db.store.outbox.markSent("u1", "w", at(4), null);
    expect((await db.store.outbox.unsentFor("telegram", "5")).map((i) => i.id)).toEqual(["u2", "u3"]);
  });

  it("a live turn claims a chat's waiting messages in order, backoff aside, stopping at a scheduled one or one held by a worker", async () => {
    await db.store.outbox.add([
      item("c1", "8", at(1)),
      item("c2", "8", at(2)),
      item("c3", "8", at(3), { notBefore: at(3600) }),
      item("c4", "8", at(4)),
      item("d1", "9", at(1)),
    ]);
    // c1 failed once and waits for its backoff: a live turn sends it anyway.
    const [c1] = await db.store.outbox.claim("telegram", "w", at(5), LEASE, 1);
    await db.store.outbox.markRetry(c1.id, "w", at(600), "network");
    const live = await db.store.outbox.claimChat("telegram", "8", "turn", at(6), LEASE);
    expect(live.map((i) => i.id)).toEqual(["c1", "c2"]);
    expect(live.every((i) => i.state === "sending" && i.owner === "turn")).toBe(true);
    // Held by the turn now: neither a worker nor another turn gets them.
    expect((await db.store.outbox.claim("telegram", "w", at(30), LEASE, 10)).map((i) => i.id)).toEqual(["d1"]);
    expect(await db.store.outbox.claimChat("telegram", "8", "other", at(7), LEASE)).toEqual([]);
    for (const i of live) await db.store.outbox.markSent(i.id, "turn", at(8), null);
    // c3 is scheduled for later, and c4 waits behind it.
    expect(await db.store.outbox.claimChat("telegram", "8", "turn", at(9), LEASE)).toEqual([]);
    expect((await db.store.outbox.claimChat("telegram", "8", "turn", at(3601), LEASE)).map((i) => i.id)).toEqual(["c3", "c4"]);
  });

  it("keeps no payload once an item is sent or given up: what went to a chat is not stored, also after a restart", async () => {
    await db.store.outbox.add([item("s", "1"), item("f", "2")]);
    await db.store.outbox.claim("telegram", "w", at(1), LEASE, 10);
    await db.store.outbox.markSent("s", "w", at(2), "tg-1");
    await db.store.outbox.markFailed("f", "w", "permanent", at(2));
    await db.reopen();
    expect(await db.store.outbox.get("s")).toMatchObject({ state: "sent", payload: null, platformId: "tg-1", sentAt: at(2) });
    expect(await db.store.outbox.get("f")).toMatchObject({ state: "failed", payload: null, failedAt: at(2), error: "permanent" });
    // The row stays, so writing the same id again (an announcement after a crash) adds none.
    expect(await db.store.outbox.add([item("s", "1"), item("f", "2")])).toBe(0);
  });

  it("withdraws an item its worker holds, leaving nothing of it; not one waiting, nor one another worker holds", async () => {
    await db.store.outbox.add(
      [item("w1", "50", at(0)), item("w2", "50", at(1)), item("other", "51", at(0)), item("waiting", "52", at(0))].map((i) => ({ ...i, ref: "A-9" })),
    );
    const claimed = await db.store.outbox.claim("telegram", "w", at(10), LEASE, 2);
    expect(claimed.map((i) => i.id).sort()).toEqual(["other", "w1"]);
    expect(await db.store.outbox.withdraw("w1", "someone-else")).toBe(false);
    expect(await db.store.outbox.withdraw("waiting", "w")).toBe(false);
    expect(await db.store.outbox.withdraw("w1", "w")).toBe(true);
    expect(await db.store.outbox.withdraw("w1", "w")).toBe(false);
    expect(await db.store.outbox.get("w1")).toBeNull();
    expect(await db.store.outbox.get("waiting")).toMatchObject({ state: "pending" });
    // The chat's next item is its head now; the worker's record of the withdrawn one finds nothing.
    expect(await db.store.outbox.markSent("w1", "w", at(11), null)).toBe(false);
    expect((await db.store.outbox.claimChat("telegram", "50", "turn", at(12), LEASE)).map((i) => i.id)).toEqual(["w2"]);
    expect(await db.store.outbox.depth()).toEqual({ unsent: 3, oldest: at(0) });
    expect(await db.store.outbox.countByRef("A-9")).toEqual({ pending: 1, sending: 2, sent: 0, failed: 0 });
    await db.reopen();
    expect(await db.store.outbox.get("w1")).toBeNull();
    expect((await db.store.outbox.unsentFor("telegram", "50")).map((i) => i.id)).toEqual(["w2"]);
  });

  it("gives up, without their text, the items created before a time, tried or not, unless held now; later ones, held ones and ones scheduled and never tried stay", async () => {
    await db.store.outbox.add([
      { ...item("web-old", "s1", at(0)), channel: "web" },
      { ...item("web-old-2", "s1", at(1)), channel: "web" },
      { ...item("web-new", "s2", at(100)), channel: "web" },
      item("retrying", "60", at(0), { notBefore: at(5) }),
      item("scheduled", "61", at(0), { notBefore: at(3600) }),
      item("held", "62", at(0)),
      item("dead-worker", "63", at(0)),
      item("sent", "64", at(0)),
    ]);
    expect((await db.store.outbox.claim("telegram", "w", at(10), LEASE, 10)).map((i) => i.id).sort()).toEqual(["dead-worker", "held", "retrying", "sent"]);
    await db.store.outbox.markSent("sent", "w", at(11), null);
    // Put off past the time (a WhatsApp notice waiting for the chat's 24 hours): given up all the same.
    await db.store.outbox.markRetry("retrying", "w", at(30 * 86_400), "window");
    // A worker holds "held" again at 50 s; the lease of "dead-worker" ran out at 70 s.
    await db.store.outbox.markRetry("held", "w", at(0), "network");
    expect((await db.store.outbox.claimChat("telegram", "62", "w2", at(50), LEASE)).map((i) => i.id)).toEqual(["held"]);

    expect(await db.store.outbox.giveUpWaiting(at(50), at(80))).toBe(3);
    // Its lease ran out 10 s ago: its sender may still be at it (waiting for a web page's acknowledgement).
    expect(await db.store.outbox.get("dead-worker")).toMatchObject({ state: "sending", owner: "w" });
    // An hour later no sender is: given up ("held", whose lease ran out at 110 s, not yet).
    const late = at(70 + HELD_PAST_LEASE_MS / 1000 + 1);
    expect(await db.store.outbox.giveUpWaiting(at(50), late)).toBe(1);
    for (const id of ["web-old", "web-old-2", "dead-worker", "retrying"]) {
      const given = await db.store.outbox.get(id);
      expect(given).toMatchObject({ state: "failed", error: "never_reached", failedAt: id === "dead-worker" ? late : at(80), owner: null });
      expect(given?.payload).toBeNull();
    }
    expect(await db.store.outbox.get("web-new")).toMatchObject({ state: "pending" });
    expect(await db.store.outbox.get("scheduled")).toMatchObject({ state: "pending" });
    expect(await db.store.outbox.get("held")).toMatchObject({ state: "sending", owner: "w2" });
    expect(await db.store.outbox.get("sent")).toMatchObject({ state: "sent" });
    expect(await db.store.outbox.unsentFor("web", "s1")).toEqual([]);
    expect(await db.store.outbox.depth()).toEqual({ unsent: 3, oldest: at(0) });
    expect(await db.store.outbox.giveUpWaiting(at(50), late)).toBe(0);
    await db.reopen();
    expect(await db.store.outbox.get("web-old")).toMatchObject({ state: "failed", payload: null });
    expect((await db.store.outbox.unsentFor("web", "s2")).map((i) => i.id)).toEqual(["web-new"]);
  });

  it("forgets one chat's items, sent, given up, waiting or being sent; other chats and channels keep theirs", async () => {
    await db.store.outbox.add([
      item("sent", "40", at(0)),
      item("waiting", "40", at(5)),
      item("scheduled", "40", at(6), { notBefore: at(3600) }),
      item("given-up", "41", at(0)),
      item("in-flight", "42", at(0)),
      item("other-chat", "43", at(0)),
      { ...item("other-channel", "40"), channel: "whatsapp" },
    ]);
    const claimed = await db.store.outbox.claim("telegram", "w", at(10), LEASE, 10);
    expect(claimed.map((i) => i.id).sort()).toEqual(["given-up", "in-flight", "other-chat", "sent"]);
    await db.store.outbox.markSent("sent", "w", at(11), null);
    await db.store.outbox.markFailed("given-up", "w", "attempts", at(11));
    await db.store.outbox.markSent("other-chat", "w", at(11), null);
    expect(await db.store.outbox.forgetChat("telegram", "40")).toBe(3);
    expect(await db.store.outbox.forgetChat("telegram", "41")).toBe(1);
    // Being sent right now: gone too. Its worker's record finds nothing, and a failed attempt leaves nothing to try again.
    expect(await db.store.outbox.forgetChat("telegram", "42")).toBe(1);
    expect(await db.store.outbox.markSent("in-flight", "w", at(12), null)).toBe(false);
    await db.store.outbox.markRetry("in-flight", "w", at(12), "network");
    for (const id of ["sent", "waiting", "scheduled", "given-up", "in-flight"]) expect(await db.store.outbox.get(id), id).toBeNull();
    for (const id of ["other-chat", "other-channel"]) expect(await db.store.outbox.get(id), id).not.toBeNull();
    await db.reopen();
    expect(await db.store.outbox.unsentFor("telegram", "40")).toEqual([]);
    expect(await db.store.outbox.claim("telegram", "w2", at(10_000), LEASE, 10)).toEqual([]);
    expect(await db.store.outbox.forgetChat("telegram", "40")).toBe(0);
  });
});

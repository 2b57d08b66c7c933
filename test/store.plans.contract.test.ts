/**
 * The plans part of the store contract: plans by municipality, commitments written on the version
 * they were read at, those with notices still to queue, those a report is linked to, and who follows them.
 */
import { describe, expect, it } from "vitest";
import type { Commitment, Plan } from "../src/domain/model/plan.js";
import { DuplicateError } from "../src/store/ports.js";
import { contractStores, freshStore } from "./helpers/contract-stores.js";

const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const later = (s: number) => new Date(T0.getTime() + s * 1000);

const plan = (municipality: string, more: Partial<Plan> = {}): Plan => ({
  municipality,
  title: `Plan ${municipality}`,
  period: { start: "2026-01-01", end: "2027-12-31" },
  state: "en_implementacion",
  example: false,
  createdAt: T0,
  updatedAt: T0,
  ...more,
});

function commitment(municipality: string, number: number, more: Partial<Commitment> = {}): Commitment {
  return {
    id: `${municipality}-${number}`,
    municipality,
    number,
    title: `Compromiso ${number}`,
    problem: "Problema",
    baseline: "Línea base",
    objective: "Objetivo",
    actions: "Acciones",
    responsible: "Dirección",
    coResponsible: "Colectivo",
    principles: ["transparencia", "participacion"],
    start: "2026-02-01",
    end: "2026-12-15",
    state: "vigente",
    milestones: [
      { number: 1, title: "Censo", due: "2026-03-31", done: "2026-03-30", evidence: "https://example.org/c", weight: 1, reason: null },
      { number: 2, title: "Tablero", due: "2026-06-30", done: null, evidence: null, weight: 2, reason: "Lluvias" },
    ],
    indicators: [{ number: 1, name: "Luminarias", unit: "%", baseline: 65, target: 95, current: 72.5, date: null }],
    reports: [],
    changes: [],
    version: 1,
    dispatched: 1,
    dispatchPending: false,
    createdAt: T0,
    updatedAt: T0,
    ...more,
  };
}

describe.each(contractStores)("%s store: plans", (_name, open) => {
  const db = freshStore(open);

  it("keeps one plan per municipality, replaced by a newer one", async () => {
    await db.store.plans.save(plan("15106"));
    await db.store.plans.save(plan("15054"));
    await db.store.plans.save(plan("15054", { state: "concluido", example: true, updatedAt: later(5) }));
    await db.reopen();
    expect(await db.store.plans.get("15054")).toEqual(plan("15054", { state: "concluido", example: true, updatedAt: later(5) }));
    expect(await db.store.plans.get("15001")).toBeNull();
    expect((await db.store.plans.list()).map((p) => p.municipality)).toEqual(["15054", "15106"]);
    expect(await db.store.plans.get({ $ne: null } as unknown as string)).toBeNull();
  });

  it("keeps commitments whole, by number; a second insert of one is refused; an update on an old version writes nothing", async () => {
    const c1 = commitment("15054", 1, {
      reports: ["r1"],
      changes: [
        { version: 2, at: later(1), by: "m1", kind: "milestone_done", milestone: 1, done: "2026-03-30", evidence: null },
        { version: 3, at: later(2), by: "admin", kind: "milestone_moved", milestone: 2, from: "2026-05-31", to: "2026-06-30", reason: "Lluvias" },
        { version: 3, at: later(2), by: "admin", kind: "indicator_updated", indicator: 1, from: 60, to: 72.5, date: "2026-04-01" },
      ],
      version: 3,
    });
    await db.store.commitments.insert(commitment("15054", 2));
    await db.store.commitments.insert(c1);
    await db.store.commitments.insert(commitment("15106", 1));
    await expect(db.store.commitments.insert(commitment("15054", 1))).rejects.toBeInstanceOf(DuplicateError);
    await db.reopen();
    expect(await db.store.commitments.get("15054-1")).toEqual(c1);
    expect((await db.store.commitments.forMunicipality("15054")).map((c) => c.id)).toEqual(["15054-1", "15054-2"]);
    expect((await db.store.commitments.withReport("r1")).map((c) => c.id)).toEqual(["15054-1"]);
    expect(await db.store.commitments.withReport("r2")).toEqual([]);
    const next = { ...c1, title: "Nuevo", version: 4 };
    expect(await db.store.commitments.update(next, 2)).toBe(false);
    expect(await db.store.commitments.update(next, 3)).toBe(true);
    expect(await db.store.commitments.update({ ...next, version: 5 }, 3)).toBe(false);
    expect((await db.store.commitments.get("15054-1"))?.title).toBe("Nuevo");
  });

  it("lists the commitments with notices to queue, oldest change first, and marks them done unless they changed meanwhile", async () => {
    await db.store.commitments.insert(commitment("15054", 1, { version: 2, dispatchPending: true, updatedAt: later(10) }));
    await db.store.commitments.insert(commitment("15054", 2, { version: 3, dispatched: 1, dispatchPending: true, updatedAt: later(5) }));
    await db.store.commitments.insert(commitment("15054", 3));
    expect((await db.store.commitments.undispatched(10)).map((c) => c.id)).toEqual(["15054-2", "15054-1"]);
    expect((await db.store.commitments.undispatched(1)).map((c) => c.id)).toEqual(["15054-2"]);
    await db.store.commitments.markDispatched("15054-1", 2);
    // Version 2 of commitment 2 is queued, but it is at 3 now: it stays pending.
    await db.store.commitments.markDispatched("15054-2", 2);
    await db.reopen();
    expect(await db.store.commitments.get("15054-1")).toMatchObject({ dispatched: 2, dispatchPending: false });
    expect(await db.store.commitments.get("15054-2")).toMatchObject({ dispatched: 2, dispatchPending: true });
    expect((await db.store.commitments.undispatched(10)).map((c) => c.id)).toEqual(["15054-2"]);
  });

  it("keeps who follows a commitment, once each; unfollows one; drops every follow of a citizen", async () => {
    expect(await db.store.commitmentFollows.add({ commitment: "15054-1", citizen: "telegram:1", since: T0 })).toBe(true);
    expect(await db.store.commitmentFollows.add({ commitment: "15054-1", citizen: "telegram:1", since: later(1) })).toBe(false);
    await db.store.commitmentFollows.add({ commitment: "15054-1", citizen: "web:abc", since: later(2) });
    await db.store.commitmentFollows.add({ commitment: "15054-2", citizen: "telegram:1", since: later(3) });
    await db.reopen();
    expect(await db.store.commitmentFollows.get("15054-1", "telegram:1")).toEqual({ commitment: "15054-1", citizen: "telegram:1", since: T0 });
    expect((await db.store.commitmentFollows.forCommitment("15054-1")).map((f) => f.citizen)).toEqual(["telegram:1", "web:abc"]);
    expect((await db.store.commitmentFollows.forCitizen("telegram:1")).map((f) => f.commitment)).toEqual(["15054-1", "15054-2"]);
    expect(await db.store.commitmentFollows.remove("15054-1", "web:abc")).toBe(true);
    expect(await db.store.commitmentFollows.remove("15054-1", "web:abc")).toBe(false);
    expect(await db.store.commitmentFollows.dropCitizen("telegram:1")).toBe(2);
    expect(await db.store.commitmentFollows.forCommitment("15054-1")).toEqual([]);
  });
});

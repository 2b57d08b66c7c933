/** The report-lifecycle part of the store contract: changes only on the version read, what is left to dispatch, lists and counts. */
import { describe, expect, it } from "vitest";
import { contractStores, freshStore } from "./helpers/contract-stores.js";
import { sampleReport as report } from "./helpers/reports.js";

const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe.each(contractStores)("%s store: report lifecycle", (_name, open) => {
  const db = freshStore(open);

  it("a change is written only on the version it was made from; two at once, one wins", async () => {
    const r = report({ createdAt: at(0), updatedAt: at(0) });
    await db.store.reports.insert(r);
    const change = (status: string, by: string) => ({
      ...r,
      status,
      version: 2,
      history: [...r.history, { status, at: at(1), by, note: null, kind: "status" as const, area: null, version: 2 }],
      notes: [{ at: at(1), by, text: "nota" }],
      dispatchPending: true,
      updatedAt: at(1),
    });
    const results = await Promise.all([db.store.reports.update(change("en_revision", "m1"), 1), db.store.reports.update(change("no_procede", "m2"), 1)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await db.store.reports.byId(r.id);
    expect(stored?.version).toBe(2);
    expect(stored?.history).toHaveLength(2);
    expect(stored?.notes[0].text).toBe("nota");
    expect(await db.store.reports.update(change("resuelto", "m3"), 1)).toBe(false);
    await db.reopen();
    expect((await db.store.reports.byFolio(r.folio))?.status).toBe(stored?.status);
  });

  it("finds what is left to dispatch, and keeps it pending when the report changed since", async () => {
    const a = report({ folio: "MET-2026-000001", updatedAt: at(2) });
    const b = report({ folio: "MET-2026-000002", updatedAt: at(1) });
    const done = report({ folio: "MET-2026-000003", dispatchPending: false, dispatched: 1 });
    for (const r of [a, b, done]) await db.store.reports.insert(r);
    expect((await db.store.reports.undispatched(10)).map((r) => r.folio)).toEqual(["MET-2026-000002", "MET-2026-000001"]);
    await db.store.reports.markDispatched(b.id, 1);
    expect(await db.store.reports.byId(b.id)).toMatchObject({ dispatched: 1, dispatchPending: false });
    // `a` changes (version 2) while version 1's notices are being queued.
    await db.store.reports.update({ ...a, version: 2, dispatchPending: true, updatedAt: at(3) }, 1);
    await db.store.reports.markDispatched(a.id, 1);
    expect(await db.store.reports.byId(a.id)).toMatchObject({ version: 2, dispatched: 1, dispatchPending: true });
    expect((await db.store.reports.undispatched(10)).map((r) => r.folio)).toEqual(["MET-2026-000001"]);
    await db.store.reports.markDispatched(a.id, 2);
    expect(await db.store.reports.undispatched(10)).toEqual([]);
  });

  it("lists by municipality, statuses, category and dates, newest first, and counts per status", async () => {
    const rows = [
      report({ folio: "MET-2026-000001", createdAt: at(1) }),
      report({ folio: "MET-2026-000002", createdAt: at(2), status: "en_revision" }),
      report({ folio: "MET-2026-000003", createdAt: at(3), category: "agua" }),
      report({ folio: "TOL-2026-000001", createdAt: at(4), municipality: "15106" }),
    ];
    for (const r of rows) await db.store.reports.insert(r);
    expect((await db.store.reports.list({ municipality: "15054" }, 10)).map((r) => r.folio)).toEqual(["MET-2026-000003", "MET-2026-000002", "MET-2026-000001"]);
    expect((await db.store.reports.list({ municipality: "15054", statuses: ["en_revision"] }, 10)).map((r) => r.folio)).toEqual(["MET-2026-000002"]);
    expect((await db.store.reports.list({ category: "agua" }, 10)).map((r) => r.folio)).toEqual(["MET-2026-000003"]);
    expect((await db.store.reports.list({ since: at(2), until: at(4) }, 10)).map((r) => r.folio)).toEqual(["MET-2026-000003", "MET-2026-000002"]);
    expect((await db.store.reports.list({}, 1)).map((r) => r.folio)).toEqual(["TOL-2026-000001"]);
    expect(await db.store.reports.countByStatus({ municipality: "15054" })).toEqual({ recibido: 2, en_revision: 1 });
    expect(await db.store.reports.list({ municipality: { $ne: null } as unknown as string }, 10)).toEqual([]);
  });
});

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

  it("finds open reports of a category near a point, nearest first, or in a municipality, newest first", async () => {
    const here = { latitude: 19.2566, longitude: -99.6047 };
    const north = (m: number) => ({ latitude: here.latitude + m / 111_195, longitude: here.longitude });
    const open = ["recibido", "en_revision", "canalizado", "en_atencion"];
    const rows = [
      report({ folio: "MET-2026-000001", location: north(100), createdAt: at(1) }),
      report({ folio: "MET-2026-000002", location: here, createdAt: at(2) }),
      report({ folio: "MET-2026-000003", location: north(200), createdAt: at(3) }),
      report({ folio: "MET-2026-000004", location: here, category: "agua", createdAt: at(4) }),
      report({ folio: "MET-2026-000005", location: here, status: "resuelto", createdAt: at(5) }),
      report({ folio: "MET-2026-000006", location: here, createdAt: at(-100) }),
      report({ folio: "MET-2026-000007", location: null, createdAt: at(7) }),
      // Across the municipal border, 140 m away: the same street, another municipality.
      report({ folio: "TOL-2026-000001", municipality: "15106", location: north(-140), createdAt: at(8), status: "en_atencion" }),
    ];
    for (const r of rows) await db.store.reports.insert(r);
    const near = await db.store.reports.nearby({ category: "baches", statuses: open, since: at(0), where: { point: here, meters: 150 }, limit: 5 });
    expect(near.map((r) => r.folio)).toEqual(["MET-2026-000002", "MET-2026-000001", "TOL-2026-000001"]);
    expect(near[0].location).toEqual(here);
    expect(
      (await db.store.reports.nearby({ category: "baches", statuses: open, since: at(0), where: { point: here, meters: 150 }, limit: 1 })).map((r) => r.folio),
    ).toEqual(["MET-2026-000002"]);
    const inMunicipality = await db.store.reports.nearby({ category: "baches", statuses: open, since: at(0), where: { municipality: "15054" }, limit: 3 });
    expect(inMunicipality.map((r) => r.folio)).toEqual(["MET-2026-000007", "MET-2026-000003", "MET-2026-000002"]);
    expect(await db.store.reports.nearby({ category: "alumbrado", statuses: open, since: at(0), where: { point: here, meters: 150 }, limit: 5 })).toEqual([]);
    // What a citizen typed never becomes an operator.
    const hostile = { $ne: null } as unknown as string;
    expect(await db.store.reports.nearby({ category: hostile, statuses: open, since: at(0), where: { municipality: hostile }, limit: 5 })).toEqual([]);
  });

  it("of reports filed at the same moment, offers as many as the limit, each once, before older ones", async () => {
    const open = ["recibido"];
    for (let n = 1; n <= 5; n++) await db.store.reports.insert(report({ folio: `MET-2026-00000${n}`, createdAt: n === 1 ? at(1) : at(2) }));
    const offered = async (limit: number) =>
      (await db.store.reports.nearby({ category: "baches", statuses: open, since: at(0), where: { municipality: "15054" }, limit })).map((r) => r.folio);
    const sameMoment = ["MET-2026-000002", "MET-2026-000003", "MET-2026-000004", "MET-2026-000005"];
    for (const limit of [1, 3, 4]) {
      const folios = await offered(limit);
      expect(new Set(folios).size).toBe(limit);
      for (const folio of folios) expect(sameMoment).toContain(folio);
    }
    const all = await offered(10);
    expect(all.slice(0, 4).sort()).toEqual(sameMoment);
    expect(all[4]).toBe("MET-2026-000001");
  });

  it("offers the newest open reports among many, as copies, and no longer one that closed", async () => {
    const open = ["recibido", "en_revision"];
    const here = { latitude: 19.2566, longitude: -99.6047 };
    // Filed in no order of time, some of them already closed.
    const order = [7, 2, 11, 0, 9, 4, 13, 1, 12, 5, 8, 3, 10, 6];
    for (const [n, s] of order.entries()) {
      await db.store.reports.insert(
        report({ folio: `MET-2026-${String(n + 1).padStart(6, "0")}`, location: here, createdAt: at(s), status: s % 5 === 4 ? "resuelto" : "recibido" }),
      );
    }
    const newest = async (limit: number) =>
      (await db.store.reports.nearby({ category: "baches", statuses: open, since: at(1), where: { municipality: "15054" }, limit })).map((r) =>
        r.createdAt.getTime(),
      );
    expect(await newest(4)).toEqual([13, 12, 11, 10].map((s) => at(s).getTime()));
    expect(await newest(50)).toEqual([13, 12, 11, 10, 8, 7, 6, 5, 3, 2, 1].map((s) => at(s).getTime()));
    const [first] = await db.store.reports.nearby({ category: "baches", statuses: open, since: at(1), where: { point: here, meters: 10 }, limit: 1 });
    expect(first.createdAt).toEqual(at(13));
    // What the caller does with a report offered changes nothing stored.
    first.createdAt.setTime(0);
    first.history.length = 0;
    (first.location as { latitude: number }).latitude = 0;
    const again = await db.store.reports.byFolio(first.folio);
    expect(again?.createdAt).toEqual(at(13));
    expect(again?.history.length).toBeGreaterThan(0);
    expect(again?.location).toEqual(here);
    expect(await newest(0)).toEqual([]);
    // Closed, it is offered no more.
    expect(await db.store.reports.update({ ...(again as NonNullable<typeof again>), status: "resuelto", version: 2, updatedAt: at(20) }, 1)).toBe(true);
    expect(await newest(2)).toEqual([12, 11].map((s) => at(s).getTime()));
  });
});

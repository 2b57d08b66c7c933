/** The inbox part of the store contract: the panel's filters, sorts, pages, counts and the statistics' summaries, on every store. */
import { describe, expect, it } from "vitest";
import { contractStores, freshStore } from "./helpers/contract-stores.js";
import { sampleReport as report } from "./helpers/reports.js";

const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe.each(contractStores)("%s store: the secretariat's inbox", (_name, open) => {
  const db = freshStore(open);

  async function seed() {
    const rows = [
      report({
        folio: "MET-2026-000001",
        category: "baches",
        status: "recibido",
        channel: "web",
        description: "Bache enorme (cuidado) en Av. Juárez",
        createdAt: at(1),
        updatedAt: at(9),
      }),
      report({
        folio: "MET-2026-000002",
        category: "baches",
        status: "en_revision",
        channel: "telegram",
        description: "Otro BACHE junto al kiosco",
        createdAt: at(2),
        updatedAt: at(2),
      }),
      report({
        folio: "MET-2026-000003",
        category: "alumbrado",
        status: "recibido",
        channel: "web",
        description: "Lámpara fundida",
        createdAt: at(3),
        updatedAt: at(3),
      }),
      report({
        folio: "TOL-2026-000001",
        municipality: "15106",
        category: "baches",
        status: "recibido",
        channel: "web",
        description: "Bache en Toluca",
        createdAt: at(4),
        updatedAt: at(4),
      }),
      report({
        folio: "ZIN-2026-000001",
        municipality: "15118",
        category: "baches",
        status: "resuelto",
        channel: "whatsapp",
        description: "bache tapado",
        createdAt: at(5),
        updatedAt: at(5),
      }),
    ];
    for (const r of rows) await db.store.reports.insert(r);
  }
  const folios = (r: { reports: { folio: string }[] }) => r.reports.map((x) => x.folio);
  const page = { sort: "newest" as const, offset: 0, limit: 10 };

  it("keeps to the member's municipalities, filters by status, category, channel, dates and words, newest first", async () => {
    await seed();
    const { reports } = db.store;
    expect(folios(await reports.inbox({ municipalities: ["15054"] }, page))).toEqual(["MET-2026-000003", "MET-2026-000002", "MET-2026-000001"]);
    expect(folios(await reports.inbox({ municipalities: ["15054", "15106"], category: "baches" }, page))).toEqual([
      "TOL-2026-000001",
      "MET-2026-000002",
      "MET-2026-000001",
    ]);
    expect(folios(await reports.inbox({ statuses: ["resuelto"] }, page))).toEqual(["ZIN-2026-000001"]);
    // One municipality with one status, one category, or both: the narrowest lookups.
    expect(folios(await reports.inbox({ municipalities: ["15054"], statuses: ["recibido"], category: "baches" }, page))).toEqual(["MET-2026-000001"]);
    expect(folios(await reports.inbox({ municipalities: ["15054"], statuses: ["recibido"] }, page))).toEqual(["MET-2026-000003", "MET-2026-000001"]);
    expect(folios(await reports.inbox({ municipalities: ["15054"], category: "alumbrado" }, page))).toEqual(["MET-2026-000003"]);
    expect(await reports.inboxCounts({ municipalities: ["15054"], category: "baches" })).toEqual({ recibido: 1, en_revision: 1 });
    expect(folios(await reports.inbox({ municipalities: ["15054"], channel: "telegram" }, page))).toEqual(["MET-2026-000002"]);
    expect(folios(await reports.inbox({ since: at(2), until: at(4) }, page))).toEqual(["MET-2026-000003", "MET-2026-000002"]);
    // Words match whatever their case, in any order, and characters of patterns are only characters.
    expect(folios(await reports.inbox({ text: "bache" }, { ...page, sort: "oldest" }))).toEqual([
      "MET-2026-000001",
      "MET-2026-000002",
      "TOL-2026-000001",
      "ZIN-2026-000001",
    ]);
    expect(folios(await reports.inbox({ text: "juárez BACHE" }, page))).toEqual(["MET-2026-000001"]);
    // Accents aside, as people type: "juarez" finds «Juárez», "lampara" and "LÁMPARA" find «Lámpara».
    expect(folios(await reports.inbox({ text: "juarez" }, page))).toEqual(["MET-2026-000001"]);
    expect(folios(await reports.inbox({ text: "lampara" }, page))).toEqual(["MET-2026-000003"]);
    expect(folios(await reports.inbox({ text: "LÁMPARA fundída" }, page))).toEqual(["MET-2026-000003"]);
    expect(folios(await reports.inbox({ text: "(cuidado)" }, page))).toEqual(["MET-2026-000001"]);
    expect(folios(await reports.inbox({ text: ".*" }, page))).toEqual([]);
    expect(folios(await reports.inbox({ municipalities: [] }, page))).toEqual([]);
  });

  it("finds a report by its new status and category after a change", async () => {
    await seed();
    const { reports } = db.store;
    const r = (await reports.byFolio("MET-2026-000001")) as NonNullable<Awaited<ReturnType<typeof reports.byFolio>>>;
    expect(await reports.update({ ...r, status: "canalizado", category: "agua", version: r.version + 1 }, r.version)).toBe(true);
    await db.reopen();
    const m = { municipalities: ["15054"] };
    expect(folios(await db.store.reports.inbox({ ...m, statuses: ["canalizado"], category: "agua" }, page))).toEqual(["MET-2026-000001"]);
    expect(folios(await db.store.reports.inbox({ ...m, statuses: ["recibido"], category: "baches" }, page))).toEqual([]);
    expect(Object.keys((await db.store.reports.byFolio("MET-2026-000001")) ?? {}).filter((k) => k.startsWith("_"))).toEqual([]);
  });

  it("pages, sorts by the last change, counts per status and finds those old enough to be overdue", async () => {
    await seed();
    const { reports } = db.store;
    const first = await reports.inbox({}, { sort: "updated", offset: 0, limit: 2 });
    expect(first.total).toBe(5);
    expect(folios(first)).toEqual(["MET-2026-000001", "ZIN-2026-000001"]);
    expect(folios(await reports.inbox({}, { sort: "updated", offset: 4, limit: 2 }))).toEqual(["MET-2026-000002"]);
    expect(await reports.inboxCounts({ municipalities: ["15054", "15118"] })).toEqual({ recibido: 2, en_revision: 1, resuelto: 1 });
    const old = {
      createdBeforeIn: [
        { status: "recibido", before: at(3.5) },
        { status: "en_revision", before: at(1) },
      ],
    };
    expect(folios(await reports.inbox(old, page))).toEqual(["MET-2026-000003", "MET-2026-000001"]);
    expect(folios(await reports.inbox({ createdBeforeIn: [] }, page))).toEqual([]);
  });

  it("summarises reports for statistics without their description or citizen", async () => {
    await seed();
    const rows = await db.store.reports.summaries({ municipalities: ["15054"] });
    expect(rows).toHaveLength(3);
    const row = rows.find((r) => r.category === "alumbrado");
    expect(row).toMatchObject({ municipality: "15054", status: "recibido", channel: "web", createdAt: at(3) });
    expect(row?.history[0]).toMatchObject({ status: "recibido", by: "system", kind: "status" });
    expect(Object.keys(row ?? {}).sort()).toEqual(["category", "channel", "createdAt", "history", "id", "municipality", "status"]);
  });
});

/** The secretariat's operations on a report: permissions, the lifecycle, versions, and the audit trail. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Areas } from "../src/domain/areas.js";
import type { Member } from "../src/domain/model/member.js";
import { Lifecycle } from "../src/domain/statuses.js";
import { Triage } from "../src/domain/triage.js";
import { loadTexts } from "../src/locale/texts.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import type { Store } from "../src/store/ports.js";
import { ManualClock } from "../src/util/clock.js";
import { tempDir } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";
import { sampleReport } from "./helpers/reports.js";

const texts = await loadTexts("locales", deployment);
const lifecycle = Lifecycle.load("config/statuses.yaml", texts.missingKey);
const areas = Areas.load("config/areas.yaml", deployment.municipalityKey);

const member = (id: string, municipalities: string[], role: Member["role"] = "autoridad"): Member => ({
  id,
  name: id,
  role,
  municipalities,
  telegramId: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const metepec = member("m-met", ["15054"]);
const toluca = member("m-tol", ["15106"]);

let store: Store;
let triage: Triage;
let clock: ManualClock;
beforeEach(async () => {
  store = await openEmbeddedStore(await tempDir("ma-triage-"));
  clock = new ManualClock();
  triage = new Triage(store.reports, store.events, lifecycle, areas, clock, deployment.folioDigits);
});
afterEach(() => store.close());

async function filed(over = {}) {
  const r = sampleReport({ dispatchPending: false, dispatched: 1, ...over });
  await store.reports.insert(r);
  return r;
}

describe("triage", () => {
  it("moves a report along the lifecycle, recording who, when, the public note and the office", async () => {
    const r = await filed();
    const reviewed = await triage.changeStatus(r.id, 1, metepec, { to: "en_revision" });
    expect(reviewed.ok && reviewed.report).toMatchObject({ status: "en_revision", version: 2, dispatchPending: true });
    clock.advance(60_000);
    const channelled = await triage.changeStatus(r.id, 2, metepec, { to: "canalizado", area: "obras_publicas", note: "Lo atiende Obras" });
    expect(channelled.ok).toBe(true);
    const stored = await store.reports.byId(r.id);
    expect(stored?.area).toBe("obras_publicas");
    expect(stored?.history.at(-1)).toMatchObject({
      status: "canalizado",
      by: "m-met",
      note: "Lo atiende Obras",
      area: "obras_publicas",
      kind: "status",
      version: 3,
    });
    const trail = await store.events.list({ report: r.id }, 10);
    expect(trail.map((e) => [e.type, e.actor, e.data.to])).toEqual([
      ["status_changed", "m-met", "canalizado"],
      ["status_changed", "m-met", "en_revision"],
    ]);
    // The trail has the fact, never the note's text.
    expect(JSON.stringify(trail)).not.toContain("Lo atiende Obras");
  });

  it("refuses a member of another municipality, an outdated version, a move the lifecycle forbids, and a missing reason", async () => {
    const r = await filed();
    expect(await triage.changeStatus(r.id, 1, toluca, { to: "en_revision" })).toMatchObject({ ok: false, problem: "not_allowed" });
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "no_procede" })).toMatchObject({ ok: false, problem: "reason_required" });
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "recibido" })).toMatchObject({ ok: false, problem: "same_status" });
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "canalizado" })).toMatchObject({ ok: false, problem: "area_required" });
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "canalizado", area: "inventada" })).toMatchObject({ ok: false, problem: "unknown_area" });
    expect((await triage.changeStatus(r.id, 1, metepec, { to: "en_revision" })).ok).toBe(true);
    // The card the second member saw shows version 1: refused, nothing written.
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "no_procede", note: "x" })).toMatchObject({ ok: false, problem: "outdated" });
    expect((await store.reports.byId(r.id))?.status).toBe("en_revision");
    // An admin of every municipality may act.
    const admin = member("root", ["*"], "admin");
    expect((await triage.changeStatus(r.id, 2, admin, { to: "resuelto" })).ok).toBe(true);
    expect(await triage.changeStatus(r.id, 3, admin, { to: "duplicado", duplicateOf: "x" })).toMatchObject({ ok: false, problem: "not_allowed" });
  });

  it("marks a duplicate of an existing folio only", async () => {
    const original = await filed({ folio: "MET-2026-000001" });
    const r = await filed({ folio: "MET-2026-000002" });
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "duplicado", note: "mismo bache", duplicateOf: "MET-2026-999999" })).toMatchObject({
      problem: "unknown_duplicate",
    });
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "duplicado", note: "mismo bache", duplicateOf: "met 2026 2" })).toMatchObject({
      problem: "unknown_duplicate",
    });
    // Another municipality's report is not one to point at, whatever its folio says.
    await filed({ folio: "TOL-2026-000001", municipality: "15106" });
    expect(await triage.changeStatus(r.id, 1, metepec, { to: "duplicado", note: "mismo bache", duplicateOf: "TOL-2026-000001" })).toMatchObject({
      problem: "unknown_duplicate",
    });
    const done = await triage.changeStatus(r.id, 1, metepec, { to: "duplicado", note: "mismo bache", duplicateOf: "met 2026 1" });
    expect(done.ok && done.report.duplicateOf).toBe(original.folio);
  });

  it("answers in public without changing the status; internal notes stay out of the history", async () => {
    const r = await filed();
    expect((await triage.answer(r.id, 1, metepec, "  Gracias, vamos a revisarlo  ")).ok).toBe(true);
    expect((await triage.addNote(r.id, 2, metepec, "Llamar a Obras el lunes")).ok).toBe(true);
    expect(await triage.answer(r.id, 3, metepec, "   ")).toMatchObject({ ok: false, problem: "empty_text" });
    const stored = await store.reports.byId(r.id);
    expect(stored?.status).toBe("recibido");
    expect(stored?.history.map((h) => [h.kind, h.note])).toEqual([
      ["status", null],
      ["answer", "Gracias, vamos a revisarlo"],
    ]);
    expect(stored?.notes.map((n) => n.text)).toEqual(["Llamar a Obras el lunes"]);
  });

  it("a citizen reopens a resolved report, or confirms it", async () => {
    const r = await filed();
    expect(await triage.reopen(r.id)).toMatchObject({ ok: false, problem: "not_resolved" });
    await triage.changeStatus(r.id, 1, metepec, { to: "resuelto", note: "Bacheado" });
    clock.advance(1000);
    expect((await triage.confirmResolved(r.id)).ok).toBe(true);
    clock.advance(1000);
    const reopened = await triage.reopen(r.id);
    expect(reopened.ok && reopened.report).toMatchObject({ status: "en_atencion", version: 3 });
    expect(reopened.ok && reopened.report.history.at(-1)).toMatchObject({ kind: "reopened", by: "citizen" });
    expect((await store.events.list({ report: r.id }, 10)).map((e) => e.type)).toEqual(["report_reopened", "resolution_confirmed", "status_changed"]);
  });
});

describe("publishing for open data", () => {
  it("a member of the municipality publishes a moderated description and a photo of the report; the event keeps no text", async () => {
    const r = await filed({ photos: ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"] });
    const done = await triage.publish(r.id, 1, metepec, { description: "  Bache en la avenida principal  ", photos: ["22222222-2222-4222-8222-222222222222"] });
    expect(done.ok && done.report.publication).toMatchObject({
      description: "Bache en la avenida principal",
      photos: ["22222222-2222-4222-8222-222222222222"],
      by: "m-met",
    });
    const [event] = await store.events.list({ report: r.id, type: "report_published" }, 5);
    expect(event.data).toMatchObject({ description: true, photos: 1 });
    expect(JSON.stringify(event)).not.toContain("avenida");
  });

  it("refuses a text that still holds a phone, an e-mail or a CURP, a photo the report lacks, another municipality and an outdated card", async () => {
    const r = await filed({ photos: [] });
    // However a phone or an e-mail is written: in pairs, full-width, spelt out.
    const written = [
      "Llamar al 722 123 45 67",
      "(722) 123-4567",
      "722/123/4567",
      "722.123.4567",
      "７２２ １２３ ４５ ６７",
      "juana (arroba) gmail punto com",
      "escríbeme a juana arroba gmail.com",
      "joe at gmail dot com",
    ];
    for (const text of ["Llamar al 722 555 0199", "escribir a vecina@example.com", "CURP QUBR800101MMCNRS09", ...written]) {
      expect(await triage.publish(r.id, 1, metepec, { description: text, photos: [] })).toMatchObject({ ok: false, problem: "sensitive_text" });
    }
    expect(await triage.publish(r.id, 1, metepec, { description: "ok", photos: ["33333333-3333-4333-8333-333333333333"] })).toMatchObject({
      ok: false,
      problem: "unknown_photo",
    });
    expect(await triage.publish(r.id, 1, toluca, { description: "Bache", photos: [] })).toMatchObject({ ok: false, problem: "not_allowed" });
    expect(await triage.publish(r.id, 7, metepec, { description: "Bache", photos: [] })).toMatchObject({ ok: false, problem: "outdated" });
    expect((await store.reports.byId(r.id))?.publication).toBeUndefined();
    // A folio however typed, an address, dates, a point and house numbers are no phone.
    const plain =
      "Bache de 30 cm frente al 123 de 5 de Mayo, cp 52140, desde el 12/05/2026 (programado 2026-04-15, o el 15-04-2026, 12.05.2025); " +
      "ya se reportó como MET-2026-000123 y MET 2026 000124; punto 19.2826 -99.6557; casas 120 - 124 - 128";
    expect(await triage.publish(r.id, 1, metepec, { description: plain, photos: [] })).toMatchObject({ ok: true });
  });
});

/** A report as the domain writes it, for store tests. */
import { randomUUID } from "node:crypto";
import type { Report } from "../../src/domain/model/report.js";
import { ManualClock } from "../../src/util/clock.js";

export function sampleReport(over: Partial<Report> = {}): Report {
  const at = new ManualClock().now();
  return {
    id: randomUUID(),
    folio: `MET-2026-${String(Math.floor(Math.random() * 999999)).padStart(6, "0")}`,
    municipality: "15054",
    category: "baches",
    description: "Bache profundo frente al mercado",
    location: { latitude: 19.2566, longitude: -99.6047 },
    address: null,
    photos: [],
    channel: "console",
    citizenId: "console:ana",
    anonymous: false,
    contactable: true,
    language: "es-MX",
    status: "recibido",
    history: [{ status: "recibido", at, by: "system", note: null, kind: "status", area: null, version: 1 }],
    area: null,
    duplicateOf: null,
    notes: [],
    followers: 0,
    version: 1,
    dispatched: 0,
    dispatchPending: true,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

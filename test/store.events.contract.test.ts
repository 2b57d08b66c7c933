/** The audit-trail part of the store contract (see db.store.contract.test.ts): append once, list newest first by what it concerns. */
import { describe, expect, it } from "vitest";
import { recordEvent } from "../src/domain/model/events.js";
import { contractStores, freshStore } from "./helpers/contract-stores.js";

const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe.each(contractStores)("%s store: events", (_name, open) => {
  const db = freshStore(open);

  it("records each event once, and lists them by report, municipality, citizen or type, newest first", async () => {
    const created = recordEvent(
      { type: "report_created", report: "r1", folio: "MET-2026-000001", municipality: "15054", category: "baches", channel: "telegram", anonymous: false },
      "telegram:10#0",
      at(1),
      "citizen",
    );
    const consent = recordEvent({ type: "consent_recorded", citizen: "telegram:5", version: "2026-11" }, "telegram:9#0", at(0), "citizen");
    const other = recordEvent(
      { type: "report_created", report: "r2", folio: "TOL-2026-000001", municipality: "15106", category: "agua", channel: "web", anonymous: true },
      "web:x#0",
      at(2),
      "citizen",
    );
    await db.store.events.append([consent, created]);
    await db.store.events.append([created, other]);
    await db.reopen();
    expect(await db.store.events.list({ report: "r1" }, 10)).toEqual([created]);
    expect((await db.store.events.list({}, 10)).map((e) => e.id)).toEqual(["web:x#0", "telegram:10#0", "telegram:9#0"]);
    expect((await db.store.events.list({ municipality: "15054" }, 10)).map((e) => e.id)).toEqual(["telegram:10#0"]);
    expect((await db.store.events.list({ citizen: "telegram:5" }, 10)).map((e) => e.type)).toEqual(["consent_recorded"]);
    expect((await db.store.events.list({ type: "report_created" }, 1)).map((e) => e.id)).toEqual(["web:x#0"]);
    expect(created).toMatchObject({ report: "r1", municipality: "15054", citizen: null, data: { folio: "MET-2026-000001", anonymous: false } });
    expect(await db.store.events.list({ report: { $ne: null } as unknown as string }, 10)).toEqual([]);
  });
});

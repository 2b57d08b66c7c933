/** The audit-trail part of the store contract (see db.store.contract.test.ts): append once, list newest first by what it concerns. */
import { describe, expect, it } from "vitest";
import { recordEvent } from "../src/domain/model/events.js";
import { citizenPseudonym, PseudonymousEvents } from "../src/store/pseudonymous-events.js";
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

  it("names citizens by pseudonym: no chat id or phone number is stored, yet their entries are shown and erased with their id", async () => {
    const phone = "5217229876543";
    const wa = `whatsapp:${phone}@c.us`;
    const trail = new PseudonymousEvents(db.store.events, citizenPseudonym("a-data-secret-of-at-least-32-characters"));
    await trail.append([
      recordEvent({ type: "consent_recorded", citizen: wa, version: "2026-11" }, "p1", at(0), "citizen"),
      recordEvent({ type: "report_followed", report: "r9", municipality: "15054", citizen: wa }, "p2", at(1), "citizen"),
      recordEvent({ type: "consent_recorded", citizen: "telegram:77", version: "2026-11" }, "p3", at(2), "citizen"),
    ]);
    await db.reopen();
    const reopened = new PseudonymousEvents(db.store.events, citizenPseudonym("a-data-secret-of-at-least-32-characters"));
    // What the store holds names nobody.
    const stored = JSON.stringify(await db.store.events.list({}, 10));
    expect(stored).not.toContain(phone);
    expect(stored).not.toContain("telegram:77");
    // The citizen's id finds their entries (both), and only theirs.
    expect((await reopened.list({ citizen: wa }, 10)).map((e) => e.id)).toEqual(["p2", "p1"]);
    // Another key finds nothing: the pseudonym is keyed.
    expect(await new PseudonymousEvents(db.store.events, citizenPseudonym("another-secret-of-at-least-32-characters")).list({ citizen: wa }, 10)).toEqual([]);
    expect(await reopened.forgetCitizen(wa)).toBe(2);
    expect(await reopened.list({ citizen: wa }, 10)).toEqual([]);
    expect((await reopened.list({ citizen: "telegram:77" }, 10)).map((e) => e.id)).toEqual(["p3"]);
  });

  it("converts entries written with chat ids to pseudonyms, once", async () => {
    const pseudonym = citizenPseudonym("a-data-secret-of-at-least-32-characters");
    await db.store.events.append([
      recordEvent({ type: "consent_recorded", citizen: "whatsapp:5217220000001@c.us", version: "1" }, "old1", at(0), "citizen"),
      recordEvent({ type: "handoff_requested", handoff: "h1", municipality: "15054", citizen: "whatsapp:5217220000001@c.us" }, "old2", at(1), "citizen"),
      recordEvent(
        { type: "report_created", report: "r1", folio: "MET-2026-000001", municipality: "15054", category: "baches", channel: "web", anonymous: false },
        "old3",
        at(2),
        "citizen",
      ),
    ]);
    expect(await db.store.events.pseudonymizeCitizens(pseudonym)).toBe(2);
    expect(await db.store.events.pseudonymizeCitizens(pseudonym)).toBe(0);
    await db.reopen();
    expect(JSON.stringify(await db.store.events.list({}, 10))).not.toContain("5217220000001");
    const trail = new PseudonymousEvents(db.store.events, pseudonym);
    const mine = await trail.list({ citizen: "whatsapp:5217220000001@c.us" }, 10);
    expect(mine.map((e) => e.id)).toEqual(["old2", "old1"]);
    expect(mine[0].data.citizen).toBe(mine[0].citizen);
  });
});

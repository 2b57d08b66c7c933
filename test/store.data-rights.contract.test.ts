/**
 * The data-rights part of the store contract ("mis datos"): a citizen's record, conversation, follows
 * and conversations with a person are erased on request, and the audit trail forgets their id while
 * keeping what happened; reports not yet de-identified by the retention job are found.
 */
import { describe, expect, it } from "vitest";
import type { Citizen } from "../src/domain/model/citizen.js";
import { recordEvent } from "../src/domain/model/events.js";
import type { Handoff } from "../src/domain/model/handoff.js";
import { contractStores, freshStore } from "./helpers/contract-stores.js";
import { sampleReport } from "./helpers/reports.js";

const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const WHO = "whatsapp:5217225550199@c.us";

describe.each(contractStores)("%s store: data rights", (_name, open) => {
  const db = freshStore(open);

  it("erases a citizen's record, conversation, follows and handoffs; only theirs", async () => {
    const citizen: Citizen = {
      id: WHO,
      channel: "whatsapp",
      chatId: "5217225550199@c.us",
      language: "es-MX",
      consent: null,
      municipality: "15054",
      createdAt: T0,
      updatedAt: T0,
    };
    const other: Citizen = { ...citizen, id: "telegram:7", channel: "telegram", chatId: "7" };
    await db.store.citizens.save(citizen);
    await db.store.citizens.save(other);
    await db.store.conversations.save({ id: WHO, state: { flow: "menu" }, pending: [], updatedAt: T0 });
    await db.store.follows.add({ report: "r1", citizen: WHO, kind: "affected", since: T0 });
    await db.store.follows.add({ report: "r1", citizen: "telegram:7", kind: "affected", since: T0 });
    const handoff: Handoff = {
      id: "h1",
      citizen: WHO,
      municipality: "15054",
      chatId: "-1001",
      messageId: null,
      lang: "es-MX",
      state: "closed",
      openedAt: T0,
      closedAt: T0,
      closedBy: "citizen",
    };
    await db.store.handoffs.save(handoff);
    await db.store.handoffs.save({ ...handoff, id: "h2", citizen: "telegram:7" });
    await db.reopen();
    expect((await db.store.citizens.get(WHO))?.municipality).toBe("15054");
    expect((await db.store.handoffs.forCitizen(WHO)).map((h) => h.id)).toEqual(["h1"]);
    expect(await db.store.citizens.remove(WHO)).toBe(true);
    expect(await db.store.citizens.remove(WHO)).toBe(false);
    expect(await db.store.conversations.remove(WHO)).toBe(true);
    expect(await db.store.follows.dropCitizen(WHO)).toBe(1);
    expect(await db.store.handoffs.dropCitizen(WHO)).toBe(1);
    await db.reopen();
    expect(await db.store.citizens.get(WHO)).toBeNull();
    expect(await db.store.conversations.get(WHO)).toBeNull();
    expect(await db.store.follows.forCitizen(WHO)).toEqual([]);
    expect(await db.store.handoffs.forCitizen(WHO)).toEqual([]);
    expect(await db.store.citizens.get("telegram:7")).not.toBeNull();
    expect((await db.store.follows.forReport("r1")).map((f) => f.citizen)).toEqual(["telegram:7"]);
    expect((await db.store.handoffs.forCitizen("telegram:7")).map((h) => h.id)).toEqual(["h2"]);
    expect(await db.store.follows.dropCitizen({ $ne: null } as unknown as string)).toBe(0);
  });

  it("the audit trail forgets a citizen's id and keeps what happened", async () => {
    const consent = recordEvent({ type: "consent_recorded", citizen: WHO, version: "2026-11" }, "e1", T0, "citizen");
    const followed = recordEvent({ type: "report_followed", report: "r1", municipality: "15054", citizen: WHO }, "e2", T0, "citizen");
    const others = recordEvent({ type: "consent_recorded", citizen: "telegram:7", version: "2026-11" }, "e3", T0, "citizen");
    await db.store.events.append([consent, followed, others]);
    expect(await db.store.events.forgetCitizen(WHO)).toBe(2);
    await db.reopen();
    expect(await db.store.events.list({ citizen: WHO }, 10)).toEqual([]);
    const kept = await db.store.events.list({ report: "r1" }, 10);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ type: "report_followed", citizen: null, data: { citizen: null, municipality: "15054" } });
    expect(JSON.stringify(await db.store.events.list({}, 10))).not.toContain("5217225550199");
    expect((await db.store.events.list({ citizen: "telegram:7" }, 10)).map((e) => e.id)).toEqual(["e3"]);
  });

  it("lists closed reports the retention job has not de-identified yet, and reports by folio or categories", async () => {
    const a = sampleReport({ folio: "MET-2026-000101", status: "resuelto", category: "agua" });
    const b = sampleReport({ folio: "MET-2026-000102", status: "resuelto", purgedAt: T0, description: "" });
    await db.store.reports.insert(a);
    await db.store.reports.insert(b);
    await db.reopen();
    expect((await db.store.reports.list({ statuses: ["resuelto"], unpurged: true }, 10)).map((r) => r.folio)).toEqual(["MET-2026-000101"]);
    expect((await db.store.reports.byFolio("MET-2026-000102"))?.purgedAt).toEqual(T0);
    expect((await db.store.reports.list({ folios: ["MET-2026-000102", "X"] }, 10)).map((r) => r.folio)).toEqual(["MET-2026-000102"]);
    expect((await db.store.reports.list({ categories: ["agua", "luz"] }, 10)).map((r) => r.folio)).toEqual(["MET-2026-000101"]);
  });
});

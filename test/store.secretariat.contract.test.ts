/**
 * The secretariat part of the store contract: members (unique Telegram id, lists by municipality),
 * linked chats, follows, report cards, the bot's questions in groups and handoffs.
 */
import { describe, expect, it } from "vitest";
import type { GroupPrompt, ReportCard } from "../src/domain/model/card.js";
import type { Handoff } from "../src/domain/model/handoff.js";
import type { LinkedChat } from "../src/domain/model/linked-chat.js";
import type { Member } from "../src/domain/model/member.js";
import { DuplicateError } from "../src/store/ports.js";
import { contractStores, freshStore } from "./helpers/contract-stores.js";

const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);

function member(id: string, more: Partial<Member> = {}): Member {
  return { id, name: `Persona ${id}`, role: "autoridad", municipalities: ["15054"], telegramId: null, createdAt: T0, updatedAt: T0, ...more };
}

describe.each(contractStores)("%s store: secretariat", (_name, open) => {
  const db = freshStore(open);

  it("keeps members, finds them by Telegram id and lists those of a municipality (admins of all included), by name", async () => {
    await db.store.members.save(member("m1", { name: "Beatriz", telegramId: "2001" }));
    await db.store.members.save(member("m2", { name: "Arturo", municipalities: ["15106"], telegramId: "2002" }));
    await db.store.members.save(member("m3", { name: "Carmen", role: "admin", municipalities: ["*"] }));
    await db.store.members.save(member("m4", { name: "Diego", municipalities: ["15054", "15106"] }));
    await db.reopen();
    expect((await db.store.members.byTelegramId("2001"))?.id).toBe("m1");
    expect(await db.store.members.byTelegramId("9999")).toBeNull();
    expect((await db.store.members.list("15054")).map((m) => m.name)).toEqual(["Beatriz", "Carmen", "Diego"]);
    expect((await db.store.members.list()).map((m) => m.name)).toEqual(["Arturo", "Beatriz", "Carmen", "Diego"]);
    expect(await db.store.members.get("m1")).toEqual(member("m1", { name: "Beatriz", telegramId: "2001" }));
    await expect(db.store.members.save(member("m5", { telegramId: "2001" }))).rejects.toBeInstanceOf(DuplicateError);
    // Two members without Telegram are fine; a member may be saved again with the same id.
    await db.store.members.save(member("m1", { name: "Beatriz R.", telegramId: "2001" }));
    // A panel password's hash is kept with the member, and only there.
    await db.store.members.save(member("m4", { name: "Diego", municipalities: ["15054", "15106"], passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA" }));
    expect((await db.store.members.get("m4"))?.passwordHash).toBe("scrypt$16384$8$1$c2FsdA$aGFzaA");
    expect(await db.store.members.remove("m2")).toBe(true);
    expect(await db.store.members.remove("m2")).toBe(false);
    expect((await db.store.members.list()).map((m) => m.name)).toEqual(["Beatriz R.", "Carmen", "Diego"]);
    // A hostile value is only text: nobody acts on a municipality called that but the admins of all.
    expect((await db.store.members.list({ $ne: null } as unknown as string)).map((m) => m.name)).toEqual(["Carmen"]);
  });

  it("counts every logout of a member, also two at once, and a password set meanwhile stays", async () => {
    await db.store.members.save(member("m1", { passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA" }));
    const later = new Date(T0.getTime() + 60_000);
    const results = await Promise.all([
      db.store.members.endSessions("m1", later),
      db.store.members.setPasswordHash("m1", "scrypt$16384$8$1$bmV3$bmV3", later),
      db.store.members.endSessions("m1", later),
    ]);
    expect(results).toEqual([true, true, true]);
    await db.reopen();
    const saved = await db.store.members.get("m1");
    expect([saved?.sessionEpoch, saved?.passwordHash, saved?.updatedAt]).toEqual([2, "scrypt$16384$8$1$bmV3$bmV3", later]);
    expect(await db.store.members.endSessions("nobody", later)).toBe(false);
    expect(await db.store.members.setPasswordHash("nobody", "x", later)).toBe(false);
    expect(await db.store.members.get("nobody")).toBeNull();
  });

  it("links one chat per purpose to a municipality, and unlinks it", async () => {
    const chat = (chatId: string, purpose: LinkedChat["purpose"], municipality = "15054"): LinkedChat => ({
      chatId,
      purpose,
      municipality,
      title: "Secretariado Metepec",
      linkedBy: "m1",
      linkedAt: T0,
      problem: null,
    });
    await db.store.chats.save(chat("-1001", "secretariat"));
    await db.store.chats.save(chat("-1001", "announcements"));
    await db.store.chats.save(chat("-1002", "announcements", "15106"));
    expect(await db.store.chats.get("-1001", "secretariat")).toEqual(chat("-1001", "secretariat"));
    expect((await db.store.chats.byMunicipality("15054", "announcements")).map((c) => c.chatId)).toEqual(["-1001"]);
    await db.store.chats.save({ ...chat("-1001", "secretariat"), problem: "removed" });
    expect((await db.store.chats.get("-1001", "secretariat"))?.problem).toBe("removed");
    expect(await db.store.chats.remove("-1001", "secretariat")).toBe(true);
    expect(await db.store.chats.get("-1001", "secretariat")).toBeNull();
    expect(await db.store.chats.get("-1001", "announcements")).not.toBeNull();
    await db.store.chats.save({ ...chat("-1003", "secretariat", "15106"), linkedAt: new Date(T0.getTime() + 1000) });
    await db.store.chats.save(chat("-1004", "secretariat", "15054"));
    expect((await db.store.chats.list("secretariat")).map((c) => c.chatId)).toEqual(["-1004", "-1003"]);
    expect((await db.store.chats.list("announcements")).map((c) => c.chatId).sort()).toEqual(["-1001", "-1002"]);
  });

  it("keeps where each report's card is, one per report, across a restart", async () => {
    const card: ReportCard = { report: "r1", chatId: "-1001", messageId: 7, version: 1, photo: true, postedAt: T0, updatedAt: T0 };
    expect(await db.store.cards.get("r1")).toBeNull();
    await db.store.cards.save(card);
    await db.store.cards.save({ ...card, version: 3, updatedAt: new Date(T0.getTime() + 5000) });
    await db.store.cards.save({ ...card, report: "r2", messageId: 8 });
    await db.reopen();
    expect(await db.store.cards.get("r1")).toEqual({ ...card, version: 3, updatedAt: new Date(T0.getTime() + 5000) });
    expect((await db.store.cards.get("r2"))?.messageId).toBe(8);
    expect(await db.store.cards.get({ $ne: null } as unknown as string)).toBeNull();
  });

  it("finds the bot's question in a group by the message a member replies to, and forgets it when asked", async () => {
    const prompt: GroupPrompt = { chatId: "-1001", messageId: 12, kind: "answer", report: "r1", version: 2, status: null, handoff: null, createdAt: T0 };
    await db.store.prompts.save(prompt);
    await db.store.prompts.save({ ...prompt, chatId: "-1002", kind: "handoff", report: null, version: null, handoff: "h1" });
    await db.reopen();
    expect(await db.store.prompts.get("-1001", 12)).toEqual(prompt);
    expect((await db.store.prompts.get("-1002", 12))?.handoff).toBe("h1");
    expect(await db.store.prompts.get("-1001", 13)).toBeNull();
    expect(await db.store.prompts.remove("-1001", 12)).toBe(true);
    expect(await db.store.prompts.remove("-1001", 12)).toBe(false);
    expect(await db.store.prompts.get("-1001", 12)).toBeNull();
  });

  it("keeps handoffs and finds the open one of a citizen", async () => {
    const handoff: Handoff = {
      id: "h1",
      citizen: "whatsapp:5215500000000@c.us",
      municipality: "15054",
      chatId: "-1001",
      messageId: null,
      lang: "es-MX",
      state: "open",
      openedAt: T0,
      closedAt: null,
      closedBy: null,
    };
    await db.store.handoffs.save(handoff);
    await db.store.handoffs.save({ ...handoff, id: "h0", state: "closed", closedAt: T0, closedBy: "citizen" });
    await db.reopen();
    expect(await db.store.handoffs.get("h1")).toEqual(handoff);
    expect((await db.store.handoffs.openFor(handoff.citizen))?.id).toBe("h1");
    await db.store.handoffs.save({ ...handoff, messageId: 40, state: "closed", closedAt: T0, closedBy: "m1" });
    expect(await db.store.handoffs.openFor(handoff.citizen)).toBeNull();
    expect((await db.store.handoffs.get("h1"))?.messageId).toBe(40);
    expect(await db.store.handoffs.openFor({ $ne: null } as unknown as string)).toBeNull();
  });

  it("keeps who follows a report, once each, and drops them by kind when asked", async () => {
    const since = T0;
    expect(await db.store.follows.add({ report: "r1", citizen: "telegram:1", kind: "affected", since })).toBe(true);
    expect(await db.store.follows.add({ report: "r1", citizen: "telegram:1", kind: "affected", since })).toBe(false);
    await db.store.follows.add({ report: "r1", citizen: "web:abc", kind: "anonymous_author", since: new Date(T0.getTime() + 1000) });
    await db.store.follows.add({ report: "r2", citizen: "telegram:1", kind: "affected", since });
    await db.reopen();
    expect((await db.store.follows.forReport("r1")).map((f) => f.citizen)).toEqual(["telegram:1", "web:abc"]);
    expect((await db.store.follows.forCitizen("telegram:1")).map((f) => f.report).sort()).toEqual(["r1", "r2"]);
    expect(await db.store.follows.drop("r1", "anonymous_author")).toBe(1);
    expect((await db.store.follows.forReport("r1")).map((f) => f.kind)).toEqual(["affected"]);
    expect(await db.store.follows.drop("r1")).toBe(1);
    expect(await db.store.follows.forReport("r1")).toEqual([]);
    expect(await db.store.follows.forReport({ $ne: null } as unknown as string)).toEqual([]);
  });
});

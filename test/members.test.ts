/** Secretariat members: added by key or name, refused with one clear line, listed per municipality, removed. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemberError, Members } from "../src/domain/members.js";
import { actsOn, mayLink } from "../src/domain/model/member.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import type { Store } from "../src/store/ports.js";
import { ManualClock } from "../src/util/clock.js";
import { tempDir } from "./helpers/app.js";
import { deployment } from "./helpers/deployment.js";

const municipalities = Municipalities.load("data", deployment);
let store: Store;
let members: Members;
beforeEach(async () => {
  store = await openEmbeddedStore(await tempDir("ma-members-"));
  members = new Members(store.members, municipalities, new ManualClock());
});
afterEach(() => store.close());

describe("members", () => {
  it("are added by INEGI key or by name, and act on their municipalities only", async () => {
    const ana = await members.add({ name: " Ana  López ", role: "facilitador", municipalities: ["15054"], telegramId: "2001" });
    const beto = await members.add({ name: "Beto", role: "autoridad", municipalities: ["toluca"], telegramId: "2002" });
    const root = await members.add({ name: "Admin", role: "admin", municipalities: ["all"] });
    expect(ana).toMatchObject({ name: "Ana López", municipalities: ["15054"], telegramId: "2001" });
    expect(beto.municipalities).toEqual(["15106"]);
    expect(actsOn(ana, "15054")).toBe(true);
    expect(actsOn(ana, "15106")).toBe(false);
    expect(actsOn(root, "15106")).toBe(true);
    expect(mayLink(ana, "15054")).toBe(true);
    expect(mayLink(beto, "15106")).toBe(false);
    expect((await members.list("Metepec")).map((m) => m.name)).toEqual(["Admin", "Ana López"]);
    expect((await members.byTelegramId("2002"))?.name).toBe("Beto");
  });

  it.each([
    [{ municipalities: ["15999"] }, /^unknown municipality key "15999"/],
    [{ municipalities: ["Gotham"] }, /^no municipality is called "Gotham"$/],
    [{ municipalities: ["cuautitlan"] }, /^"cuautitlan" could be Cuautitlán \(15024\), Cuautitlán Izcalli \(15121\): use the INEGI key$/],
    [{ municipalities: ["all"] }, /^only an admin may act on every municipality/],
    [{ role: "alcalde" }, /^unknown role "alcalde" \(roles: autoridad, osc, facilitador, admin\)$/],
    [{ telegramId: "@ana" }, /^"@ana" is not a Telegram user id/],
    [{ telegramId: "-100123" }, /is not a Telegram user id/],
    [{ name: "A" }, /needs a name/],
    [{ municipalities: [] }, /needs a municipality/],
  ])("refuses %j with one line", async (change, message) => {
    const input = { name: "Nombre Apellido", role: "facilitador", municipalities: ["15054"], telegramId: "3001", ...change };
    await expect(members.add(input)).rejects.toThrow(message);
    await expect(members.add(input)).rejects.toBeInstanceOf(MemberError);
  });

  it("refuses a second member with the same Telegram id, and removes by Telegram id", async () => {
    await members.add({ name: "Ana", role: "osc", municipalities: ["15054"], telegramId: "2001" });
    await expect(members.add({ name: "Otra", role: "osc", municipalities: ["15106"], telegramId: "2001" })).rejects.toThrow(
      /^a member with Telegram id 2001 already exists$/,
    );
    expect((await members.removeByTelegramId("2001")).name).toBe("Ana");
    await expect(members.removeByTelegramId("2001")).rejects.toThrow(/^no member has Telegram id 2001$/);
  });
});

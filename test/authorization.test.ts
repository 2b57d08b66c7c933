/**
 * The authorization matrix of the secretariat's Telegram face: every role (autoridad, osc, facilitador,
 * admin) of the report's municipality, of another municipality, an admin of all, and someone who is no
 * member, against each action (a status press on a card, an internal note, linking a group to the
 * municipality). Each cell is checked through the production Telegram adapter against the fake Bot API,
 * and the store says whether anything changed. The web panel joins this matrix when it calls the same
 * domain operations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleChannel } from "../src/channels/console/adapter.js";
import { ALL_MUNICIPALITIES, actsOn, type Member, type MemberRole, mayLink } from "../src/domain/model/member.js";
import { buttons, FakeBotApi, type FakeGroup } from "./fakes/bot-api.js";
import { cardOf, linkedGroup, METEPEC, TOLUCA } from "./helpers/secretariat.js";
import { type RunningBot, runBot, telegramEnv } from "./helpers/service.js";

type Actor = { name: string; user: { id: number; is_bot: false; first_name: string }; role: MemberRole | null; municipalities: string[] };

const ROLES: MemberRole[] = ["autoridad", "osc", "facilitador", "admin"];
const actors: Actor[] = [
  ...ROLES.map((role, i) => ({ name: `${role} of Metepec`, user: person(6001 + i), role, municipalities: [METEPEC] })),
  ...ROLES.map((role, i) => ({ name: `${role} of Toluca`, user: person(6101 + i), role, municipalities: [TOLUCA] })),
  { name: "admin of all", user: person(6201), role: "admin", municipalities: [ALL_MUNICIPALITIES] },
  { name: "no member", user: person(6301), role: null, municipalities: [] },
];

function person(id: number) {
  return { id, is_bot: false as const, first_name: `P${id}` };
}

/** What the domain says each actor may do in Metepec: the expectation every cell is checked against. */
function asMember(a: Actor): Member | null {
  return a.role
    ? {
        id: a.name,
        name: a.name,
        role: a.role,
        municipalities: a.municipalities,
        telegramId: String(a.user.id),
        createdAt: new Date(0),
        updatedAt: new Date(0),
      }
    : null;
}

let fake: FakeBotApi;
let bot: RunningBot;
let group: FakeGroup;
let citizens = 0;

beforeAll(async () => {
  fake = await FakeBotApi.start();
  bot = await runBot(telegramEnv(fake, { DIGEST_HOUR: "off" }));
  for (const a of actors) {
    if (a.role)
      await bot.service.app.secretariat.members.add({
        name: a.name,
        role: a.role,
        municipalities: a.municipalities.map((m) => (m === ALL_MUNICIPALITIES ? "all" : m)),
        telegramId: String(a.user.id),
      });
  }
  group = await linkedGroup(fake, -1009000000054, "Secretariado Metepec", actors.find((a) => a.name === "admin of all")?.user ?? person(0), "Metepec");
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
});

/** A new anonymous console report in Metepec; resolves with its folio once its card is in the group. */
async function newReport(): Promise<string> {
  const app = bot.service.app;
  const citizen = new ConsoleChannel({ service: app.conversations, texts: app.texts, user: `c${++citizens}`, lang: "es-MX" });
  let out = "";
  for (const line of ["hola", "1", "sí", "Metepec", "2"]) out += await citizen.receive(line);
  // Reports of the same problem nearby are offered first: this one is another.
  if (out.includes("Es otro problema")) out += await citizen.receive("Es otro problema");
  for (const line of ["Hay un bache enorme frente a la escuela primaria", "omitir", "omitir", "2", "1"]) out += await citizen.receive(line);
  const folio = /folio (MET-\d{4}-\d{6})/.exec(out)?.[1];
  if (!folio) throw new Error(`no folio in:\n${out}`);
  await fake.until(() => cardOf(group, folio), 5000, `the card of ${folio}`);
  return folio;
}

async function press(who: Actor, folio: string, label: string): Promise<{ text?: string; show_alert?: boolean }> {
  const card = await fake.until(() => {
    const c = cardOf(group, folio);
    return c && buttons(c).includes(label) ? c : undefined;
  });
  const before = fake.callsOf("answerCallbackQuery").length;
  await group.press(who.user, label, card);
  await fake.until(() => (fake.callsOf("answerCallbackQuery").length > before ? true : undefined));
  return (fake.callsOf("answerCallbackQuery").at(-1)?.payload ?? {}) as { text?: string; show_alert?: boolean };
}

describe("authorization matrix: role × municipality × action, over Telegram", () => {
  for (const actor of actors) {
    const member = asMember(actor);
    const mayAct = member !== null && actsOn(member, METEPEC);

    it(`${actor.name}: a status press on a Metepec card is ${mayAct ? "done" : "refused"}`, async () => {
      const folio = await newReport();
      const answer = await press(actor, folio, "🔎 En revisión");
      const report = await bot.service.app.store.reports.byFolio(folio);
      if (mayAct) {
        expect(answer).toMatchObject({ text: "Listo: En revisión." });
        expect(report).toMatchObject({ status: "en_revision", version: 2 });
      } else {
        expect(answer.show_alert).toBe(true);
        expect(report).toMatchObject({ status: "recibido", version: 1 });
      }
    });

    it(`${actor.name}: an internal note on a Metepec card is ${mayAct ? "asked" : "refused"}`, async () => {
      const folio = await newReport();
      const asked = group.messages.filter((m) => m.reply_markup?.force_reply).length;
      const answer = await press(actor, folio, "🔒 Nota interna");
      const questions = group.messages.filter((m) => m.reply_markup?.force_reply).length;
      if (mayAct) {
        expect(answer.show_alert).not.toBe(true);
        await fake.until(() => (group.messages.filter((m) => m.reply_markup?.force_reply).length > asked ? true : undefined), 5000, "the note's question");
      } else {
        expect(answer.show_alert).toBe(true);
        expect(questions).toBe(asked);
      }
    });
  }

  // Linking last: a link that is allowed replaces Metepec's group (confirmed, as replacing it asks).
  for (const actor of actors) {
    const member = asMember(actor);
    const mayLinkHere = member !== null && mayLink(member, METEPEC);
    it(`${actor.name}: /vincular Metepec confirmar is ${mayLinkHere ? "done" : "refused"}`, async () => {
      const other = fake.group(-1009100000000 - actor.user.id, `Grupo de ${actor.name}`);
      await other.addBot(actor.user);
      await fake.until(() => other.messages.find((m) => m.text.includes("/vincular")));
      await other.say(actor.user, "/vincular Metepec confirmar");
      const reply = await fake.until(() => other.messages.find((m) => /Este grupo es ahora|Lo siento/.test(m.text)));
      const linked = await bot.service.app.store.chats.get(String(other.id), "secretariat");
      if (mayLinkHere) {
        expect(reply.text).toContain("Este grupo es ahora");
        expect(linked?.municipality).toBe(METEPEC);
      } else {
        expect(reply.text).toMatch(/^Lo siento/);
        expect(linked?.municipality ?? null).not.toBe(METEPEC);
      }
    });
  }

  it("the matrix covers every role in the report's municipality and another, an admin of all and a stranger", () => {
    expect(actors.length).toBe(10);
    expect(actors.filter((a) => a.role && actsOn(asMember(a) as Member, METEPEC)).map((a) => a.name)).toEqual([
      "autoridad of Metepec",
      "osc of Metepec",
      "facilitador of Metepec",
      "admin of Metepec",
      "admin of all",
    ]);
  });
});

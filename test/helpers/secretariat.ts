/** The secretariat's side in tests: members of Metepec and Toluca, their groups, and a card's buttons. */
import type { Member } from "../../src/domain/model/member.js";
import type { BotMessage, FakeBotApi, FakeGroup } from "../fakes/bot-api.js";
import type { RunningBot } from "./service.js";

export const METEPEC = "15054";
export const TOLUCA = "15106";

/** People in the groups, as Telegram sends them in updates. */
export const people = {
  beatriz: { id: 2001, is_bot: false as const, first_name: "Beatriz" },
  carlos: { id: 2002, is_bot: false as const, first_name: "Carlos" },
  tomas: { id: 3001, is_bot: false as const, first_name: "Tomás" },
  stranger: { id: 4001, is_bot: false as const, first_name: "Paco" },
};

/** Beatriz (facilitadora) and Carlos (autoridad) of Metepec, Tomás (facilitador) of Toluca. */
export async function addMembers(bot: RunningBot): Promise<Record<"beatriz" | "carlos" | "tomas", Member>> {
  const members = bot.service.app.secretariat.members;
  return {
    beatriz: await members.add({ name: "Beatriz López", role: "facilitador", municipalities: [METEPEC], telegramId: "2001" }),
    carlos: await members.add({ name: "Carlos Ruiz", role: "autoridad", municipalities: [METEPEC], telegramId: "2002" }),
    tomas: await members.add({ name: "Tomás Díaz", role: "facilitador", municipalities: [TOLUCA], telegramId: "3001" }),
  };
}

/** The bot added to a group, and the group linked by a facilitador. */
export async function linkedGroup(
  fake: FakeBotApi,
  id: number,
  title: string,
  by: (typeof people)[keyof typeof people],
  municipality: string,
): Promise<FakeGroup> {
  const group = fake.group(id, title);
  await group.addBot(by);
  await fake.until(() => group.messages.find((m) => m.text.includes("/vincular")));
  await group.say(by, `/vincular ${municipality}`);
  await fake.until(() => group.messages.find((m) => m.text.includes("Este grupo es ahora")));
  return group;
}

/** The newest card of a folio in a group (a message whose text starts with it). */
export function cardOf(group: FakeGroup, folio: string): BotMessage | undefined {
  return [...group.messages].reverse().find((m) => m.text.startsWith(`🗂 ${folio}`));
}

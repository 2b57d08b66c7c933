/** The secretariat's side in tests: members of Metepec and Toluca, their groups, and a card's buttons. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Member } from "../../src/domain/model/member.js";
import type { BotMessage, FakeBotApi, FakeGroup, FakeUser } from "../fakes/bot-api.js";
import type { RunningBot } from "./service.js";

export const METEPEC = "15054";
export const TOLUCA = "15106";

/** A facilitator of Metepec as the domain holds one, for calling its operations directly (not in the store). */
export const metepecFacilitator: Member = {
  id: "m-met",
  name: "Ana Facilitadora",
  role: "facilitador",
  municipalities: [METEPEC],
  telegramId: "2001",
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

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

/** How a Telegram citizen's report is sent (`anonymous: "follow"`: anonymous, with notices), and how long each answer is waited for. */
type ReportOptions = { anonymous?: boolean | "follow"; photo?: boolean; wait?: number };

/**
 * A Telegram citizen files a report (with follow-up, or anonymous) with a photo; resolves with its folio.
 * `wait`: how long they wait for each answer (longer when the bot may be down and restarting).
 */
export async function telegramReport(ana: FakeUser, options: ReportOptions = {}): Promise<string> {
  const ms = options.wait ?? 5000;
  await ana.say("/reportar");
  await ana.press("Sí", undefined, ms);
  await ana.expect("Comparte tu ubicación", ms);
  await ana.say("Metepec");
  await ana.press("Alumbrado público", undefined, ms);
  // Reports of the same problem nearby are offered first (one, or several to choose from): this one is another.
  const next = await ana.expect(/Describe el problema|el mismo problema\?/, ms);
  if (next.text.includes("el mismo problema?")) {
    await ana.press("Es otro problema", undefined, ms);
    await ana.expect("Describe el problema", ms);
  }
  await ana.say("La luminaria de la esquina lleva dos semanas apagada");
  await ana.expect("envíala ahora", ms);
  return finishTelegramReport(ana, options);
}

/** The rest of `telegramReport`, from the question for a photo to the folio. */
export async function finishTelegramReport(ana: FakeUser, options: ReportOptions = {}): Promise<string> {
  const ms = options.wait ?? 5000;
  if (options.photo) await ana.sendPhoto(await readFile(join(import.meta.dirname, "..", "fixtures", "bache.png")));
  else await ana.press("Omitir", undefined, ms);
  await ana.expect("ubicación exacta", ms);
  await ana.say("Av. Juárez 12, col. Centro");
  await ana.expect("¿Cómo quieres enviar tu reporte?", ms);
  await ana.press(
    options.anonymous === "follow" ? "Anónimo, con avisos por este chat" : options.anonymous ? "Anónimo" : "Con seguimiento por este chat",
    undefined,
    ms,
  );
  await ana.press("Enviar reporte", undefined, ms);
  const created = await ana.expect(/folio (MET-\d{4}-\d{6})/, ms);
  return /folio (MET-\d{4}-\d{6})/.exec(created.text)?.[1] as string;
}

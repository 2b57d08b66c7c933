/**
 * The commands of the groups the bot works in (the Secretariado Técnico's, and the public ones that get the
 * announcements), by name in each language: group.ts answers them, and the Telegram channel shows them as the
 * groups' command menu (`scope: all_group_chats`) — the citizens' commands are for private chats. Descriptions
 * are locale texts (`telegram.group_commands.<key>`).
 */
import type { Language } from "../locale/languages.js";

export interface GroupCommand {
  key: string;
  names: Record<Language, string>;
}

export const GROUP_COMMANDS = [
  { key: "help", names: { "es-MX": "ayuda", en: "help" } },
  { key: "announce", names: { "es-MX": "aviso", en: "announce" } },
  { key: "announcements_status", names: { "es-MX": "avisos_estado", en: "announcements_status" } },
  { key: "commitments", names: { "es-MX": "compromisos", en: "commitments" } },
  { key: "link", names: { "es-MX": "vincular", en: "link" } },
  { key: "link_announcements", names: { "es-MX": "vincular_avisos", en: "link_announcements" } },
  { key: "unlink", names: { "es-MX": "desvincular", en: "unlink" } },
] as const satisfies readonly GroupCommand[];

export type GroupCommandKey = (typeof GROUP_COMMANDS)[number]["key"];

/** Every name of a command, for grammY's `command()`. */
export function namesOf(key: GroupCommandKey): string[] {
  const command = GROUP_COMMANDS.find((c) => c.key === key);
  return command ? Object.values(command.names) : [];
}

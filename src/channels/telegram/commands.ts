/**
 * Telegram's command menu: what each command means in the neutral model, and its name in each
 * language. Commands that open a flow are declared by the flow (`command:` in flows/*.yaml); the
 * ones for words that work anywhere (menu, help, cancel…) are here. Every name works whatever the
 * citizen's language; the menu shows their own. Descriptions are locale texts (`telegram.commands.*`).
 */
import type { Api } from "grammy";
import type { BotCommand, LanguageCode } from "grammy/types";
import type { InboundContent } from "../../conversation/messages.js";
import type { FlowCommand } from "../../engine/flow.js";
import { LANGUAGES, type Language } from "../../locale/languages.js";
import type { Texts } from "../../locale/texts.js";

export interface Command {
  /** Locale key under telegram.commands. */
  key: string;
  names: Partial<Record<Language, string>>;
  /** What the command does; `payload` is the text after it (a deep link after /start). */
  content(payload: string): InboundContent;
}

/** The words that work anywhere, as commands. */
const WORD_COMMANDS: Command[] = [
  { key: "start", names: { "es-MX": "start", en: "start" }, content: (payload) => ({ type: "open", link: payload || undefined }) },
  { key: "menu", names: { "es-MX": "menu", en: "menu" }, content: () => ({ type: "word", word: "menu" }) },
  { key: "language", names: { "es-MX": "idioma", en: "language" }, content: () => ({ type: "word", word: "language" }) },
  { key: "help", names: { "es-MX": "ayuda", en: "help" }, content: () => ({ type: "word", word: "help" }) },
  { key: "cancel", names: { "es-MX": "cancelar", en: "cancel" }, content: () => ({ type: "word", word: "cancel" }) },
  { key: "privacy", names: { "es-MX": "privacidad", en: "privacy" }, content: () => ({ type: "word", word: "privacy" }) },
  { key: "talk", names: { "es-MX": "hablar", en: "talk" }, content: () => ({ type: "open", link: "hablar" }) },
  { key: "unsubscribe", names: { "es-MX": "baja", en: "unsubscribe" }, content: () => ({ type: "word", word: "unsubscribe" }) },
];

/** The bot's commands: /start and the flows' after it, then the words'. */
export function commandTable(flows: readonly FlowCommand[]): Command[] {
  const [start, ...words] = WORD_COMMANDS;
  const opening = flows.map((f) => ({ key: f.flow, names: f.names, content: (): InboundContent => ({ type: "open", link: f.link }) }));
  return [start, ...opening, ...words];
}

/** The neutral content of `/name payload`, or undefined for a command we do not have. */
export function commandContent(commands: readonly Command[], name: string, payload: string): InboundContent | undefined {
  const command = commands.find((c) => LANGUAGES.some((l) => c.names[l] === name));
  return command?.content(payload);
}

/** A command as a menu shows it: its names, and the key of its description. */
export type MenuCommand = Pick<Command, "key" | "names">;

/**
 * The command menu in one language (a command without a name in it keeps its first one); descriptions are
 * under `telegram.<group>` (`commands`, the citizens'; `group_commands`, the groups').
 */
export function commandMenu(commands: readonly MenuCommand[], texts: Texts, lang: Language, group: "commands" | "group_commands" = "commands"): BotCommand[] {
  return commands.map((c) => ({
    command: c.names[lang] ?? (Object.values(c.names)[0] as string),
    description: group === "group_commands" ? texts.t(lang, `telegram.group_commands.${c.key}`) : texts.t(lang, `telegram.commands.${c.key}`),
  }));
}

/**
 * Registers the menus: the citizens' (Spanish by default, and each language for users whose app is set to it),
 * and, in every group, the groups' own commands (`groupCommands`: the secretariat's), which a citizen's would
 * not do there.
 */
export async function registerCommands(
  api: Api,
  commands: readonly Command[],
  texts: Texts,
  defaultLanguage: Language,
  groupCommands: readonly MenuCommand[] = [],
): Promise<void> {
  const code = (lang: Language) => lang.split("-")[0].toLowerCase() as LanguageCode;
  await api.setMyCommands(commandMenu(commands, texts, defaultLanguage));
  for (const lang of LANGUAGES) await api.setMyCommands(commandMenu(commands, texts, lang), { language_code: code(lang) });
  if (!groupCommands.length) return;
  const scope = { type: "all_group_chats" } as const;
  await api.setMyCommands(commandMenu(groupCommands, texts, defaultLanguage, "group_commands"), { scope });
  for (const lang of LANGUAGES) {
    await api.setMyCommands(commandMenu(groupCommands, texts, lang, "group_commands"), { scope, language_code: code(lang) });
  }
}

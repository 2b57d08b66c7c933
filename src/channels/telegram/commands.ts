/**
 * Telegram's command menu: what each command means in the neutral model, and its name in each
 * language. Every name works whatever the citizen's language; the menu shows their own.
 * Descriptions are locale texts (`telegram.commands.*`).
 */
import type { Api } from "grammy";
import type { BotCommand, LanguageCode } from "grammy/types";
import type { InboundContent } from "../../conversation/messages.js";
import { LANGUAGES, type Language } from "../../locale/languages.js";
import type { Texts } from "../../locale/texts.js";

interface Command {
  /** Locale key under telegram.commands. */
  key: string;
  names: Record<Language, string>;
  /** What the command does; `payload` is the text after it (a deep link after /start). */
  content(payload: string): InboundContent;
}

const COMMANDS: Command[] = [
  { key: "start", names: { "es-MX": "start", en: "start" }, content: (payload) => ({ type: "open", link: payload || undefined }) },
  { key: "menu", names: { "es-MX": "menu", en: "menu" }, content: () => ({ type: "word", word: "menu" }) },
  { key: "report", names: { "es-MX": "reportar", en: "report" }, content: () => ({ type: "open", link: "report" }) },
  { key: "status", names: { "es-MX": "seguimiento", en: "status" }, content: () => ({ type: "open", link: "status" }) },
  { key: "learn", names: { "es-MX": "aprender", en: "learn" }, content: () => ({ type: "open", link: "learn" }) },
  { key: "language", names: { "es-MX": "idioma", en: "language" }, content: () => ({ type: "word", word: "language" }) },
  { key: "help", names: { "es-MX": "ayuda", en: "help" }, content: () => ({ type: "word", word: "help" }) },
  { key: "cancel", names: { "es-MX": "cancelar", en: "cancel" }, content: () => ({ type: "word", word: "cancel" }) },
  { key: "privacy", names: { "es-MX": "privacidad", en: "privacy" }, content: () => ({ type: "word", word: "privacy" }) },
];

/** The neutral content of `/name payload`, or undefined for a command we do not have. */
export function commandContent(name: string, payload: string): InboundContent | undefined {
  const command = COMMANDS.find((c) => LANGUAGES.some((l) => c.names[l] === name));
  return command?.content(payload);
}

/** The command menu in one language. */
export function commandMenu(texts: Texts, lang: Language): BotCommand[] {
  return COMMANDS.map((c) => ({ command: c.names[lang], description: texts.t(lang, `telegram.commands.${c.key}`) }));
}

/** Registers the menu: Spanish by default, and each language for users whose app is set to it. */
export async function registerCommands(api: Api, texts: Texts, defaultLanguage: Language): Promise<void> {
  await api.setMyCommands(commandMenu(texts, defaultLanguage));
  for (const lang of LANGUAGES) {
    await api.setMyCommands(commandMenu(texts, lang), { language_code: lang.split("-")[0].toLowerCase() as LanguageCode });
  }
}

/** A citizen who asked to talk with a person ("hablar"): a conversation relayed to their municipality's secretariat group. */
import type { Language } from "../../locale/languages.js";

export interface Handoff {
  id: string;
  /** The citizen's id (`channel:chatId`); never shown in the group. */
  citizen: string;
  municipality: string;
  /** The secretariat group it was relayed to. */
  chatId: string;
  /** Its card in that group (null until posted). */
  messageId: number | null;
  /** The citizen's language: what the members write reaches them with the bot's words in it. */
  lang: Language;
  state: "open" | "closed";
  openedAt: Date;
  closedAt: Date | null;
  /** "citizen", or the member who closed it. */
  closedBy: string | null;
}

/** How a conversation is named in the group: a short code, never the citizen. */
export function handoffCode(h: Pick<Handoff, "id">): string {
  return `H-${h.id.replace(/-/g, "").slice(0, 6).toUpperCase()}`;
}

/** A citizen as one channel knows them: nothing more than the flows need. */
import type { Language } from "../../locale/languages.js";
import type { ChannelName } from "./channel.js";

export interface Consent {
  version: string;
  at: Date;
}

export interface Citizen {
  /** `${channel}:${chatId}` */
  id: string;
  channel: ChannelName;
  chatId: string;
  language: Language;
  consent: Consent | null;
  createdAt: Date;
  updatedAt: Date;
}

export function citizenId(channel: ChannelName, chatId: string): string {
  return `${channel}:${chatId}`;
}

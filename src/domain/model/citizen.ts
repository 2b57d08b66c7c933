/** A citizen as one channel knows them: nothing more than the flows need. */
import type { Language } from "../../locale/languages.js";
import { CHANNELS, type ChannelName } from "./channel.js";

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
  /** The municipality they say is theirs (set or corrected in "mis datos"). */
  municipality?: string;
  /** When they said "baja": notices of what they followed before stop (what they follow afterwards is told). */
  noticesStoppedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export function citizenId(channel: ChannelName, chatId: string): string {
  return `${channel}:${chatId}`;
}

/** A citizen id (`telegram:123`) as the channel and chat a message to them goes to. */
export function addressOf(id: string): { channel: ChannelName; chatId: string } | undefined {
  const at = id.indexOf(":");
  const channel = id.slice(0, at) as ChannelName;
  return at > 0 && CHANNELS.includes(channel) ? { channel, chatId: id.slice(at + 1) } : undefined;
}

/** Whether a citizen still hears of something they began to follow at `since` ("baja" after it stops it). */
export function hearsOf(citizen: Pick<Citizen, "noticesStoppedAt"> | null, since: Date): boolean {
  const stopped = citizen?.noticesStoppedAt;
  return !stopped || new Date(since).getTime() > new Date(stopped).getTime();
}

/**
 * Whether a citizen gets the notices of what they began to follow at `since`: their record is there and
 * they did not say "baja" after. Whoever a notice is for consented first (a report, following one or a
 * commitment all ask it), and the record is stored before any follow or report names them
 * (`Citizens.store`); only erasing their data removes it. So: no record, no notice, even one written from
 * what a dispatcher read just before the erasure.
 */
export function notified<C extends Pick<Citizen, "noticesStoppedAt">>(citizen: C | null, since: Date): citizen is C {
  return citizen !== null && hearsOf(citizen, since);
}

/**
 * `npm run admin -- announce …` and `channel link`: announcements from the command line, through
 * the same domain operations as the secretariat's group. A channel has no members typing commands,
 * so it is linked here, after Telegram says the bot may post there.
 */
import { readFile } from "node:fs/promises";
import type { AnnouncementProblem, AnnouncementStatus, Announcements } from "../domain/announcements.js";
import type { LinkedChats } from "../domain/chats.js";
import type { Members } from "../domain/members.js";
import { AUDIENCES, type Audience } from "../domain/model/announcement.js";
import type { Municipalities } from "../domain/municipalities.js";
import { announcementOwner, type Photos } from "../domain/photos.js";
import type { ChatRights } from "./chat-rights.js";

export interface AnnounceDeps {
  announcements: Announcements;
  chats: LinkedChats;
  members: Members;
  photos: Photos;
  municipalities: Municipalities;
  timeZone: string;
  /** Asks Telegram whether the bot may post in a chat; absent without TELEGRAM_BOT_TOKEN. */
  chatRights?: (chat: string) => Promise<ChatRights>;
}

export interface AnnounceValues {
  municipality?: string[];
  text?: string;
  photo?: string;
  to?: string;
  at?: string;
  chat?: string;
  limit?: string;
}

type Outcome = { ok: true; lines: string[] } | { ok: false; message: string };

export const ANNOUNCE_USAGE = `  announce --municipality K --text "…" [--photo F] [--to groups,subscribers] [--at 2026-12-01T10:00-06:00]
                       an announcement of a municipality to its linked groups and channels and its
                       subscribers (both unless --to), now or at --at (an ISO time with its offset);
                       with a bar while it goes out when the bot is running
  announce status [ID] [--municipality K]
                       sent, pending and failed of each announcement (or of one, A-3)
  announce cancel ID   withdraws an announcement still waiting for its time
  channel link --municipality K --chat @canal
                       links a Telegram channel (or group) to a municipality's announcements, once
                       Telegram says the bot is an administrator allowed to post there`;

const PROBLEMS: Record<AnnouncementProblem, string> = {
  unknown_municipality: "unknown municipality",
  not_allowed: "not allowed",
  empty: "the announcement has no text (--text)",
  too_long: "the text is too long for Telegram",
  no_audience: "--to accepts groups, subscribers or both (groups,subscribers)",
  past: "--at is in the past",
  too_far: "--at is more than a year ahead",
  not_found: "no such announcement",
  not_scheduled: "that announcement already went out or was cancelled",
  no_photo: "the photo is gone",
};

const MISSING: Record<string, string> = {
  not_admin: "the bot is not an administrator allowed to post messages there: make it one (Administrators → Add admin → Post messages) and run this again",
  cannot_post: "the bot may not send messages (or photos) there",
  not_in_chat: "the bot is not in that chat: add it first",
  not_found: "Telegram knows no such chat, or the bot cannot see it (a channel is named by its @username or its id)",
};

function problem(p: AnnouncementProblem, detail?: string): Outcome {
  return { ok: false, message: `${PROBLEMS[p]}${detail && p !== "too_long" ? `: ${detail}` : ""}` };
}

/** The status line of an announcement: its counts are what a script would read. */
export function statusLine(s: AnnouncementStatus, deps: Pick<AnnounceDeps, "municipalities" | "timeZone">): string {
  const a = s.announcement;
  const when = new Intl.DateTimeFormat("en-CA", { timeZone: deps.timeZone, dateStyle: "short", timeStyle: "short", hourCycle: "h23" }).format(a.at);
  const state = a.state === "queued" && s.counts.pending === 0 ? "sent" : a.state;
  const excerpt = a.text.length > 40 ? `${a.text.slice(0, 40).trimEnd()}…` : a.text;
  const name = deps.municipalities.get(a.municipality)?.name ?? a.municipality;
  return `${a.id}  ${state}  ${when}  sent ${s.counts.sent} · pending ${s.counts.pending} · failed ${s.counts.failed}  ${a.audiences.join(",")}  ${name}  ${excerpt.replace(/\n/g, " ")}`;
}

export async function announceCommand(verb: string | undefined, id: string | undefined, values: AnnounceValues, deps: AnnounceDeps): Promise<Outcome> {
  if (verb === undefined) return schedule(values, deps);
  if (verb === "status") {
    if (id) {
      const s = await deps.announcements.status(id);
      return s ? { ok: true, lines: [statusLine(s, deps)] } : problem("not_found", id);
    }
    const municipality = values.municipality?.[0] === undefined ? undefined : deps.members.resolveMunicipality(values.municipality[0]).cvegeo;
    const list = await deps.announcements.list(municipality, 50);
    return { ok: true, lines: list.length ? list.map((s) => statusLine(s, deps)) : ["no announcements"] };
  }
  if (verb === "cancel") {
    if (!id) return { ok: false, message: "say which announcement: announce cancel A-3" };
    const result = await deps.announcements.cancel(id, null);
    return result.ok ? { ok: true, lines: [`cancelled ${result.value.id}`] } : problem(result.problem, result.detail);
  }
  return { ok: false, message: `unknown command "announce ${verb}" (npm run admin -- --help)` };
}

async function schedule(values: AnnounceValues, deps: AnnounceDeps): Promise<Outcome> {
  if ((values.municipality?.length ?? 0) !== 1) return { ok: false, message: "an announcement is of one municipality: --municipality K" };
  if (values.text === undefined) return { ok: false, message: 'an announcement needs its text: --text "…"' };
  const to = (values.to ?? "groups,subscribers").split(",").map((a) => a.trim());
  if (to.some((a) => !AUDIENCES.includes(a as Audience))) return problem("no_audience");
  let at: Date | null = null;
  if (values.at !== undefined) {
    at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})$/.test(values.at) ? new Date(values.at) : null;
    if (!at || Number.isNaN(at.getTime())) return { ok: false, message: `--at accepts an ISO time with its offset, such as 2026-12-01T10:00-06:00` };
  }
  let photo: string | null = null;
  if (values.photo !== undefined) {
    let data: Buffer;
    try {
      data = await readFile(values.photo);
    } catch {
      return { ok: false, message: `cannot read the photo ${values.photo}` };
    }
    const saved = await deps.photos.save(data, announcementOwner("admin"));
    if (!saved.ok)
      return { ok: false, message: saved.reason === "too_large" ? "the photo is too large (PHOTO_MAX_MB)" : "the photo is not a JPEG, PNG or WebP image" };
    photo = saved.mediaId;
  }
  const input = { municipality: values.municipality?.[0] ?? "", text: values.text, photo, audiences: to as Audience[], at };
  const checked = await deps.announcements.check(input, null);
  if (!checked.ok) {
    if (photo) await deps.photos.discard([photo]);
    return problem(checked.problem, checked.detail);
  }
  const result = await deps.announcements.schedule(input, null);
  if (!result.ok) return problem(result.problem, result.detail);
  const { reach, scheduled, municipality } = checked.value;
  const when = scheduled
    ? `scheduled for ${new Intl.DateTimeFormat("en-CA", { timeZone: deps.timeZone, dateStyle: "short", timeStyle: "short", hourCycle: "h23" }).format(result.value.at)}`
    : "going out now";
  return {
    ok: true,
    lines: [`${result.value.id} of ${municipality.name}, ${when}: ${reach.groups} groups or channels, ${reach.subscribers} subscribers`],
  };
}

export async function channelCommand(verb: string | undefined, values: AnnounceValues, deps: AnnounceDeps): Promise<Outcome> {
  if (verb !== "link") return { ok: false, message: `unknown command "channel${verb ? ` ${verb}` : ""}" (npm run admin -- --help)` };
  if ((values.municipality?.length ?? 0) !== 1) return { ok: false, message: "a channel is linked to one municipality: --municipality K" };
  const chat = values.chat?.trim();
  if (!chat || !/^(@[A-Za-z][A-Za-z0-9_]{3,31}|-\d{1,20})$/.test(chat)) return { ok: false, message: "say which channel: --chat @username or --chat -100…" };
  if (!deps.chatRights) return { ok: false, message: "set TELEGRAM_BOT_TOKEN: the bot asks Telegram whether it may post in the channel" };
  const municipality = deps.members.resolveMunicipality(values.municipality?.[0] ?? "");
  const rights = await deps.chatRights(chat);
  if (!rights.ok) return { ok: false, message: `${chat}: ${MISSING[rights.missing]}` };
  const result = await deps.chats.link(rights.chatId, rights.title, "announcements", municipality.cvegeo, null);
  if (!result.ok) return { ok: false, message: result.detail ?? result.reason };
  return { ok: true, lines: [`${rights.title ?? chat} (${rights.type}, ${rights.chatId}) now gets the announcements of ${municipality.name}`] };
}

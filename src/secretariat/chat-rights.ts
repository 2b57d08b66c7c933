/**
 * Whether the bot can post announcements in a Telegram chat, asked of Telegram itself
 * (`getChat`, `getChatMember`): in a channel it must be an administrator allowed to post; in a group
 * a member allowed to send messages (and photos). Used by `/vincular_avisos` in a group and by
 * `npm run admin -- channel link`, which names a channel by @username or id.
 */
import { type Api, GrammyError } from "grammy";
import type { ChatMember } from "grammy/types";

export type MissingRight = "not_admin" | "cannot_post" | "not_in_chat" | "not_found";

export type ChatRights =
  | { ok: true; chatId: string; title: string | null; type: "channel" | "group" | "supergroup" }
  | { ok: false; missing: MissingRight; chatId?: string; title?: string | null };

/** What the bot's membership lets it do in a chat of this type. */
export function rightsOf(type: string, member: ChatMember): MissingRight | null {
  if (member.status === "left" || member.status === "kicked") return "not_in_chat";
  if (type === "channel") {
    if (member.status === "creator") return null;
    return member.status === "administrator" && member.can_post_messages ? null : "not_admin";
  }
  if (member.status === "restricted" && (!member.can_send_messages || !member.can_send_photos)) return "cannot_post";
  return null;
}

/** Asks Telegram whether the bot may post in `chat` (an id, or a channel's @username). */
export async function checkChatRights(api: Api, chat: string): Promise<ChatRights> {
  let info: Awaited<ReturnType<Api["getChat"]>>;
  try {
    info = await api.getChat(chat);
  } catch (err) {
    if (err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403)) return { ok: false, missing: "not_found" };
    throw err;
  }
  if (info.type === "private") return { ok: false, missing: "not_found" };
  const chatId = String(info.id);
  const title = "title" in info ? (info.title ?? null) : null;
  const me = await api.getMe();
  let member: ChatMember;
  try {
    member = await api.getChatMember(info.id, me.id);
  } catch (err) {
    if (err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403)) return { ok: false, missing: "not_in_chat", chatId, title };
    throw err;
  }
  const missing = rightsOf(info.type, member);
  return missing ? { ok: false, missing, chatId, title } : { ok: true, chatId, title, type: info.type };
}

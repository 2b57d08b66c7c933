/**
 * Telegram chats linked to municipalities: a secretariat group (one per municipality: report cards,
 * handoffs, digests) or public groups and channels for announcements. Linking is for a municipality's
 * facilitador or an admin; anyone else is refused and nothing changes.
 */
import type { LinkedChatRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import type { Members } from "./members.js";
import type { ChatPurpose, LinkedChat } from "./model/linked-chat.js";
import { type Member, mayLink } from "./model/member.js";
import type { Municipality } from "./municipalities.js";

export type LinkResult =
  | { ok: true; chat: LinkedChat; municipality: Municipality; replaced?: string }
  | { ok: false; reason: "not_member" | "not_allowed" | "unknown_municipality"; detail?: string };

export type UnlinkResult = { ok: true; municipality: string } | { ok: false; reason: "not_linked" | "not_member" | "not_allowed" };

export class LinkedChats {
  constructor(
    private readonly repo: LinkedChatRepository,
    private readonly members: Members,
    private readonly clock: Clock,
  ) {}

  /**
   * Links `chatId` to the municipality `query` (key or name) for `purpose`, by the Telegram user
   * `by` (null: an administrator on the command line). A municipality has one secretariat group: linking
   * another one replaces it (`replaced` names the old chat).
   */
  async link(chatId: string, title: string | null, purpose: ChatPurpose, query: string, by: Member | null, threadId?: number): Promise<LinkResult> {
    let municipality: Municipality;
    try {
      municipality = this.members.resolveMunicipality(query);
    } catch (err) {
      return { ok: false, reason: "unknown_municipality", detail: (err as Error).message };
    }
    if (by && !mayLink(by, municipality.cvegeo)) return { ok: false, reason: "not_allowed" };
    let replaced: string | undefined;
    if (purpose === "secretariat") {
      for (const old of await this.repo.byMunicipality(municipality.cvegeo, "secretariat")) {
        if (old.chatId === chatId) continue;
        await this.repo.remove(old.chatId, "secretariat");
        replaced = old.chatId;
      }
    }
    const chat: LinkedChat = {
      chatId,
      purpose,
      municipality: municipality.cvegeo,
      title,
      linkedBy: by?.id ?? "admin",
      linkedAt: this.clock.now(),
      problem: null,
      ...(threadId !== undefined ? { threadId } : {}),
    };
    await this.repo.save(chat);
    return { ok: true, chat, municipality, replaced };
  }

  async unlink(chatId: string, purpose: ChatPurpose, by: Member | null): Promise<UnlinkResult> {
    const chat = await this.repo.get(chatId, purpose);
    if (!chat) return { ok: false, reason: "not_linked" };
    if (by && !mayLink(by, chat.municipality)) return { ok: false, reason: "not_allowed" };
    await this.repo.remove(chatId, purpose);
    return { ok: true, municipality: chat.municipality };
  }

  get(chatId: string, purpose: ChatPurpose): Promise<LinkedChat | null> {
    return this.repo.get(chatId, purpose);
  }

  /** The municipality's secretariat group, if it has one the bot can use. */
  async secretariatOf(municipality: string): Promise<LinkedChat | null> {
    const [chat] = await this.repo.byMunicipality(municipality, "secretariat");
    return chat ?? null;
  }

  /** The municipality's public groups and channels the bot can post to now (announcements go there). */
  async announcementChats(municipality: string): Promise<LinkedChat[]> {
    return (await this.repo.byMunicipality(municipality, "announcements")).filter((c) => c.problem === null);
  }

  /** Every chat linked for a purpose (the daily digest goes to each secretariat group). */
  list(purpose: ChatPurpose): Promise<LinkedChat[]> {
    return this.repo.list(purpose);
  }

  /** A group became a supergroup and got a new id: its links follow it. */
  async move(fromChatId: string, toChatId: string): Promise<LinkedChat[]> {
    const moved: LinkedChat[] = [];
    for (const purpose of ["secretariat", "announcements"] as const) {
      const chat = await this.repo.get(fromChatId, purpose);
      if (!chat) continue;
      const next = { ...chat, chatId: toChatId };
      await this.repo.save(next);
      await this.repo.remove(fromChatId, purpose);
      moved.push(next);
    }
    return moved;
  }

  /** Records why the bot cannot use a chat now (removed, no rights), or that it can again (null). */
  async setProblem(chatId: string, problem: string | null): Promise<LinkedChat[]> {
    const changed: LinkedChat[] = [];
    for (const purpose of ["secretariat", "announcements"] as const) {
      const chat = await this.repo.get(chatId, purpose);
      if (chat && chat.problem !== problem) {
        const updated = { ...chat, problem };
        await this.repo.save(updated);
        changed.push(updated);
      }
    }
    return changed;
  }
}

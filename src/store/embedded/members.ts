/** Secretariat members and linked chats on the embedded store. */
import type { ChatPurpose, LinkedChat } from "../../domain/model/linked-chat.js";
import { ALL_MUNICIPALITIES, type Member } from "../../domain/model/member.js";
import { DuplicateError, type LinkedChatRepository, type MemberRepository } from "../ports.js";
import { type Collection, findMany, fromDoc, isUniqueViolation } from "./collection.js";

/** nedb's sparse index skips absent fields, not nulls: a member without Telegram is stored without the field. */
function toMember(doc: Record<string, unknown> | null): Member | null {
  const member = fromDoc<Member>(doc);
  return member && { ...member, telegramId: member.telegramId ?? null };
}

export class EmbeddedMembers implements MemberRepository {
  constructor(private readonly db: Collection) {}

  async get(id: string): Promise<Member | null> {
    return toMember(await this.db.findOneAsync({ _id: String(id) }));
  }

  async byTelegramId(telegramId: string): Promise<Member | null> {
    return toMember(await this.db.findOneAsync({ telegramId: String(telegramId) }));
  }

  async list(municipality?: string): Promise<Member[]> {
    const query = municipality === undefined ? {} : { municipalities: { $in: [String(municipality), ALL_MUNICIPALITIES] } };
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync(query).sort({ name: 1 }));
    return docs.map((d) => toMember(d) as Member);
  }

  async save(member: Member): Promise<void> {
    try {
      const { telegramId, ...rest } = member;
      await this.db.updateAsync({ _id: member.id }, { _id: member.id, ...rest, ...(telegramId === null ? {} : { telegramId }) }, { upsert: true });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateError("another member has this Telegram id");
      throw err;
    }
  }

  async setPasswordHash(id: string, hash: string, at: Date): Promise<boolean> {
    const { numAffected } = await this.db.updateAsync({ _id: String(id) }, { $set: { passwordHash: String(hash), updatedAt: at } }, {});
    return numAffected === 1;
  }

  async endSessions(id: string, at: Date): Promise<boolean> {
    const { numAffected } = await this.db.updateAsync({ _id: String(id) }, { $inc: { sessionEpoch: 1 }, $set: { updatedAt: at } }, {});
    return numAffected === 1;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.removeAsync({ _id: String(id) }, {})) === 1;
  }
}

const chatKey = (chatId: string, purpose: ChatPurpose) => `${purpose}:${chatId}`;

export class EmbeddedLinkedChats implements LinkedChatRepository {
  constructor(private readonly db: Collection) {}

  async get(chatId: string, purpose: ChatPurpose): Promise<LinkedChat | null> {
    return fromDoc<LinkedChat>(await this.db.findOneAsync({ _id: chatKey(String(chatId), purpose) }));
  }

  async byMunicipality(municipality: string, purpose: ChatPurpose): Promise<LinkedChat[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({ municipality: String(municipality), purpose }).sort({ linkedAt: 1 }));
    return docs.map((d) => fromDoc<LinkedChat>(d) as LinkedChat);
  }

  async list(purpose: ChatPurpose): Promise<LinkedChat[]> {
    const docs = await findMany<Record<string, unknown>>(this.db.findAsync({ purpose: String(purpose) }).sort({ linkedAt: 1 }));
    return docs.map((d) => fromDoc<LinkedChat>(d) as LinkedChat);
  }

  async save(chat: LinkedChat): Promise<void> {
    const _id = chatKey(chat.chatId, chat.purpose);
    await this.db.updateAsync({ _id }, { _id, ...chat }, { upsert: true });
  }

  async remove(chatId: string, purpose: ChatPurpose): Promise<boolean> {
    return (await this.db.removeAsync({ _id: chatKey(String(chatId), purpose) }, {})) === 1;
  }
}

/** Secretariat members and linked chats on MongoDB. */
import { type Connection, Schema, trusted } from "mongoose";
import { CHAT_PURPOSES, type ChatPurpose, type LinkedChat } from "../../domain/model/linked-chat.js";
import { ALL_MUNICIPALITIES, MEMBER_ROLES, type Member } from "../../domain/model/member.js";
import { DuplicateError, type LinkedChatRepository, type MemberRepository } from "../ports.js";
import { DURABLE, fromDoc, isDuplicateKey, withoutId } from "./collection.js";

const MUNICIPALITY = /^(\d{5}|\*)$/;

export const memberSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, maxlength: 200 },
    role: { type: String, enum: MEMBER_ROLES, required: true },
    municipalities: { type: [{ type: String, match: MUNICIPALITY }], required: true },
    telegramId: { type: String, default: null, match: /^\d{1,20}$/ },
    // Absent (not null) until a password is set, as the embedded store keeps it.
    passwordHash: { type: String, maxlength: 200 },
    sessionEpoch: { type: Number, min: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...DURABLE, collection: "members" },
);
// One member per Telegram id; members without one stay out. A range, not `{$type: "string"}`, so
// that `{telegramId: "123"}` is answered from it (see the reports' citizen index).
memberSchema.index({ telegramId: 1 }, { name: "members_by_telegram_id", unique: true, partialFilterExpression: { telegramId: { $gt: "" } } });
memberSchema.index({ municipalities: 1, name: 1 });

export const linkedChatSchema = new Schema(
  {
    _id: { type: String, required: true },
    chatId: { type: String, required: true, match: /^-?\d{1,20}$/ },
    purpose: { type: String, enum: CHAT_PURPOSES, required: true },
    municipality: { type: String, required: true, match: /^\d{5}$/ },
    title: { type: String, default: null },
    linkedBy: { type: String, required: true },
    linkedAt: { type: Date, required: true },
    problem: { type: String, default: null },
    threadId: { type: Number },
  },
  { ...DURABLE, collection: "chats" },
);
linkedChatSchema.index({ municipality: 1, purpose: 1, linkedAt: 1 });

/** The `{$type: "string"}` unique index of the first version. */
export const RETIRED_MEMBER_INDEXES = ["telegramId_1"];

export const memberModel = (conn: Connection) => conn.model("Member", memberSchema);
export const linkedChatModel = (conn: Connection) => conn.model("LinkedChat", linkedChatSchema);

export class MongoMembers implements MemberRepository {
  constructor(private readonly model: ReturnType<typeof memberModel>) {}

  async get(id: string): Promise<Member | null> {
    return fromDoc<Member>(await this.model.findById(String(id)).lean());
  }

  async byTelegramId(telegramId: string): Promise<Member | null> {
    return fromDoc<Member>(await this.model.findOne({ telegramId: String(telegramId) }).lean());
  }

  async list(municipality?: string): Promise<Member[]> {
    const query = municipality === undefined ? {} : { municipalities: trusted({ $in: [String(municipality), ALL_MUNICIPALITIES] }) };
    const docs = await this.model.find(query).sort({ name: 1 }).lean();
    return docs.map((d) => fromDoc<Member>(d as Record<string, unknown>) as Member);
  }

  async save(member: Member): Promise<void> {
    const { id, ...rest } = member;
    try {
      await this.model.replaceOne({ _id: id }, { _id: id, ...rest }, { upsert: true, runValidators: true });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateError("another member has this Telegram id");
      throw err;
    }
  }

  async setPasswordHash(id: string, hash: string, at: Date): Promise<boolean> {
    const done = await this.model.updateOne({ _id: String(id) }, { $set: { passwordHash: String(hash), updatedAt: at } }, { runValidators: true });
    return done.matchedCount === 1;
  }

  async endSessions(id: string, at: Date): Promise<boolean> {
    const done = await this.model.updateOne({ _id: String(id) }, { $inc: { sessionEpoch: 1 }, $set: { updatedAt: at } }, { runValidators: true });
    return done.matchedCount === 1;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: String(id) })).deletedCount === 1;
  }
}

const chatKey = (chatId: string, purpose: ChatPurpose) => `${purpose}:${chatId}`;

export class MongoLinkedChats implements LinkedChatRepository {
  constructor(private readonly model: ReturnType<typeof linkedChatModel>) {}

  async get(chatId: string, purpose: ChatPurpose): Promise<LinkedChat | null> {
    return withoutId<LinkedChat>(await this.model.findById(chatKey(String(chatId), purpose)).lean());
  }

  async byMunicipality(municipality: string, purpose: ChatPurpose): Promise<LinkedChat[]> {
    const docs = await this.model
      .find({ municipality: String(municipality), purpose })
      .sort({ linkedAt: 1 })
      .lean();
    return docs.map((d) => withoutId<LinkedChat>(d as Record<string, unknown>) as LinkedChat);
  }

  async list(purpose: ChatPurpose): Promise<LinkedChat[]> {
    const docs = await this.model.find({ purpose }).sort({ linkedAt: 1 }).lean();
    return docs.map((d) => withoutId<LinkedChat>(d as Record<string, unknown>) as LinkedChat);
  }

  async save(chat: LinkedChat): Promise<void> {
    const _id = chatKey(chat.chatId, chat.purpose);
    await this.model.replaceOne({ _id }, { _id, ...chat }, { upsert: true, runValidators: true });
  }

  async remove(chatId: string, purpose: ChatPurpose): Promise<boolean> {
    return (await this.model.deleteOne({ _id: chatKey(String(chatId), purpose) })).deletedCount === 1;
  }
}

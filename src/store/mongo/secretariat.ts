/** Report cards, the bot's questions in groups, and handoffs on MongoDB. */
import { type Connection, Schema } from "mongoose";
import { type GroupPrompt, PROMPT_KINDS, PROMPT_TTL_S, type ReportCard } from "../../domain/model/card.js";
import type { Handoff } from "../../domain/model/handoff.js";
import { LANGUAGES } from "../../locale/languages.js";
import type { CardRepository, HandoffRepository, PromptRepository } from "../ports.js";
import { DURABLE, fromDoc, nullableString, withoutId } from "./collection.js";

const chatId = { type: String, required: true, match: /^-?\d{1,20}$/ };

export const cardSchema = new Schema(
  {
    _id: { type: String, required: true },
    report: { type: String, required: true },
    chatId,
    messageId: { type: Number, required: true },
    version: { type: Number, required: true },
    photo: { type: Boolean, required: true },
    postedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...DURABLE, collection: "cards" },
);

export const promptSchema = new Schema(
  {
    _id: { type: String, required: true },
    chatId,
    messageId: { type: Number, required: true },
    kind: { type: String, enum: PROMPT_KINDS, required: true },
    report: nullableString,
    version: { type: Number, default: null },
    status: nullableString,
    handoff: nullableString,
    commitment: nullableString,
    item: { type: Number, default: null },
    view: { type: Number, default: null },
    draft: { type: String },
    createdAt: { type: Date, required: true },
  },
  { ...DURABLE, collection: "prompts" },
);
// A question nobody answered within the TTL is forgotten.
promptSchema.index({ createdAt: 1 }, { expireAfterSeconds: PROMPT_TTL_S });

export const handoffSchema = new Schema(
  {
    _id: { type: String, required: true },
    citizen: { type: String, required: true },
    municipality: { type: String, required: true, match: /^\d{5}$/ },
    chatId,
    messageId: { type: Number, default: null },
    lang: { type: String, enum: LANGUAGES, required: true },
    state: { type: String, enum: ["open", "closed"], required: true },
    openedAt: { type: Date, required: true },
    closedAt: { type: Date, default: null },
    closedBy: nullableString,
  },
  { ...DURABLE, collection: "handoffs" },
);
handoffSchema.index({ citizen: 1, state: 1 });

export const cardModel = (conn: Connection) => conn.model("Card", cardSchema);
export const promptModel = (conn: Connection) => conn.model("Prompt", promptSchema);
export const handoffModel = (conn: Connection) => conn.model("Handoff", handoffSchema);

export class MongoCards implements CardRepository {
  constructor(private readonly model: ReturnType<typeof cardModel>) {}

  async get(report: string): Promise<ReportCard | null> {
    return withoutId<ReportCard>(await this.model.findById(String(report)).lean());
  }

  async save(card: ReportCard): Promise<void> {
    await this.model.replaceOne({ _id: card.report }, { _id: card.report, ...card }, { upsert: true, runValidators: true });
  }
}

const promptKey = (chatId: string, messageId: number) => `${String(chatId)}:${Number(messageId)}`;

export class MongoPrompts implements PromptRepository {
  constructor(private readonly model: ReturnType<typeof promptModel>) {}

  async save(prompt: GroupPrompt): Promise<void> {
    const _id = promptKey(prompt.chatId, prompt.messageId);
    await this.model.replaceOne({ _id }, { _id, ...prompt }, { upsert: true, runValidators: true });
  }

  async get(chatId: string, messageId: number): Promise<GroupPrompt | null> {
    return withoutId<GroupPrompt>(await this.model.findById(promptKey(chatId, messageId)).lean());
  }

  async remove(chatId: string, messageId: number): Promise<boolean> {
    return (await this.model.deleteOne({ _id: promptKey(chatId, messageId) })).deletedCount === 1;
  }
}

export class MongoHandoffs implements HandoffRepository {
  constructor(private readonly model: ReturnType<typeof handoffModel>) {}

  async get(id: string): Promise<Handoff | null> {
    return fromDoc<Handoff>(await this.model.findById(String(id)).lean());
  }

  async openFor(citizen: string): Promise<Handoff | null> {
    return fromDoc<Handoff>(await this.model.findOne({ citizen: String(citizen), state: "open" }).lean());
  }

  async save(handoff: Handoff): Promise<void> {
    const { id, ...rest } = handoff;
    await this.model.replaceOne({ _id: id }, { _id: id, ...rest }, { upsert: true, runValidators: true });
  }

  async forCitizen(citizen: string): Promise<Handoff[]> {
    const docs = await this.model
      .find({ citizen: String(citizen) })
      .sort({ openedAt: 1 })
      .lean();
    return docs.map((d) => fromDoc<Handoff>(d) as Handoff);
  }

  async dropCitizen(citizen: string): Promise<number> {
    return (await this.model.deleteMany({ citizen: String(citizen) })).deletedCount;
  }
}

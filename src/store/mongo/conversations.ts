import { type Connection, Schema, trusted } from "mongoose";
import type { ChannelName } from "../../domain/model/channel.js";
import { CHANNELS } from "../../domain/model/channel.js";
import { LANGUAGES } from "../../locale/languages.js";
import type { ConversationRecord, ConversationRepository } from "../ports.js";
import { DURABLE, isDuplicateKey, SCHEMA_OPTIONS } from "./collection.js";

const choiceSchema = new Schema({ value: { type: String, required: true }, label: { type: String, required: true } }, SCHEMA_OPTIONS);
/** A reply decided but not yet delivered (the outbox keeps the same shape). */
export const pendingSchema = new Schema(
  {
    id: { type: String, required: true },
    lang: { type: String, enum: LANGUAGES, required: true },
    text: { type: String, required: true },
    choices: { type: [choiceSchema], default: undefined },
    request: { type: String, enum: ["location", "photo"] },
    takesPhoto: { type: Boolean },
    // A notice's kind and values (flat strings), for a template outside WhatsApp's 24-hour window.
    notice: {
      type: new Schema({ kind: { type: String, required: true }, params: { type: Schema.Types.Mixed, required: true } }, SCHEMA_OPTIONS),
      default: undefined,
    },
    photo: { type: String },
    // A file sent with the text as its caption («Descargar mis datos»): what names it, never its bytes.
    file: {
      type: new Schema(
        {
          ref: { type: String, required: true },
          name: { type: String, required: true },
          mime: { type: String, required: true },
          fallback: { type: String, required: true },
        },
        SCHEMA_OPTIONS,
      ),
      default: undefined,
    },
    threadId: { type: Number },
  },
  SCHEMA_OPTIONS,
);
const stateSchema = new Schema(
  {
    flow: { type: String, required: true },
    flowVersion: { type: String, required: true },
    step: { type: String, required: true },
    waiting: { type: String, enum: ["answer", "action", "nothing"], required: true },
    // The flow's variables: plain JSON the engine owns.
    vars: { type: Schema.Types.Mixed, required: true },
    attempts: { type: Number, required: true, min: 0 },
    lang: { type: String, enum: LANGUAGES, required: true },
    // A short question on top of the flow's own («¿Quisiste decir…?», «¿Lo dejamos para después?»): plain JSON the engine owns.
    aside: { type: Schema.Types.Mixed, default: undefined },
  },
  SCHEMA_OPTIONS,
);

/** A conversation's state and its replies not yet delivered (majority: a rolled-back step would be asked twice). */
export const conversationSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    chatId: { type: String, required: true },
    state: { type: stateSchema, required: true },
    pending: { type: [pendingSchema], default: [] },
    updatedAt: { type: Date, required: true },
    handled: { type: [String], default: undefined },
    inboundAt: { type: Date, default: undefined },
    holdsDraft: { type: Boolean, default: undefined },
  },
  { ...DURABLE, collection: "conversations" },
);
conversationSchema.index({ channel: 1, chatId: 1 }, { unique: true });
// Replies not yet delivered, found when a channel comes back.
conversationSchema.index({ channel: 1, updatedAt: 1 });
// Reports never sent, forgotten after DRAFT_DAYS of silence: the conversations that hold one, or were saved
// before the mark existed (`null` in the index: absent), oldest first. And those holding none
// (`holdsDraft: false`), deleted after CONVERSATION_DAYS of silence.
conversationSchema.index({ holdsDraft: 1, updatedAt: 1 }, { name: "drafts_by_age" });

export const conversationModel = (conn: Connection) => conn.model("Conversation", conversationSchema);

/**
 * Whose turn it is in a conversation, and until when (`hold`): one turn at a time across the processes
 * on the database. Deleted when the turn is given back; one left by a process that died is taken over once
 * its lease ran out, and deleted an hour after that (majority: a lease a failover rolls back would let two
 * turns run at once).
 */
export const conversationTurnSchema = new Schema(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    until: { type: Date, required: true },
  },
  { ...DURABLE, collection: "conversation_turns" },
);
conversationTurnSchema.index({ until: 1 }, { expireAfterSeconds: 3600 });

export const conversationTurnModel = (conn: Connection) => conn.model("ConversationTurn", conversationTurnSchema);

/** `telegram:123` → channel and chat id, as the conversations' unique index keeps them. */
function splitId(id: string): { channel: string; chatId: string } {
  const at = id.indexOf(":");
  return { channel: id.slice(0, at), chatId: id.slice(at + 1) };
}

/** The stored conversation without the fields only the unique index needs. */
function conversationFromDoc(doc: Record<string, unknown>): ConversationRecord {
  const { _id, channel: _c, chatId: _ch, ...rest } = doc;
  return { id: String(_id), ...rest } as unknown as ConversationRecord;
}

/** The document a conversation is kept as. */
export function conversationToDoc(record: ConversationRecord): Record<string, unknown> {
  const { id, ...rest } = record;
  return { _id: id, ...splitId(id), ...rest };
}

/** The conversation as `read` was saved: at the same time, with as many replies pending (the operator trusted: sanitizeFilter would drop it). */
function unchanged(id: string, read: Pick<ConversationRecord, "updatedAt" | "pending">) {
  return { _id: id, updatedAt: new Date(read.updatedAt), pending: trusted({ $size: read.pending.length }) };
}

export class MongoConversations implements ConversationRepository {
  constructor(
    private readonly model: ReturnType<typeof conversationModel>,
    private readonly turns: ReturnType<typeof conversationTurnModel>,
  ) {}

  async get(id: string): Promise<ConversationRecord | null> {
    const doc = await this.model.findById(String(id)).lean();
    return doc ? conversationFromDoc(doc as Record<string, unknown>) : null;
  }

  async save(record: ConversationRecord): Promise<void> {
    await this.model.replaceOne({ _id: record.id }, conversationToDoc(record), { upsert: true, runValidators: true });
  }

  async remove(id: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: String(id) })).deletedCount > 0;
  }

  async withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]> {
    const docs = await this.model
      .find({ channel: String(channel) as ChannelName, pending: trusted({ $ne: [] }), updatedAt: trusted({ $gte: since }) })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    return docs.map((doc) => conversationFromDoc(doc as Record<string, unknown>));
  }

  async withDraftBefore(before: Date, limit: number): Promise<ConversationRecord[]> {
    const docs = await this.model
      .find({ holdsDraft: trusted({ $in: [true, null] }), updatedAt: trusted({ $lt: before }) })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    return docs.map((doc) => conversationFromDoc(doc as Record<string, unknown>));
  }

  async idleBefore(before: Date, limit: number, after?: Date): Promise<ConversationRecord[]> {
    // The index drafts_by_age answers it: `holdsDraft` equal, then the range of `updatedAt`.
    const docs = await this.model
      .find({ holdsDraft: false, updatedAt: trusted(after ? { $lt: before, $gt: after } : { $lt: before }) })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    return docs.map((doc) => conversationFromDoc(doc as Record<string, unknown>));
  }

  async replaceIf(record: ConversationRecord, read: Pick<ConversationRecord, "updatedAt" | "pending">): Promise<boolean> {
    const res = await this.model.replaceOne(unchanged(record.id, read), conversationToDoc(record), { runValidators: true });
    return res.matchedCount === 1;
  }

  async removeIf(id: string, read: Pick<ConversationRecord, "updatedAt" | "pending">): Promise<boolean> {
    return (await this.model.deleteOne(unchanged(String(id), read))).deletedCount === 1;
  }

  /**
   * One write: the turn's document is taken (or extended) only if it is `owner`'s or its lease ran out;
   * held by another, the upsert's insert meets the same `_id` and fails as a duplicate key.
   */
  async hold(id: string, owner: string, until: Date, now: Date): Promise<boolean> {
    try {
      await this.turns.updateOne(
        { _id: String(id), $or: [{ owner: String(owner) }, { until: trusted({ $lte: now }) }] },
        { $set: { owner: String(owner), until } },
        { upsert: true },
      );
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** No upsert: an extension that reaches the server after the turn's release (or its takeover) changes nothing. */
  async extend(id: string, owner: string, until: Date): Promise<boolean> {
    return (await this.turns.updateOne({ _id: String(id), owner: String(owner) }, { $set: { until } })).matchedCount === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.turns.deleteOne({ _id: String(id), owner: String(owner) });
  }

  async *states(): AsyncIterable<unknown> {
    for await (const doc of this.model.find({}, { state: 1 }).lean().cursor()) yield (doc as { state?: unknown }).state;
  }
}

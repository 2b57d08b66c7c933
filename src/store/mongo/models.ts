/**
 * The MongoDB collections as mongoose schemas: validation of every document written, the indexes
 * the queries need (created at start-up), and the write concern of what must never be lost.
 * Strings are ids chosen by the bot (`telegram:123`, a UUID), not ObjectIds.
 */
import { type Connection, Schema } from "mongoose";
import { LANGUAGES } from "../../locale/languages.js";
import { INBOUND_TTL_S } from "../claim.js";

const CHANNELS = ["console", "web", "telegram", "whatsapp"];

/** Options every schema shares: strict documents, strict filters, no version key, empty objects kept. */
const common = {
  strict: "throw",
  strictQuery: "throw",
  versionKey: false,
  // A conversation's `vars: {}` must come back as {}, not vanish.
  minimize: false,
  _id: false,
} as const;
// Acknowledged by a majority, or an error after 10 s (a replica set without majority must not hang the bot).
const majority = { writeConcern: { w: "majority" as const, j: true, wtimeoutMS: 10_000 } };

const nullableString = { type: String, default: null };

export const citizenSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    chatId: { type: String, required: true },
    language: { type: String, enum: LANGUAGES, required: true },
    consent: { type: new Schema({ version: { type: String, required: true }, at: { type: Date, required: true } }, common), default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...common, collection: "citizens" },
);

const choiceSchema = new Schema({ value: { type: String, required: true }, label: { type: String, required: true } }, common);
export const pendingSchema = new Schema(
  {
    id: { type: String, required: true },
    lang: { type: String, enum: LANGUAGES, required: true },
    text: { type: String, required: true },
    choices: { type: [choiceSchema], default: undefined },
    request: { type: String, enum: ["location", "photo"] },
  },
  common,
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
  },
  common,
);

export const conversationSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    chatId: { type: String, required: true },
    state: { type: stateSchema, required: true },
    pending: { type: [pendingSchema], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { ...common, collection: "conversations" },
);
conversationSchema.index({ channel: 1, chatId: 1 }, { unique: true });
// Replies not yet delivered, found when a channel comes back.
conversationSchema.index({ channel: 1, updatedAt: 1 });

const pointSchema = new Schema(
  {
    type: { type: String, enum: ["Point"], required: true },
    // [longitude, latitude], as GeoJSON orders them
    coordinates: {
      type: [Number],
      required: true,
      validate: {
        validator: (c: number[]) => c.length === 2 && Math.abs(c[0]) <= 180 && Math.abs(c[1]) <= 90,
        message: "coordinates must be [longitude, latitude]",
      },
    },
  },
  common,
);
const statusChangeSchema = new Schema(
  {
    status: { type: String, required: true, match: /^[a-z][a-z0-9_]{0,39}$/ },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    note: nullableString,
  },
  common,
);

export const reportSchema = new Schema(
  {
    _id: { type: String, required: true },
    folio: { type: String, required: true, match: /^[A-Z]{3}-\d{4}-\d{6}$/ },
    municipality: { type: String, required: true, match: /^\d{5}$/ },
    category: { type: String, required: true },
    description: { type: String, required: true, maxlength: 4000 },
    location: { type: pointSchema, default: undefined },
    photos: { type: [String], default: [] },
    channel: { type: String, enum: CHANNELS, required: true },
    citizenId: nullableString,
    anonymous: { type: Boolean, required: true },
    contactable: { type: Boolean, required: true },
    language: { type: String, enum: LANGUAGES, required: true },
    status: { type: String, required: true, match: /^[a-z][a-z0-9_]{0,39}$/ },
    history: { type: [statusChangeSchema], required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...common, collection: "reports", ...majority },
);
reportSchema.index({ folio: 1 }, { unique: true });
reportSchema.index({ municipality: 1, status: 1, createdAt: -1 });
reportSchema.index({ citizenId: 1, createdAt: -1 }, { partialFilterExpression: { citizenId: { $type: "string" } } });
reportSchema.index({ location: "2dsphere" });

export const inboundSchema = new Schema(
  {
    _id: { type: String, required: true },
    state: { type: String, enum: ["processing", "done"], required: true },
    claimedAt: { type: Date, required: true },
    // The message itself, kept only until it is processed (dropped on completion).
    message: { type: Schema.Types.Mixed, default: undefined },
  },
  { ...common, collection: "inbound" },
);
inboundSchema.index({ claimedAt: 1 }, { expireAfterSeconds: INBOUND_TTL_S });
// Unfinished claims, found by the recovery sweep.
inboundSchema.index({ state: 1, claimedAt: 1 }, { partialFilterExpression: { state: "processing" } });

export const counterSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true, min: 0 },
  },
  { ...common, collection: "counters", ...majority },
);

export function defineModels(conn: Connection) {
  return {
    citizens: conn.model("Citizen", citizenSchema),
    conversations: conn.model("Conversation", conversationSchema),
    reports: conn.model("Report", reportSchema),
    inbound: conn.model("Inbound", inboundSchema),
    counters: conn.model("Counter", counterSchema),
  };
}

export type Models = ReturnType<typeof defineModels>;

/**
 * The production store: MongoDB through mongoose. Start-up retries the connection with backoff and
 * then stops with one line naming the host, never the password; the declared indexes are created
 * before the bot takes a message. Commands fail fast while the server is away (no buffering), so
 * the runtime can keep the message and tell the citizen.
 */
import mongoose, { type Connection } from "mongoose";
import type { Store } from "../ports.js";
import { defineEventModel, MongoEvents } from "./events.js";
import { defineMemberModels, MongoLinkedChats, MongoMembers } from "./members.js";
import { defineModels, type Models } from "./models.js";
import { defineOutboxModel, MongoOutbox } from "./outbox.js";
import { GridFsMedia, MongoCitizens, MongoConversations, MongoCounters, MongoInbound, MongoReports } from "./repositories.js";

export interface MongoOptions {
  /** Another database than the URI's (the contract tests use a fresh one each time). */
  dbName?: string;
  /** Connection attempts before giving up, and the first pause between them (doubled each time). */
  attempts?: number;
  firstDelayMs?: number;
  /** How long one attempt waits for a server. */
  timeoutMs?: number;
  /** Told about each failed attempt (host and reason only). */
  onRetry?: (info: { attempt: number; host: string; reason: string; delayMs: number }) => void;
}

export class MongoUnavailableError extends Error {}

/** Driver errors that mean "no server right now", as opposed to a refused or invalid operation. */
const CONNECTION_ERRORS = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongooseServerSelectionError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
  "MongoWriteConcernError",
]);

export function isConnectionError(err: unknown): boolean {
  const e = err as { name?: string; hasErrorLabel?: (label: string) => boolean; message?: string } | null;
  if (!e) return false;
  if (e.name && CONNECTION_ERRORS.has(e.name)) return true;
  if (e.hasErrorLabel?.("RetryableWriteError") || e.hasErrorLabel?.("TransientTransactionError")) return true;
  // mongoose with bufferCommands off, while disconnected
  return e.name === "MongooseError" && /before initial connection|not connected|connection .* closed/i.test(e.message ?? "");
}

/** `host:port[,host:port]` of a MongoDB URI: what a log line may say of it. */
export function mongoHosts(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri)?.[1] ?? "(unparsable URI)";
}

/** A driver message without anything of the URI's user information. */
function scrub(message: string, uri: string): string {
  const userinfo = /^mongodb(?:\+srv)?:\/\/([^@/]*)@/.exec(uri)?.[1];
  let out = message;
  for (const secret of userinfo ? [userinfo, ...userinfo.split(":")] : []) {
    if (secret) out = out.split(secret).join("***");
  }
  return out;
}

/** Filters built from outside values are sanitized on this connection, whatever the query. */
export function hardenConnection(conn: Connection): Connection {
  conn.set("sanitizeFilter", true);
  return conn;
}

async function connect(uri: string, options: MongoOptions): Promise<Connection> {
  const attempts = options.attempts ?? 6;
  let delay = options.firstDelayMs ?? 1000;
  const host = mongoHosts(uri);
  for (let attempt = 1; ; attempt++) {
    const conn = hardenConnection(mongoose.createConnection());
    try {
      await conn.openUri(uri, {
        dbName: options.dbName,
        sanitizeFilter: true,
        autoIndex: false,
        autoCreate: false,
        bufferCommands: false,
        serverSelectionTimeoutMS: options.timeoutMs ?? 5000,
      });
      return conn;
    } catch (err) {
      await conn.close().catch(() => undefined);
      const reason = scrub((err as Error).message, uri);
      if (attempt >= attempts) throw new MongoUnavailableError(`cannot reach MongoDB at ${host}: ${reason}`);
      options.onRetry?.({ attempt, host, reason, delayMs: delay });
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

export async function openMongoStore(
  uri: string,
  options: MongoOptions = {},
): Promise<
  Store & {
    models: Models & ReturnType<typeof defineMemberModels> & { outbox: ReturnType<typeof defineOutboxModel>; events: ReturnType<typeof defineEventModel> };
    connection: Connection;
  }
> {
  const conn = await connect(uri, options);
  const models = { ...defineModels(conn), ...defineMemberModels(conn), outbox: defineOutboxModel(conn), events: defineEventModel(conn) };
  for (const model of Object.values(models) as (typeof models)[keyof typeof models][]) {
    await model.createCollection().catch((err: { codeName?: string }) => {
      if (err.codeName !== "NamespaceExists") throw err;
    });
    await model.createIndexes();
  }
  const db = conn.db;
  if (!db) throw new MongoUnavailableError(`cannot reach MongoDB at ${mongoHosts(uri)}: no database`);
  const bucket = new mongoose.mongo.GridFSBucket(db, { bucketName: "media", writeConcern: { w: "majority" } });
  return {
    kind: "mongodb",
    models,
    connection: conn,
    citizens: new MongoCitizens(models.citizens),
    conversations: new MongoConversations(models.conversations),
    reports: new MongoReports(models.reports),
    inbound: new MongoInbound(models.inbound),
    counters: new MongoCounters(models.counters),
    media: new GridFsMedia(bucket),
    outbox: new MongoOutbox(models.outbox),
    events: new MongoEvents(models.events),
    members: new MongoMembers(models.members),
    chats: new MongoLinkedChats(models.chats),
    unavailable: isConnectionError,
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await conn.close();
    },
  };
}

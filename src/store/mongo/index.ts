/**
 * The production store: MongoDB through mongoose, one file per aggregate (citizens, conversations,
 * reports, inbound, counters, media, outbox, events, members and linked chats, follows, report cards,
 * the bot's questions in groups, handoffs, plans and commitments, announcements and their subscribers) as in store/embedded/. Start-up connects (see connection.ts),
 * brings collections and indexes to what the schemas declare (indexes.ts), and only then hands the
 * store over. Commands fail fast while the server is away (no buffering), so the conversation layer
 * can keep the message and tell the citizen (errors.ts says which errors mean that).
 */
import mongoose, { type Connection } from "mongoose";
import type { Logger } from "../../util/logger.js";
import type { Store } from "../ports.js";
import { announcementModel, MongoAnnouncements, MongoSubscriptions, subscriptionModel } from "./announcements.js";
import { citizenModel, MongoCitizens } from "./citizens.js";
import { MAJORITY } from "./collection.js";
import { type ConnectOptions, connect, MongoUnavailableError, mongoHosts } from "./connection.js";
import { conversationModel, conversationTurnModel, MongoConversations } from "./conversations.js";
import { counterModel, MongoCounters } from "./counters.js";
import { isConnectionError } from "./errors.js";
import { eventModel, MongoEvents, RETIRED_EVENT_INDEXES } from "./events.js";
import { followModel, MongoFollows } from "./follows.js";
import { inboundModel, MongoInbound } from "./inbound.js";
import { syncIndexes } from "./indexes.js";
import { GridFsMedia, mediaFileModel } from "./media.js";
import { linkedChatModel, MongoLinkedChats, MongoMembers, memberModel, RETIRED_MEMBER_INDEXES } from "./members.js";
import { MongoOutbox, outboxModel } from "./outbox.js";
import { commitmentFollowModel, commitmentModel, MongoCommitmentFollows, MongoCommitments, MongoPlans, planModel } from "./plans.js";
import { MongoReports, RETIRED_REPORT_INDEXES, reportModel } from "./reports.js";
import { cardModel, handoffModel, MongoCards, MongoHandoffs, MongoPrompts, promptModel } from "./secretariat.js";
import { GridFsSharedFiles } from "./shared-files.js";

export { hardenConnection, MongoConfigurationError, MongoUnavailableError, mongoHosts } from "./connection.js";
export { classifyMongoError, isConnectionError } from "./errors.js";

export interface MongoOptions extends ConnectOptions {
  /** Told what start-up changed (an index created, dropped or given a new TTL). */
  logger?: Logger;
}

/** The mongoose models of every collection, on one connection. */
export function defineModels(conn: Connection) {
  return {
    citizens: citizenModel(conn),
    conversations: conversationModel(conn),
    conversationTurns: conversationTurnModel(conn),
    reports: reportModel(conn),
    inbound: inboundModel(conn),
    counters: counterModel(conn),
    outbox: outboxModel(conn),
    events: eventModel(conn),
    members: memberModel(conn),
    chats: linkedChatModel(conn),
    follows: followModel(conn),
    cards: cardModel(conn),
    prompts: promptModel(conn),
    handoffs: handoffModel(conn),
    plans: planModel(conn),
    commitments: commitmentModel(conn),
    commitmentFollows: commitmentFollowModel(conn),
    announcements: announcementModel(conn),
    subscriptions: subscriptionModel(conn),
    mediaFiles: mediaFileModel(conn),
  };
}

export type Models = ReturnType<typeof defineModels>;

/** Indexes earlier versions created and no query uses any more, by collection; dropped at start-up. */
const RETIRED: Partial<Record<string, string[]>> = { reports: RETIRED_REPORT_INDEXES, events: RETIRED_EVENT_INDEXES, members: RETIRED_MEMBER_INDEXES };

/**
 * Start-up changes to what earlier versions stored, each run until it is done once: a mark in `counters`
 * (`upgrade:<what>`, beside the folio counters) then keeps later start-ups from reading the data again.
 * Processes starting together may both run one; each is written to be run twice.
 */
const UPGRADES: { mark: string; run: (store: { outbox: MongoOutbox }) => Promise<void> }[] = [
  { mark: "upgrade:outbox-0.6.18", run: ({ outbox }) => outbox.upgrade(new Date()) },
];

async function upgrade(models: Models, store: { outbox: MongoOutbox }): Promise<void> {
  for (const { mark, run } of UPGRADES) {
    if (await models.counters.exists({ _id: mark })) continue;
    await run(store);
    await models.counters.updateOne({ _id: mark }, { $setOnInsert: { seq: 1 } }, { upsert: true });
  }
}

export type MongoStore = Store & { kind: "mongodb"; models: Models; connection: Connection; media: GridFsMedia };

/** A GridFS bucket whose every write waits for a majority, with the same timeout as documents. */
function bucket(conn: Connection, bucketName: string): mongoose.mongo.GridFSBucket {
  const db = conn.db;
  if (!db) throw new MongoUnavailableError(`cannot reach MongoDB at ${conn.host}: no database`);
  return new mongoose.mongo.GridFSBucket(db, { bucketName, writeConcern: MAJORITY });
}

export async function openMongoStore(uri: string, options: MongoOptions = {}): Promise<MongoStore> {
  const conn = await connect(uri, options);
  try {
    const models = defineModels(conn);
    for (const [name, model] of Object.entries(models)) {
      await syncIndexes(model as unknown as mongoose.Model<never>, { logger: options.logger, retired: RETIRED[name] });
    }
    const db = conn.db;
    if (!db) throw new MongoUnavailableError(`cannot reach MongoDB at ${mongoHosts(uri)}: no database`);
    const outbox = new MongoOutbox(models.outbox);
    await upgrade(models, { outbox });
    return {
      kind: "mongodb",
      models,
      connection: conn,
      citizens: new MongoCitizens(models.citizens),
      conversations: new MongoConversations(models.conversations, models.conversationTurns),
      reports: new MongoReports(models.reports),
      inbound: new MongoInbound(models.inbound),
      counters: new MongoCounters(models.counters),
      outbox,
      events: new MongoEvents(models.events),
      members: new MongoMembers(models.members),
      chats: new MongoLinkedChats(models.chats),
      follows: new MongoFollows(models.follows),
      cards: new MongoCards(models.cards),
      prompts: new MongoPrompts(models.prompts),
      handoffs: new MongoHandoffs(models.handoffs),
      plans: new MongoPlans(models.plans),
      commitments: new MongoCommitments(models.commitments),
      commitmentFollows: new MongoCommitmentFollows(models.commitmentFollows),
      announcements: new MongoAnnouncements(models.announcements),
      subscriptions: new MongoSubscriptions(models.subscriptions),
      media: new GridFsMedia(bucket(conn, "media"), db.collection("media.files")),
      sharedFiles: new GridFsSharedFiles(bucket(conn, "shared")),
      unavailable: isConnectionError,
      async ping() {
        await db.command({ ping: 1 });
      },
      async close() {
        await conn.close();
      },
    };
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }
}

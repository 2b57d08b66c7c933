/**
 * Copies what the embedded store holds into MongoDB: counters first, then citizens, conversations,
 * reports, inbound ids, the outbox, the audit trail, secretariat members, linked chats, follows, report
 * cards, the bot's questions in groups, handoffs, plans, commitments and their follows, and photos.
 * Insert-only: a document MongoDB already has (same id) is kept as it is, never overwritten by the older
 * embedded copy, so running it again after going live loses nothing the bot wrote since. Counters only
 * move forward, and move before any report is copied, so
 * a folio either store handed out is never handed out again.
 *
 * Documents go in unordered bulk inserts of 1,000 (one round trip each; a duplicate does not stop
 * the rest). A report whose folio MongoDB already gives to another report is a conflict: it is not
 * copied, and its folio is listed for a person to resolve.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Model } from "mongoose";
import type { Citizen } from "../domain/model/citizen.js";
import { MEDIA_ID } from "../domain/model/media.js";
import type { Commitment } from "../domain/model/plan.js";
import type { Report } from "../domain/model/report.js";
import { fromDoc, openCollection } from "../store/embedded/collection.js";
import { lockDataDir } from "../store/embedded/lock.js";
import { FileMedia } from "../store/embedded/media.js";
import { withoutOutboxKeys } from "../store/embedded/outbox.js";
import { withoutInboxKeys } from "../store/embedded/reports.js";
import { MAJORITY } from "../store/mongo/collection.js";
import { conversationToDoc } from "../store/mongo/conversations.js";
import { classifyMongoError } from "../store/mongo/errors.js";
import type { MongoStore } from "../store/mongo/index.js";
import { commitmentToDoc } from "../store/mongo/plans.js";
import { reportToDoc } from "../store/mongo/reports.js";
import type { ConversationRecord } from "../store/ports.js";
import { type CitizenPseudonym, citizenPseudonym } from "../store/pseudonymous-events.js";

/** What the migration reports as it goes: a collection, how many documents it has, how many are done. */
export interface MigrationProgress {
  start(collection: string, total: number): void;
  tick(count?: number): void;
  finish(): void;
}

export const COLLECTIONS = [
  "counters",
  "citizens",
  "conversations",
  "reports",
  "inbound",
  "outbox",
  "events",
  "members",
  "chats",
  "follows",
  "cards",
  "prompts",
  "handoffs",
  "plans",
  "commitments",
  "commitment_follows",
  "announcements",
  "subscriptions",
  "media",
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/** Per collection: copied now, already in MongoDB (kept as it is), and clashes with other documents. */
export interface CollectionResult {
  copied: number;
  kept: number;
  /** What identifies each clash for a person (a report's folio); never a chat id. */
  conflicts: string[];
}

export type MigrationResult = Record<CollectionName, CollectionResult>;

/** Documents per bulk insert: one round trip each, well under the 48 MB message limit. */
export const BATCH = 1000;

/** Every document of one embedded collection, as nedb keeps it (`_id` and all). */
async function embeddedDocs(dataDir: string, name: Exclude<CollectionName, "media">): Promise<Record<string, unknown>[]> {
  const db = await openCollection(dataDir, name, []);
  db.stopAutocompaction();
  return db.getAllData<Record<string, unknown>>() as Record<string, unknown>[];
}

async function mediaIds(dataDir: string): Promise<string[]> {
  try {
    return (await readdir(join(dataDir, "media"))).filter((f) => MEDIA_ID.test(f));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

interface BulkFailure {
  name?: string;
  writeErrors?: { code?: number; index: number; errmsg?: string }[];
  result?: { insertedCount?: number };
  mongoose?: { validationErrors?: { message?: string }[] };
}

/** The index a duplicate-key error names (`… index: folio_1 dup key: …`). */
function duplicateIndex(errmsg = ""): string {
  return /index: (\S+)/.exec(errmsg)?.[1] ?? "?";
}

/**
 * Inserts `docs` in unordered batches; a duplicate `_id` is kept as MongoDB has it, a duplicate of
 * another unique index is a conflict (`describe` says what a person needs to find it).
 */
async function insertOnly(
  name: string,
  model: Model<never>,
  docs: Record<string, unknown>[],
  progress: MigrationProgress,
  describe: (doc: Record<string, unknown>, index: string) => string,
): Promise<CollectionResult> {
  const result: CollectionResult = { copied: 0, kept: 0, conflicts: [] };
  progress.start(name, docs.length);
  for (let at = 0; at < docs.length; at += BATCH) {
    const batch = docs.slice(at, at + BATCH);
    try {
      const res = await model.bulkWrite(
        batch.map((document) => ({ insertOne: { document } })),
        { ordered: false, throwOnValidationError: true, writeConcern: MAJORITY },
      );
      result.copied += res.insertedCount;
    } catch (err) {
      const failure = err as BulkFailure;
      const invalid = failure.mongoose?.validationErrors ?? (failure.name === "MongooseBulkWriteError" ? [err as { message?: string }] : []);
      if (invalid.length) {
        throw new Error(
          `${name}: ${invalid.length} documents do not fit MongoDB's schema (first: ${invalid[0]?.message ?? "?"}); nothing after them was copied`,
        );
      }
      const writeErrors = failure.writeErrors ?? [];
      // Anything but duplicates (a write concern not met, the server gone) stops the migration: running it again is safe.
      if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== 11000) || classifyMongoError(err) === "maybe_written") throw err;
      result.copied += failure.result?.insertedCount ?? 0;
      for (const w of writeErrors) {
        const index = duplicateIndex(w.errmsg);
        if (index === "_id_") result.kept++;
        else result.conflicts.push(describe(batch[w.index] ?? {}, index));
      }
    }
    progress.tick(batch.length);
  }
  progress.finish();
  return result;
}

type MigrationTarget = Pick<MongoStore, "models" | "media">;

/** `secret`: the data secret MongoDB's bot uses (store/data-secret.ts `migrationSecret`): the trail's chat ids become its pseudonyms. */
export async function migrateToMongo(dataDir: string, mongo: MigrationTarget, progress: MigrationProgress, secret?: string): Promise<MigrationResult> {
  // A bot still running on the folder would go on writing what is being copied: refused.
  const lock = lockDataDir(dataDir);
  try {
    return await copyAll(dataDir, mongo, progress, secret);
  } finally {
    lock.release();
  }
}

async function copyAll(dataDir: string, mongo: MigrationTarget, progress: MigrationProgress, secret: string | undefined): Promise<MigrationResult> {
  const { models } = mongo;
  const model = (m: unknown) => m as Model<never>;
  // A report's folio says which one clashes; nothing else is shown (ids may hold phone numbers).
  const clash = (doc: Record<string, unknown>, index: string) =>
    index.startsWith("folio") ? `folio ${String(doc.folio)} is another report's in MongoDB` : `a different document with the same ${index}`;

  // Counters first, and only forward: a folio handed out in either store is never handed out again.
  const counters = await embeddedDocs(dataDir, "counters");
  const counted: CollectionResult = { copied: 0, kept: 0, conflicts: [] };
  progress.start("counters", counters.length);
  for (const d of counters) {
    const res = await models.counters.updateOne({ _id: String(d._id) }, { $max: { seq: Number(d.seq) } }, { upsert: true });
    if (res.upsertedCount || res.modifiedCount) counted.copied++;
    else counted.kept++;
    progress.tick();
  }
  progress.finish();

  const asIs = (d: Record<string, unknown>) => ({ ...d, _id: String(d._id) });
  // Each collection as the bot's own repositories would have written its documents.
  const copies: [Exclude<CollectionName, "counters" | "media">, Model<never>, (d: Record<string, unknown>) => Record<string, unknown>][] = [
    [
      "citizens",
      model(models.citizens),
      (d) => {
        const { id, ...rest } = fromDoc<Citizen>(d) as Citizen;
        return { _id: id, ...rest };
      },
    ],
    ["conversations", model(models.conversations), (d) => conversationToDoc(fromDoc<ConversationRecord>(d) as ConversationRecord)],
    ["reports", model(models.reports), (d) => reportToDoc(fromDoc<Report>(withoutInboxKeys(d)) as Report)],
    // An unfinished claim keeps its message, so the new store can still process it.
    ["inbound", model(models.inbound), (d) => ({ _id: String(d._id), state: d.state, claimedAt: d.claimedAt, ...(d.message ? { message: d.message } : {}) })],
    // Messages not sent yet keep their state; a lease of the stopped process runs out and is taken over.
    ["outbox", model(models.outbox), (d) => asIs(withoutOutboxKeys(d))],
    // The trail names citizens by pseudonym (entries of a folder never opened since still hold chat ids).
    ["events", model(models.events), (d) => (secret ? pseudonymousDoc(asIs(d), citizenPseudonym(secret)) : asIs(d))],
    [
      "members",
      model(models.members),
      (d) => {
        // The embedded store keeps the id twice and leaves out a missing Telegram id.
        const { _id, id: _id2, ...rest } = d;
        return { _id: String(_id), telegramId: null, ...rest };
      },
    ],
    ["chats", model(models.chats), asIs],
    ["follows", model(models.follows), asIs],
    ["cards", model(models.cards), asIs],
    ["prompts", model(models.prompts), asIs],
    [
      "handoffs",
      model(models.handoffs),
      (d) => {
        const { _id, id: _id2, ...rest } = d;
        return { _id: String(_id), ...rest };
      },
    ],
    ["plans", model(models.plans), asIs],
    // The embedded store keeps a commitment's id twice (`_id` and `id`).
    ["commitments", model(models.commitments), (d) => commitmentToDoc(fromDoc<Commitment>(d) as Commitment)],
    ["commitment_follows", model(models.commitmentFollows), asIs],
    ["announcements", model(models.announcements), asIs],
    ["subscriptions", model(models.subscriptions), asIs],
  ];
  const copied = {} as Record<(typeof copies)[number][0], CollectionResult>;
  for (const [name, target, toDoc] of copies) {
    copied[name] = await insertOnly(name, target, (await embeddedDocs(dataDir, name)).map(toDoc), progress, clash);
  }

  const files = new FileMedia(join(dataDir, "media"));
  const ids = await mediaIds(dataDir);
  // A draft (a report not sent yet) stays one: swept with its conversation, never kept for good.
  const drafts = new Map((await FileMedia.readDrafts(join(dataDir, "media"), dataDir)).map((d) => [d.id, d]));
  const media: CollectionResult = { copied: 0, kept: 0, conflicts: [] };
  progress.start("media", ids.length);
  for (const id of ids) {
    const photo = await files.get(id);
    if (await mongo.media.has(id)) media.kept++;
    else if (photo) {
      const draft = drafts.get(id);
      await mongo.media.put(id, photo, draft && { owner: draft.owner, at: draft.at });
      media.copied++;
    }
    progress.tick();
  }
  progress.finish();
  return { counters: counted, ...copied, media };
}

/** An audit-trail document with its citizen (and the event's own copy) as a pseudonym. */
function pseudonymousDoc(doc: Record<string, unknown>, pseudonym: CitizenPseudonym): Record<string, unknown> {
  const data = { ...(doc.data as Record<string, unknown>) };
  if (typeof data.citizen === "string" && data.citizen) data.citizen = pseudonym(data.citizen);
  return { ...doc, citizen: typeof doc.citizen === "string" && doc.citizen ? pseudonym(doc.citizen) : doc.citizen, data };
}

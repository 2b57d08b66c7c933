/**
 * Copies everything the embedded store holds into MongoDB: citizens, conversations, reports,
 * inbound ids, counters and photos. Idempotent: documents are replaced by id, counters only move
 * forward, photos already stored are kept; running it twice changes nothing the second time.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Citizen } from "../domain/model/citizen.js";
import { MEDIA_ID } from "../domain/model/media.js";
import type { Report } from "../domain/model/report.js";
import { fromDoc, openCollection } from "../store/embedded/collection.js";
import { FileMedia } from "../store/embedded/media.js";
import type { openMongoStore } from "../store/mongo/index.js";
import { reportToDoc } from "../store/mongo/repositories.js";
import type { ConversationRecord } from "../store/ports.js";

type MongoStore = Awaited<ReturnType<typeof openMongoStore>>;

/** What the migration reports as it goes: a collection, how many documents it has, how many are done. */
export interface MigrationProgress {
  start(collection: string, total: number): void;
  tick(): void;
  finish(): void;
}

export const COLLECTIONS = ["citizens", "conversations", "reports", "inbound", "counters", "media"] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

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

export async function migrateToMongo(dataDir: string, mongo: MongoStore, progress: MigrationProgress): Promise<Record<CollectionName, number>> {
  const { models } = mongo;
  const counts = {} as Record<CollectionName, number>;
  const run = async <T>(name: CollectionName, items: T[], write: (item: T) => Promise<unknown>) => {
    progress.start(name, items.length);
    for (const item of items) {
      await write(item);
      progress.tick();
    }
    progress.finish();
    counts[name] = items.length;
  };

  await run("citizens", await embeddedDocs(dataDir, "citizens"), (d) => mongo.citizens.save(fromDoc<Citizen>(d) as Citizen));
  await run("conversations", await embeddedDocs(dataDir, "conversations"), (d) =>
    mongo.conversations.save(fromDoc<ConversationRecord>(d) as ConversationRecord),
  );
  await run("reports", await embeddedDocs(dataDir, "reports"), (d) => {
    const doc = reportToDoc(fromDoc<Report>(d) as Report);
    return models.reports.replaceOne({ _id: String(doc._id) }, doc, { upsert: true, runValidators: true });
  });
  await run("inbound", await embeddedDocs(dataDir, "inbound"), (d) =>
    models.inbound.replaceOne(
      { _id: String(d._id) },
      // An unfinished claim keeps its message, so the new store can still process it.
      { _id: String(d._id), state: d.state, claimedAt: d.claimedAt, ...(d.message ? { message: d.message } : {}) },
      { upsert: true, runValidators: true },
    ),
  );
  // A counter only moves forward: a folio handed out in either store is never handed out again.
  await run("counters", await embeddedDocs(dataDir, "counters"), (d) =>
    models.counters.updateOne({ _id: String(d._id) }, { $max: { seq: Number(d.seq) } }, { upsert: true }),
  );
  const files = new FileMedia(join(dataDir, "media"));
  await run("media", await mediaIds(dataDir), async (id) => {
    const media = await files.get(id);
    if (media) await mongo.media.put(id, media);
  });
  return counts;
}

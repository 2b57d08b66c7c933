/**
 * The embedded store: one @seald-io/nedb file per collection in DATA_DIR, so the whole bot
 * runs on a fresh machine without a database server. One process per data folder (lock.ts).
 */
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { PROMPT_TTL_S } from "../../domain/model/card.js";
import type { Citizen } from "../../domain/model/citizen.js";
import { errorInfo } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import type { Store } from "../ports.js";
import { EmbeddedAnnouncements, EmbeddedSubscriptions } from "./announcements.js";
import { failingFile, installAppendHandles, releaseAppendHandles, StoreWriteError } from "./append-handles.js";
import { JournalById } from "./by-id.js";
import { AUTOCOMPACT_MS, type Collection, type IndexSpec, openCollection } from "./collection.js";
import { JournalConversations } from "./conversations.js";
import { EmbeddedCounters } from "./counters.js";
import { StoreUnreadError } from "./data-file.js";
import { EmbeddedEvents } from "./events.js";
import { EmbeddedFollows } from "./follows.js";
import { JournalInbound } from "./inbound.js";
import { lockDataDir } from "./lock.js";
import { FileMedia } from "./media.js";
import { EmbeddedLinkedChats, EmbeddedMembers } from "./members.js";
import { EmbeddedOutbox } from "./outbox.js";
import { EmbeddedCommitmentFollows, EmbeddedCommitments, EmbeddedPlans } from "./plans.js";
import { EmbeddedReports } from "./reports.js";
import { EmbeddedCards, EmbeddedHandoffs, EmbeddedPrompts } from "./secretariat.js";

/**
 * Each nedb collection (a file in the data folder) with the indexes its queries need. Citizens,
 * conversations and inbound ids, which every message reads or writes, and the reports and the audit
 * trail, which grow with the years and are kept out of memory but for their keys, are the store's own
 * files in nedb's format (by-id.ts, conversations.ts, inbound.ts, reports.ts, events.ts).
 */
const COLLECTIONS = {
  counters: [],
  outbox: [
    { fieldName: "_q", sparse: true },
    { fieldName: "_chat", sparse: true },
    { fieldName: "_r", sparse: true },
    { fieldName: "_p", sparse: true },
    // sent items are dropped after OUTBOX_SENT_TTL_S by the outbox's own sweep (outbox.ts)
    { fieldName: "_sent", sparse: true },
  ],
  members: [{ fieldName: "telegramId", unique: true, sparse: true }],
  chats: [{ fieldName: "municipality" }],
  follows: [{ fieldName: "report" }, { fieldName: "citizen" }],
  cards: [],
  prompts: [{ fieldName: "createdAt", expireAfterSeconds: PROMPT_TTL_S }],
  handoffs: [{ fieldName: "citizen" }],
  plans: [],
  commitments: [{ fieldName: "municipality" }, { fieldName: "dispatchPending" }, { fieldName: "reports" }],
  commitment_follows: [{ fieldName: "commitment" }, { fieldName: "citizen" }],
  announcements: [{ fieldName: "municipality" }, { fieldName: "state" }],
  subscriptions: [{ fieldName: "municipality" }, { fieldName: "citizen" }],
} satisfies Record<string, IndexSpec[]>;

export interface EmbeddedOptions {
  /** Keep the collections in memory only: for benchmarks, never for citizens' data (no lock, no files). */
  inMemory?: boolean;
  /** Where repairs made when opening the files are told. */
  logger?: Logger;
  /**
   * Open without reading the audit trail, only checking its file (the service: ready sooner;
   * `finishLoading` reads it once the bot listens, or the first call that needs it).
   */
  background?: boolean;
}

/** The embedded store, with how much it keeps in memory (the bench prints it). */
export interface EmbeddedStore extends Store {
  sizes(): Record<string, number>;
}

/**
 * The data folder holds citizens' reports, conversations and photos: only the bot's own user may
 * enter it (0700), whatever the modes of the files in it, and what this process creates from now on
 * is its user's alone (umask 077: files 0600). A folder the bot does not own (a mount) is said, not fatal.
 */
async function keepPrivate(dataDir: string, logger?: Logger): Promise<void> {
  try {
    process.umask(process.umask() | 0o077);
    await chmod(dataDir, 0o700);
  } catch (err) {
    logger?.warn({ err: errorInfo(err) }, "the data folder's permissions could not be narrowed to its owner; check them");
  }
}

export async function openEmbeddedStore(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedStore> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await keepPrivate(dataDir, options.logger);
  installAppendHandles();
  const dir = options.inMemory ? null : dataDir;
  const lock = dir === null ? undefined : lockDataDir(dir);
  const all: Collection[] = [];
  const db = {} as Record<keyof typeof COLLECTIONS, Collection>;
  let inbound: JournalInbound;
  let conversations: JournalConversations;
  let citizens: JournalById<Citizen>;
  let events: EmbeddedEvents;
  let reports: EmbeddedReports;
  let media: FileMedia;
  try {
    citizens = await new JournalById<Citizen>(dir, "citizens").load(options.logger);
    inbound = await JournalInbound.open(dir, options.logger);
    conversations = await JournalConversations.open(dir, inbound.handled, options.logger);
    events = await EmbeddedEvents.open(dir, options.logger, { background: options.background });
    reports = await EmbeddedReports.open(dir, options.logger);
    media = await FileMedia.open(join(dataDir, "media"), dir, options.logger);
    // One after the other: a file that stops start-up is named alone, and none is left half open.
    for (const [name, indexes] of Object.entries(COLLECTIONS) as [keyof typeof COLLECTIONS, IndexSpec[]][]) {
      db[name] = await openCollection(dir, name, indexes, options.logger);
      all.push(db[name]);
    }
  } catch (err) {
    for (const collection of all) collection.stopAutocompaction();
    await releaseAppendHandles(dataDir);
    lock?.release();
    throw err;
  }
  // Both files are rewritten every AUTOCOMPACT_MS, as nedb's are; inbound ids first, so an id a
  // conversation's old lines finished is in inbound.db before those lines are gone.
  const compactJournals = async () => {
    await inbound.compact(new Date());
    await conversations.compact();
    await citizens.compact();
    await events.compact();
    await reports.compact();
    await media.compact();
  };
  const journalTimer = dir === null ? undefined : setInterval(() => void compactJournals().catch(() => undefined), AUTOCOMPACT_MS);
  journalTimer?.unref();
  return {
    kind: "embedded",
    citizens,
    conversations,
    reports,
    inbound,
    counters: new EmbeddedCounters(db.counters),
    media,
    outbox: new EmbeddedOutbox(db.outbox),
    events,
    members: new EmbeddedMembers(db.members),
    chats: new EmbeddedLinkedChats(db.chats),
    follows: new EmbeddedFollows(db.follows),
    cards: new EmbeddedCards(db.cards),
    prompts: new EmbeddedPrompts(db.prompts),
    handoffs: new EmbeddedHandoffs(db.handoffs),
    plans: new EmbeddedPlans(db.plans),
    commitments: new EmbeddedCommitments(db.commitments),
    commitmentFollows: new EmbeddedCommitmentFollows(db.commitment_follows),
    announcements: new EmbeddedAnnouncements(db.announcements),
    subscriptions: new EmbeddedSubscriptions(db.subscriptions),
    finishLoading: () => events.finishLoading(),
    // A write that failed (a full disk) left nothing behind, and an audit trail that could not be read
    // (the process stops) recorded nothing: the message waits and is tried again.
    unavailable: (err) => err instanceof StoreWriteError || err instanceof StoreUnreadError,
    sizes: () => ({
      conversations: conversations.size,
      citizens: citizens.size,
      "finished inbound ids": inbound.size.done,
      "claims in progress": inbound.size.processing,
      "audit entries (positions only)": events.size,
      "reports (keys only)": reports.size,
      "draft photos": media.draftCount,
      ...Object.fromEntries(Object.entries(db).map(([name, collection]) => [`${name} (nedb)`, collection.getAllData().length])),
    }),
    async ping() {
      const file = failingFile(dataDir);
      if (file) throw new Error(`the last write to ${file} failed`);
    },
    async close() {
      const failures: unknown[] = [];
      try {
        if (dir === null) return;
        clearInterval(journalTimer);
        await compactJournals().catch((err: unknown) => failures.push(err));
        for (const collection of all) {
          collection.stopAutocompaction();
          // A compaction that fails leaves the file as it was: every change is already appended to it.
          await collection.compactDatafileAsync().catch((err: unknown) => failures.push(err));
        }
      } finally {
        events.close();
        reports.close();
        await releaseAppendHandles(dataDir);
        lock?.release();
      }
      if (failures.length) throw failures[0];
    },
  };
}

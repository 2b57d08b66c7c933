/**
 * The embedded store: one @seald-io/nedb file per collection in DATA_DIR, so the whole bot
 * runs on a fresh machine without a database server. One process per data folder.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Citizen } from "../../domain/model/citizen.js";
import { INBOUND_TTL_S } from "../claim.js";
import { OUTBOX_SENT_TTL_S } from "../outbox-rule.js";
import type { Store } from "../ports.js";
import { installAppendHandles, releaseAppendHandles } from "./append-handles.js";
import { EmbeddedById, EmbeddedConversations } from "./by-id.js";
import { type Collection, type IndexSpec, openCollection } from "./collection.js";
import { EmbeddedCounters } from "./counters.js";
import { EmbeddedEvents } from "./events.js";
import { EmbeddedInbound } from "./inbound.js";
import { FileMedia } from "./media.js";
import { EmbeddedLinkedChats, EmbeddedMembers } from "./members.js";
import { EmbeddedOutbox } from "./outbox.js";
import { EmbeddedReports } from "./reports.js";

/** Each collection (a file in the data folder) with the indexes its queries need. */
const COLLECTIONS = {
  citizens: [],
  conversations: [],
  reports: [{ fieldName: "folio", unique: true }, { fieldName: "citizenId", sparse: true }, { fieldName: "municipality" }, { fieldName: "status" }],
  inbound: [{ fieldName: "claimedAt", expireAfterSeconds: INBOUND_TTL_S }],
  counters: [],
  outbox: [{ fieldName: "state" }, { fieldName: "chatId" }, { fieldName: "sentAt", expireAfterSeconds: OUTBOX_SENT_TTL_S }],
  events: [
    { fieldName: "report", sparse: true },
    { fieldName: "municipality", sparse: true },
    { fieldName: "citizen", sparse: true },
  ],
  members: [{ fieldName: "telegramId", unique: true, sparse: true }],
  chats: [{ fieldName: "municipality" }],
} satisfies Record<string, IndexSpec[]>;

export async function openEmbeddedStore(dataDir: string, options: { inMemory?: boolean } = {}): Promise<Store> {
  await mkdir(dataDir, { recursive: true });
  installAppendHandles();
  const dir = options.inMemory ? null : dataDir;
  const opened = await Promise.all(Object.entries(COLLECTIONS).map(async ([name, indexes]) => [name, await openCollection(dir, name, indexes)] as const));
  const db = Object.fromEntries(opened) as Record<keyof typeof COLLECTIONS, Collection>;
  const all = Object.values(db);
  return {
    kind: "embedded",
    citizens: new EmbeddedById<Citizen>(db.citizens),
    conversations: new EmbeddedConversations(db.conversations),
    reports: new EmbeddedReports(db.reports),
    inbound: new EmbeddedInbound(db.inbound),
    counters: new EmbeddedCounters(db.counters),
    media: new FileMedia(join(dataDir, "media")),
    outbox: new EmbeddedOutbox(db.outbox),
    events: new EmbeddedEvents(db.events),
    members: new EmbeddedMembers(db.members),
    chats: new EmbeddedLinkedChats(db.chats),
    // Files on this machine are never "away": a failure is a failure.
    unavailable: () => false,
    ping: async () => {},
    async close() {
      if (dir === null) return;
      for (const collection of all) {
        collection.stopAutocompaction();
        await collection.compactDatafileAsync();
      }
      await releaseAppendHandles(dataDir);
    },
  };
}

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
import { type Collection, openCollection } from "./collection.js";
import { EmbeddedCounters } from "./counters.js";
import { EmbeddedEvents } from "./events.js";
import { EmbeddedInbound } from "./inbound.js";
import { FileMedia } from "./media.js";
import { EmbeddedOutbox } from "./outbox.js";
import { EmbeddedReports } from "./reports.js";

export async function openEmbeddedStore(dataDir: string, options: { inMemory?: boolean } = {}): Promise<Store> {
  await mkdir(dataDir, { recursive: true });
  installAppendHandles();
  const dir = options.inMemory ? null : dataDir;
  const [citizens, conversations, reports, inbound, counters, outbox, events] = await Promise.all([
    openCollection(dir, "citizens", []),
    openCollection(dir, "conversations", []),
    openCollection(dir, "reports", [
      { fieldName: "folio", unique: true },
      { fieldName: "citizenId", sparse: true },
      { fieldName: "municipality" },
      { fieldName: "status" },
    ]),
    openCollection(dir, "inbound", [{ fieldName: "claimedAt", expireAfterSeconds: INBOUND_TTL_S }]),
    openCollection(dir, "counters", []),
    openCollection(dir, "outbox", [{ fieldName: "state" }, { fieldName: "chatId" }, { fieldName: "sentAt", expireAfterSeconds: OUTBOX_SENT_TTL_S }]),
    openCollection(dir, "events", [
      { fieldName: "report", sparse: true },
      { fieldName: "municipality", sparse: true },
      { fieldName: "citizen", sparse: true },
    ]),
  ]);
  const all: Collection[] = [citizens, conversations, reports, inbound, counters, outbox, events];
  return {
    kind: "embedded",
    citizens: new EmbeddedById<Citizen>(citizens),
    conversations: new EmbeddedConversations(conversations),
    reports: new EmbeddedReports(reports),
    inbound: new EmbeddedInbound(inbound),
    counters: new EmbeddedCounters(counters),
    media: new FileMedia(join(dataDir, "media")),
    outbox: new EmbeddedOutbox(outbox),
    events: new EmbeddedEvents(events),
    // Files on this machine are never "away": a failure is a failure.
    unavailable: () => false,
    ping: async () => {},
    async close() {
      if (dir === null) return;
      for (const db of all) {
        db.stopAutocompaction();
        await db.compactDatafileAsync();
      }
      await releaseAppendHandles(dataDir);
    },
  };
}

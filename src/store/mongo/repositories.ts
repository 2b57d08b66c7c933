/**
 * The repository ports on MongoDB. Documents go through the mongoose models (validated and cast),
 * read back lean and mapped to the domain's shapes. Filters built from outside values are sanitized
 * by the connection (`sanitizeFilter`); our own operators are marked `trusted`.
 */
import { Readable } from "node:stream";
import { type mongo, trusted } from "mongoose";
import type { ChannelName } from "../../domain/model/channel.js";
import type { Citizen } from "../../domain/model/citizen.js";
import { MEDIA_ID } from "../../domain/model/media.js";
import type { GeoPoint, Report } from "../../domain/model/report.js";
import { claimWithLease } from "../claim.js";
import type {
  CitizenRepository,
  ClaimResult,
  ConversationRecord,
  ConversationRepository,
  CounterRepository,
  InboundRepository,
  JournaledMessage,
  MediaRepository,
  ReportRepository,
  StoredMedia,
} from "../ports.js";
import type { Models } from "./models.js";

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number })?.code === DUPLICATE_KEY;
}

/** `telegram:123` → channel and chat id, as the conversations' unique index keeps them. */
function splitId(id: string): { channel: string; chatId: string } {
  const at = id.indexOf(":");
  return { channel: id.slice(0, at), chatId: id.slice(at + 1) };
}

function withoutId<T>(doc: Record<string, unknown> | null): (T & { id: string }) | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return { id: String(_id), ...rest } as T & { id: string };
}

export class MongoCitizens implements CitizenRepository {
  constructor(private readonly model: Models["citizens"]) {}

  async get(id: string): Promise<Citizen | null> {
    return withoutId<Citizen>(await this.model.findById(String(id)).lean());
  }

  async save(citizen: Citizen): Promise<void> {
    const { id, ...rest } = citizen;
    await this.model.replaceOne({ _id: id }, { _id: id, ...rest }, { upsert: true, runValidators: true });
  }
}

/** The stored conversation without the fields only the unique index needs. */
function conversationFromDoc(doc: Record<string, unknown>): ConversationRecord {
  const { _id, channel: _c, chatId: _ch, ...rest } = doc;
  return { id: String(_id), ...rest } as unknown as ConversationRecord;
}

export class MongoConversations implements ConversationRepository {
  constructor(private readonly model: Models["conversations"]) {}

  async get(id: string): Promise<ConversationRecord | null> {
    const doc = await this.model.findById(String(id)).lean();
    return doc ? conversationFromDoc(doc as Record<string, unknown>) : null;
  }

  async save(record: ConversationRecord): Promise<void> {
    const { id, ...rest } = record;
    await this.model.replaceOne({ _id: id }, { _id: id, ...splitId(id), ...rest }, { upsert: true, runValidators: true });
  }

  async withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]> {
    const docs = await this.model
      .find({ channel: String(channel), pending: trusted({ $ne: [] }), updatedAt: trusted({ $gte: since }) })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    return docs.map((doc) => conversationFromDoc(doc as Record<string, unknown>));
  }
}

/** GeoJSON keeps [longitude, latitude]; the domain keeps names. */
export function toGeoJson(p: GeoPoint | null): { type: "Point"; coordinates: [number, number] } | undefined {
  return p ? { type: "Point", coordinates: [p.longitude, p.latitude] } : undefined;
}

export function reportToDoc(report: Report): Record<string, unknown> {
  const { id, location, ...rest } = report;
  const doc: Record<string, unknown> = { _id: id, ...rest };
  const point = toGeoJson(location);
  if (point) doc.location = point;
  return doc;
}

export function reportFromDoc(doc: Record<string, unknown>): Report {
  const { _id, location, ...rest } = doc;
  const coords = (location as { coordinates?: number[] } | undefined)?.coordinates;
  return { id: String(_id), ...rest, location: coords ? { latitude: coords[1], longitude: coords[0] } : null } as Report;
}

export class MongoReports implements ReportRepository {
  constructor(private readonly model: Models["reports"]) {}

  async insert(report: Report): Promise<void> {
    await this.model.create(reportToDoc(report));
  }

  async byFolio(folio: string): Promise<Report | null> {
    const doc = await this.model.findOne({ folio: String(folio) }).lean();
    return doc ? reportFromDoc(doc as Record<string, unknown>) : null;
  }

  async byCitizen(citizenId: string, limit: number): Promise<Report[]> {
    const docs = await this.model
      .find({ citizenId: String(citizenId) })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean();
    return docs.map((d) => reportFromDoc(d as Record<string, unknown>));
  }

  count(): Promise<number> {
    return this.model.countDocuments({});
  }
}

export class MongoInbound implements InboundRepository {
  constructor(private readonly model: Models["inbound"]) {}

  claim(id: string, now: Date, leaseMs: number, message?: JournaledMessage): Promise<ClaimResult> {
    const _id = String(id);
    return claimWithLease(
      {
        insert: async () => {
          try {
            await this.model.create({ _id, state: "processing", claimedAt: now, ...(message ? { message } : {}) });
            return true;
          } catch (err) {
            if (isDuplicateKey(err)) return false;
            throw err;
          }
        },
        takeOver: async (stale) => {
          const res = await this.model.updateOne({ _id, state: "processing", claimedAt: trusted({ $lt: stale }) }, { $set: { claimedAt: now } });
          return res.modifiedCount === 1;
        },
      },
      now,
      leaseMs,
    );
  }

  async complete(id: string, now: Date): Promise<void> {
    await this.model.updateOne({ _id: String(id) }, { $set: { state: "done", claimedAt: now }, $unset: { message: 1 } });
  }

  async release(id: string): Promise<void> {
    await this.model.deleteOne({ _id: String(id), state: "processing" });
  }

  async unfinished(claimedBefore: Date, limit: number): Promise<JournaledMessage[]> {
    const docs = await this.model
      .find({ state: "processing", claimedAt: trusted({ $lt: claimedBefore }), message: trusted({ $exists: true }) })
      .sort({ claimedAt: 1 })
      .limit(limit)
      .lean();
    return docs.flatMap((d) => (d.message ? [d.message as unknown as JournaledMessage] : []));
  }
}

export class MongoCounters implements CounterRepository {
  constructor(private readonly model: Models["counters"]) {}

  /** Atomic `$inc`; two first uses racing on a new counter both upsert, and the loser retries. */
  async next(name: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await this.model.findOneAndUpdate({ _id: String(name) }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: "after" }).lean();
        if (typeof doc?.seq !== "number") throw new Error(`counter ${name} returned no number`);
        return doc.seq;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= 10) throw err;
      }
    }
  }
}

/** Photos in GridFS (bucket `media`), named by their id, with their type in the metadata. */
export class GridFsMedia implements MediaRepository {
  constructor(private readonly bucket: mongo.GridFSBucket) {}

  private check(id: string): string {
    if (!MEDIA_ID.test(id)) throw new Error("invalid media id");
    return id;
  }

  async put(id: string, media: StoredMedia): Promise<void> {
    const name = this.check(id);
    // Idempotent: a photo already stored under this id (a migration run twice) is kept.
    if (await this.bucket.find({ filename: name }).limit(1).hasNext()) return;
    await new Promise<void>((resolve, reject) => {
      const upload = this.bucket.openUploadStream(name, { metadata: { mimeType: media.mimeType } });
      upload.once("finish", () => resolve());
      upload.once("error", reject);
      Readable.from([media.data]).pipe(upload);
    });
  }

  async get(id: string): Promise<StoredMedia | null> {
    const name = this.check(id);
    const file = await this.bucket.find({ filename: name }).sort({ uploadDate: -1 }).limit(1).next();
    if (!file) return null;
    const parts: Buffer[] = [];
    for await (const part of this.bucket.openDownloadStream(file._id)) parts.push(part as Buffer);
    return { data: Buffer.concat(parts), mimeType: String(file.metadata?.mimeType ?? "application/octet-stream") };
  }
}

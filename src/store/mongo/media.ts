import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Connection, type mongo, Schema } from "mongoose";
import { MEDIA_ID } from "../../domain/model/media.js";
import type { MediaDraft, MediaRepository, StoredMedia } from "../ports.js";
import { DURABLE } from "./collection.js";

/**
 * GridFS's own `media.files`, declared for the index the sweep of draft photos reads by age (GridFS
 * writes the documents; nothing is written through this model).
 */
const mediaFileSchema = new Schema({}, { ...DURABLE, strict: false, collection: "media.files" });
mediaFileSchema.index({ "metadata.draft.at": 1 }, { sparse: true });

export const mediaFileModel = (conn: Connection) => conn.model("MediaFile", mediaFileSchema);

/**
 * Photos in GridFS (bucket `media`), named by their id, with their type in the metadata. A draft
 * carries `metadata.draft` (its conversation and time) until a report keeps it.
 */
export class GridFsMedia implements MediaRepository {
  constructor(
    private readonly bucket: mongo.GridFSBucket,
    /** The bucket's `media.files` collection, where the metadata lives. */
    private readonly files: mongo.Collection,
  ) {}

  private check(id: string): string {
    if (!MEDIA_ID.test(id)) throw new Error("invalid media id");
    return id;
  }

  /** Whether a photo is stored under this id. */
  async has(id: string): Promise<boolean> {
    return this.bucket
      .find({ filename: this.check(id) })
      .limit(1)
      .hasNext();
  }

  async put(id: string, media: StoredMedia, draft?: Omit<MediaDraft, "id">): Promise<void> {
    const name = this.check(id);
    // Idempotent: a photo already stored under this id (a migration run twice) is kept.
    if (await this.has(name)) return;
    const metadata = draft ? { mimeType: media.mimeType, draft: { owner: String(draft.owner), at: draft.at } } : { mimeType: media.mimeType };
    await pipeline(Readable.from([media.data]), this.bucket.openUploadStream(name, { metadata }));
  }

  async get(id: string): Promise<StoredMedia | null> {
    const name = this.check(id);
    const file = await this.bucket.find({ filename: name }).sort({ uploadDate: -1 }).limit(1).next();
    if (!file) return null;
    const parts: Buffer[] = [];
    for await (const part of this.bucket.openDownloadStream(file._id)) parts.push(part as Buffer);
    return { data: Buffer.concat(parts), mimeType: String(file.metadata?.mimeType ?? "application/octet-stream") };
  }

  async keep(ids: string[]): Promise<string[]> {
    const names = ids.map((id) => this.check(id));
    if (names.length === 0) return [];
    // A photo's age (`kept`) counts from now: a draft kept for a report today is no orphan of last week.
    await this.files.updateMany({ filename: { $in: names } }, { $unset: { "metadata.draft": "" }, $set: { "metadata.keptAt": new Date() } });
    const found = await this.bucket.find({ filename: { $in: names } }).toArray();
    const existing = new Set(found.map((f) => f.filename));
    return names.filter((n) => existing.has(n));
  }

  async discard(id: string): Promise<void> {
    const name = this.check(id);
    for (const file of await this.bucket.find({ filename: name, "metadata.draft": { $exists: true } }).toArray()) {
      await this.bucket.delete(file._id);
    }
  }

  async remove(id: string): Promise<void> {
    const name = this.check(id);
    for (const file of await this.bucket.find({ filename: name }).toArray()) {
      // Gone meanwhile (another process removed it): what was asked is done.
      await this.bucket.delete(file._id).catch((err: unknown) => {
        if (!/not found/i.test((err as Error).message ?? "")) throw err;
      });
    }
  }

  async *kept(before: Date): AsyncIterable<string> {
    // By when it was kept, or stored when it never was a draft (the driver's own collection: no sanitizeFilter).
    const found = this.files.find(
      { uploadDate: { $lt: before }, "metadata.draft": { $exists: false }, "metadata.keptAt": { $not: { $gte: before } } },
      { projection: { filename: 1 } },
    );
    for await (const file of found) yield String(file.filename);
  }

  async drafts(before: Date, limit: number): Promise<MediaDraft[]> {
    const found = await this.bucket
      .find({ "metadata.draft.at": { $lt: before } })
      .sort({ "metadata.draft.at": 1 })
      .limit(limit)
      .toArray();
    return found.map((f) => ({ id: f.filename, owner: String(f.metadata?.draft?.owner ?? ""), at: new Date(f.metadata?.draft?.at ?? 0) }));
  }
}

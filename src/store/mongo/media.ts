import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { mongo } from "mongoose";
import { MEDIA_ID } from "../../domain/model/media.js";
import type { MediaRepository, StoredMedia } from "../ports.js";

/** Photos in GridFS (bucket `media`), named by their id, with their type in the metadata. */
export class GridFsMedia implements MediaRepository {
  constructor(private readonly bucket: mongo.GridFSBucket) {}

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

  async put(id: string, media: StoredMedia): Promise<void> {
    const name = this.check(id);
    // Idempotent: a photo already stored under this id (a migration run twice) is kept.
    if (await this.has(name)) return;
    await pipeline(Readable.from([media.data]), this.bucket.openUploadStream(name, { metadata: { mimeType: media.mimeType } }));
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

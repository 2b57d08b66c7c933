import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { mongo } from "mongoose";
import type { SharedFiles } from "../ports.js";

/**
 * Files every process of the bot reaches by name, in GridFS (bucket `shared`): the WhatsApp Web
 * session, so the process elected to run WhatsApp restores it without a new QR. A new version is
 * written whole before the older ones are removed, so a failure halfway keeps the last good one.
 */
export class GridFsSharedFiles implements SharedFiles {
  constructor(private readonly bucket: mongo.GridFSBucket) {}

  async exists(name: string): Promise<boolean> {
    return this.bucket
      .find({ filename: String(name) })
      .limit(1)
      .hasNext();
  }

  async upload(name: string, fromPath: string): Promise<void> {
    const upload = this.bucket.openUploadStream(String(name));
    await pipeline(createReadStream(fromPath), upload);
    const older = await this.bucket.find({ filename: String(name), _id: { $ne: upload.id } }, { projection: { _id: 1 } }).toArray();
    for (const file of older) await this.bucket.delete(file._id);
  }

  async download(name: string, toPath: string): Promise<boolean> {
    const [newest] = await this.bucket
      .find({ filename: String(name) })
      .sort({ uploadDate: -1, _id: -1 })
      .limit(1)
      .toArray();
    if (!newest) return false;
    // Written under another name and renamed: a half-written file is never read as the session.
    const part = `${toPath}.part`;
    try {
      await pipeline(this.bucket.openDownloadStream(newest._id), createWriteStream(part));
      await rename(part, toPath);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return true;
  }

  async remove(name: string): Promise<void> {
    const files = await this.bucket.find({ filename: String(name) }, { projection: { _id: 1 } }).toArray();
    for (const file of files) await this.bucket.delete(file._id);
  }
}

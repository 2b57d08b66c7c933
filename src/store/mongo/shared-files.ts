import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { mongo } from "mongoose";
import type { SharedFiles } from "../ports.js";
import { isDuplicateKey } from "./collection.js";

/** How long a process waits for another one's first version to be complete (it writes a few bytes). */
const FIRST_VERSION_WAIT_MS = 10_000;

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
    await this.write(newest._id, toPath);
    return true;
  }

  /**
   * The first version has an id made from the name: GridFS's unique indexes (a file's id, a chunk's
   * file and number) let one process store it; the others' writes fail as duplicates and they read it
   * once it is complete (its file document is written after its chunks).
   */
  async createOnce(name: string, fromPath: string, toPath: string, retried = false): Promise<void> {
    const id = `first:${String(name)}`;
    try {
      await pipeline(createReadStream(fromPath), this.bucket.openUploadStreamWithId(id as never, String(name)));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const until = Date.now() + FIRST_VERSION_WAIT_MS;
    while (
      !(await this.bucket
        .find({ _id: id as never })
        .limit(1)
        .hasNext())
    ) {
      if (Date.now() > until) {
        if (retried) throw new Error(`${name}: another process's first version never completed`);
        // A process that died halfway left chunks without their file: they go (GridFS's delete removes
        // a missing file's chunks), and this one tries again.
        await this.bucket.delete(id as never).catch(() => undefined);
        return this.createOnce(name, fromPath, toPath, true);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.write(id, toPath);
  }

  /** One stored version to `toPath`, written under another name and renamed: a half-written file is never read. */
  private async write(id: unknown, toPath: string): Promise<void> {
    const part = `${toPath}.part`;
    try {
      await pipeline(this.bucket.openDownloadStream(id as never), createWriteStream(part));
      await rename(part, toPath);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }

  async remove(name: string): Promise<void> {
    const files = await this.bucket.find({ filename: String(name) }, { projection: { _id: 1 } }).toArray();
    for (const file of files) await this.bucket.delete(file._id);
  }
}

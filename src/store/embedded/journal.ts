/**
 * A file the embedded store writes itself, without nedb, for the collections every message touches
 * (conversations, inbound ids): the collection lives in memory, and each change is one line appended
 * to the file, in nedb's own format (one JSON document per line, dates as `{"$$date": ms}`, the last
 * line of an `_id` wins, `{"$$deleted": true}` removes it), so nedb, the migration to MongoDB and
 * backups read the file as before.
 *
 * Group commit: lines handed over in the same turn of the event loop, from any number of
 * conversations, go to the file in one write (append-handles.ts: one kept descriptor, writeSync,
 * a failed write cut back to its last whole line). Each line's `applied` runs once its write
 * succeeded, before its promise resolves: memory never holds what the file does not. A failed write
 * rejects every line of it with a StoreWriteError (the runtime treats it as the store away for now).
 *
 * Compaction rewrites the file from memory (written to a new file renamed over the old one, synced
 * as nedb does); lines handed over meanwhile wait and go to the new file after it.
 */

import { createReadStream, statSync } from "node:fs";
import { createRequire } from "node:module";
import type { Logger } from "../../util/logger.js";
import { appendLines } from "./append-handles.js";
import { checkDataFile, damagedFile, readDocumentLines } from "./data-file.js";

const require = createRequire(import.meta.url);
const storage = require("@seald-io/nedb/lib/storage.js") as {
  /** `lines`: anything stream.Readable.from takes (an array, or lines made as they are written). */
  crashSafeWriteFileLinesAsync(file: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void>;
};

interface Pending {
  line: string;
  /** Gets where the line starts in the file and its length (bytes) when the journal keeps positions. */
  applied?: (at: number, bytes: number) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class JournalFile {
  private queue: Pending[] = [];
  private scheduled = false;
  private compacting = false;

  /**
   * `file` null: memory only (benchmarks), nothing is written and every line succeeds at once.
   * `positions`: each line's `applied` is told where the line starts in the file and its length in
   * bytes (a collection that reads its lines back from the file instead of keeping them, events.ts).
   */
  constructor(
    readonly file: string | null,
    private readonly positions = false,
  ) {}

  /** Appends one line (a document, without its line break); `applied` runs once it is written. */
  write(line: string, applied?: (at: number, bytes: number) => void): Promise<void> {
    if (this.file === null) {
      applied?.(-1, 0);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ line, applied, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.compacting) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes the lines handed over so far now, instead of at the next turn of the event loop (a store closing). */
  drain(): void {
    this.flush();
  }

  private flush(): void {
    this.scheduled = false;
    if (this.compacting || !this.queue.length || this.file === null) return;
    const batch = this.queue;
    this.queue = [];
    let data = "";
    for (const p of batch) data += `${p.line}\n`;
    let at: number;
    try {
      at = appendLines(this.file, data);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) {
      const start = at;
      const bytes = this.positions ? Buffer.byteLength(p.line) : 0;
      if (this.positions) at += bytes + 1;
      try {
        p.applied?.(start, bytes);
      } catch (err) {
        p.reject(err);
        continue;
      }
      p.resolve();
    }
  }

  /**
   * Rewrites the file as `snapshot` (taken now: every line written so far is in it; lines handed over
   * meanwhile wait). `written` runs once the new file is in place, before any waiting line goes to it.
   * A failure leaves the old file as it was, and throws.
   */
  async compact(snapshot: () => string[] | Promise<string[]> | AsyncIterable<string>, written?: () => void): Promise<void> {
    if (this.file === null || this.compacting) return;
    const file = this.file;
    // Lines waiting for the next write go first: the snapshot is taken from memory, which holds only what was written.
    this.flush();
    this.compacting = true;
    const before = inode(file);
    try {
      await storage.crashSafeWriteFileLinesAsync(file, await snapshot());
      written?.();
    } catch (err) {
      // Failed after the new file was renamed over the old one (syncing the folder): it is the file now.
      if (inode(file) !== before) written?.();
      throw err;
    } finally {
      this.compacting = false;
      if (this.queue.length) this.schedule();
    }
  }
}

/** The file's inode (another after a rename over it); undefined when there is none. */
function inode(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}

/** Dates as nedb writes them, `{"$$date": ms}`, wherever they are in the document. */
function withDates(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? { $$date: raw.getTime() } : value;
}

/** A document's line as nedb writes it: `_id` first, then its fields, dates as `{"$$date": ms}`. */
export function documentLine(id: string, doc: object): string {
  const fields = JSON.stringify(doc, withDates);
  return fields === "{}" ? `{"_id":${JSON.stringify(id)}}` : `{"_id":${JSON.stringify(id)},${fields.slice(1)}`;
}

/** A date as nedb writes it. */
export function dateJson(date: Date | string | number): string {
  return `{"$$date":${new Date(date).getTime()}}`;
}

/**
 * Reads a collection's file line by line, oldest first, as nedb would: `each` gets every document
 * (with its `_id`), `removed` every deletion. A half-written last line is cut off first (data-file.ts);
 * any other line that is not a document stops start-up. A missing file is an empty collection.
 */
export async function readJournal(file: string, each: (doc: Record<string, unknown>) => void, removed: (id: string) => void, logger?: Logger): Promise<void> {
  await checkDataFile(file, logger);
  let read: { lines: number; corrupt: number };
  try {
    read = await readDocumentLines(createReadStream(file, { encoding: "utf8" }), { doc: each, removed: (id) => removed(String(id)) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (read.corrupt) throw damagedFile(file, read.corrupt, read.lines);
}

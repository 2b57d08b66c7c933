/**
 * How the embedded store writes its files, over @seald-io/nedb's own persistence.
 *
 * Speed: nedb appends every write with fs.appendFile, which opens and closes the collection's file
 * each time; under load that is most of the embedded store's cost. This keeps one append-mode
 * descriptor per file instead, and writes with writeSync: a few hundred bytes into the page cache
 * take 3 µs that way against 30 µs through the thread pool (measured), with the same durability
 * (nedb never fsyncs an append). nedb runs one operation at a time per collection, so appends to a
 * file never overlap; before nedb rewrites a file (compaction renames a new file over it) or
 * removes it, the descriptor is closed, and the next append opens the new file.
 *
 * Start-up: nedb rewrites each file after reading it; the store leaves that to the periodic
 * compaction (AUTOCOMPACT_MS) and to closing, so that start-up only reads.
 *
 * Failed writes: a write cut short (a full disk) may leave half a line at the end of the file, and
 * nedb has already changed the collection in memory. Left alone, the next append would be glued to
 * that half line, and nedb drops the whole glued line when it next loads the file: a write it
 * acknowledged, silently gone. So a failed append cuts the file back to its last whole line (or,
 * if even that fails, refuses every later append to the file until it can), puts the collection
 * in memory back to what the file holds, and throws a StoreWriteError the runtime treats as the
 * store being away for now.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import type { Readable } from "node:stream";
import { readDocumentLines } from "./data-file.js";

interface NedbStorage {
  appendFileAsync(file: string, data: string, options?: { encoding?: string; mode?: number }): Promise<void>;
  crashSafeWriteFileLinesAsync(file: string, ...rest: unknown[]): Promise<void>;
  unlinkAsync(file: string): Promise<void>;
}

/** The part of nedb's Persistence class these patches use. */
interface NedbPersistence {
  filename: string;
  inMemoryOnly: boolean;
  corruptAlertThreshold: number;
  db: { _resetIndexes(data?: unknown[]): void };
  persistNewStateAsync(docs: unknown[]): Promise<void>;
  persistCachedDatabaseAsync(): Promise<void>;
  loadDatabaseAsync(): Promise<void>;
  treatRawStreamAsync(stream: Readable): Promise<{ data: unknown[] }>;
}

const require = createRequire(import.meta.url);
const storage = require("@seald-io/nedb/lib/storage.js") as NedbStorage;
const Persistence = require("@seald-io/nedb/lib/persistence.js") as { prototype: NedbPersistence };

/** A write to the embedded store's files failed (a full disk, a broken disk): nothing of it was kept. */
export class StoreWriteError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: unknown })?.code;
    super(`cannot write ${file}: ${typeof code === "string" ? `${code}: ` : ""}${describe(cause)}`, { cause });
    this.name = "StoreWriteError";
  }
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Node's messages repeat the code and the path ("ENOSPC: no space left on device, write"): keep the words.
  return message.replace(/^[A-Z]+: /, "").replace(/, (write|open|ftruncate|read|rename)\b.*$/, "");
}

interface Handle {
  fd: number;
  /** Bytes of whole lines in the file: where a failed append cuts it back to. */
  size: number;
}

const handles = new Map<string, Handle>();
/** Files whose last append failed and could not be cut back yet: the length of their whole lines. */
const torn = new Map<string, number>();
/** Files whose last write failed (the store's health check reports them until a write succeeds). */
const failing = new Set<string>();
/** Collections whose memory could not be put back after a failed write: reloaded before the next one. */
const diverged = new WeakSet<NedbPersistence>();
/** Collections being read at start-up. */
const loading = new WeakSet<NedbPersistence>();
let installed = false;

function release(file: string): void {
  const handle = handles.get(file);
  handles.delete(file);
  if (handle) fs.closeSync(handle.fd);
}

/** Writes all of `bytes`, even when one write() takes only part of it. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}

/** Cuts off what a failed append left after the file's last whole line; false when even that fails. */
function cutBack(file: string, handle: Handle | undefined, size: number): boolean {
  try {
    if (handle) fs.ftruncateSync(handle.fd, size);
    else fs.truncateSync(file, size);
    torn.delete(file);
    return true;
  } catch {
    torn.set(file, size);
    return false;
  }
}

/**
 * Appends `data` (whole lines) to `file` through its kept descriptor; a failed write is cut back and
 * throws a StoreWriteError, and the file counts as failing (`failingFile`) until a write succeeds.
 * For files the store writes itself, without nedb (journal.ts). Returns where in the file (bytes) `data` starts.
 */
export function appendLines(file: string, data: string): number {
  try {
    const at = append(file, data);
    failing.delete(file);
    return at;
  } catch (err) {
    failing.add(file);
    throw new StoreWriteError(file, err);
  }
}

/** Appends `data`; returns the offset it starts at. */
function append(file: string, data: string, mode?: number): number {
  const cut = torn.get(file);
  if (cut !== undefined && !cutBack(file, handles.get(file), cut)) {
    throw new Error(`${file} ends with half a line from a failed write, and it cannot be cut off yet`);
  }
  let handle = handles.get(file);
  if (!handle) {
    const fd = fs.openSync(file, "a", mode);
    handle = { fd, size: fs.fstatSync(fd).size };
    handles.set(file, handle);
  }
  const bytes = Buffer.from(data, "utf8");
  try {
    writeAll(handle.fd, bytes);
  } catch (err) {
    if (!cutBack(file, handle, handle.size)) release(file);
    throw err;
  }
  const at = handle.size;
  handle.size += bytes.length;
  return at;
}

/** Puts a collection in memory back to what its file holds (its whole lines only). */
async function reloadFromFile(persistence: NedbPersistence): Promise<void> {
  const file = persistence.filename;
  const end = torn.get(file);
  let data: unknown[] = [];
  if (end !== 0) {
    const stream = fs.createReadStream(file, { encoding: "utf8", ...(end !== undefined ? { end: end - 1 } : {}) });
    ({ data } = await persistence.treatRawStreamAsync(stream));
  }
  persistence.db._resetIndexes(data);
  diverged.delete(persistence);
}

/**
 * Reads a collection's file as nedb does (the last line of an `_id` wins, `$$deleted` removes it,
 * index lines are kept, too many lines that are not documents refuse the file), without a promise
 * and a reviver call for each line and value: with 100,000 reports the store opens in 3.5 s instead of 6 s.
 */
async function treatRawStream(stream: Readable, corruptAlertThreshold: number): Promise<{ data: unknown[]; indexes: Record<string, unknown> }> {
  const byId = new Map<unknown, unknown>();
  const indexes: Record<string, unknown> = {};
  const { lines: dataLength, corrupt: corruptItems } = await readDocumentLines(stream, {
    doc: (doc) => byId.set(doc._id, doc),
    removed: (id) => byId.delete(id),
    index: (line) => {
      const created = line.$$indexCreated as { fieldName?: unknown } | undefined;
      if (created) indexes[String(created.fieldName)] = created;
      else delete indexes[String(line.$$indexRemoved)];
    },
  });
  if (dataLength > 0 && corruptItems / dataLength > corruptAlertThreshold) {
    const corruptionRate = corruptItems / dataLength;
    throw Object.assign(new Error(`${Math.floor(100 * corruptionRate)}% of the data file is corrupt`), { corruptionRate, corruptItems, dataLength });
  }
  return { data: [...byId.values()], indexes };
}

export function installAppendHandles(): void {
  if (installed) return;
  installed = true;
  const rewrite = storage.crashSafeWriteFileLinesAsync;
  const unlink = storage.unlinkAsync;
  storage.appendFileAsync = async (file, data, options) => {
    append(file, data, options?.mode);
  };
  storage.crashSafeWriteFileLinesAsync = async (file, ...rest) => {
    release(file);
    // Written to a new file renamed over the old one: a failure leaves the old file as it was.
    await rewrite(file, ...rest).catch((err: unknown) => {
      throw new StoreWriteError(file, err);
    });
    // The new file holds whole lines only.
    torn.delete(file);
    failing.delete(file);
  };
  storage.unlinkAsync = async (file) => {
    release(file);
    torn.delete(file);
    return unlink(file);
  };

  const persist = Persistence.prototype.persistNewStateAsync;
  Persistence.prototype.persistNewStateAsync = async function (this: NedbPersistence, docs: unknown[]) {
    if (this.inMemoryOnly) return persist.call(this, docs);
    const file = this.filename;
    try {
      await persist.call(this, docs);
      failing.delete(file);
    } catch (err) {
      failing.add(file);
      // nedb changed the collection in memory before writing: undo it, so memory never holds what the file does not.
      await reloadFromFile(this).catch(() => diverged.add(this));
      throw err instanceof StoreWriteError ? err : new StoreWriteError(file, err);
    }
    // Memory still holds what an earlier failed write left (undoing it failed): read back from the file now
    // that it also holds this write (read before it, memory would lose this write's documents). This write
    // succeeded either way; a read that fails again is tried at the next write.
    if (diverged.has(this)) await reloadFromFile(this).catch(() => undefined);
  };
  // Compaction writes the collection as memory holds it: never memory a failed write left behind.
  const compact = Persistence.prototype.persistCachedDatabaseAsync;
  Persistence.prototype.persistCachedDatabaseAsync = async function (this: NedbPersistence) {
    // nedb rewrites the whole file right after reading it: with 100,000 reports, a quarter of start-up
    // (every document serialized again, 100 MB written and synced) for what the file already holds.
    // The file is compacted by the periodic compaction and when the store closes instead.
    if (loading.has(this)) return;
    if (diverged.has(this)) await reloadFromFile(this);
    return compact.call(this);
  };
  Persistence.prototype.treatRawStreamAsync = function (this: NedbPersistence, stream: Readable) {
    return treatRawStream(stream, this.corruptAlertThreshold);
  };
  const load = Persistence.prototype.loadDatabaseAsync;
  Persistence.prototype.loadDatabaseAsync = async function (this: NedbPersistence) {
    loading.add(this);
    try {
      return await load.call(this);
    } finally {
      loading.delete(this);
    }
  };
}

/**
 * How the last write to `path` went, for a file or folder written otherwise than through these
 * handles (the photos' folder, media.ts): a failure counts as failing (`failingFile`) until a write
 * there succeeds.
 */
export function lastWrite(path: string, ok: boolean): void {
  if (ok) failing.delete(path);
  else failing.add(path);
}

/** The first file under `dir` whose last write failed, if any. */
export function failingFile(dir: string): string | undefined {
  const prefix = join(dir, sep);
  return [...failing].find((f) => f.startsWith(prefix));
}

/** Closes the handles of files under `dir` (the store is closing). */
export async function releaseAppendHandles(dir: string): Promise<void> {
  const prefix = join(dir, sep);
  for (const file of [...handles.keys()]) if (file.startsWith(prefix)) release(file);
  for (const file of [...failing]) if (file.startsWith(prefix)) failing.delete(file);
  // A half line still there is found and cut off, with a log line, when the store opens again.
  for (const file of [...torn.keys()]) if (file.startsWith(prefix)) torn.delete(file);
}

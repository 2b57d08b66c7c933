/**
 * A collection's file, checked before nedb reads it. nedb drops lines it cannot read without a
 * word (up to a tenth of the file) and then rewrites the file without them, and a file it cannot
 * read at all ends the process with a stack trace. Here a file that is not a readable regular file
 * stops start-up with one line; a half-written last line (a write that never completed, so never
 * acknowledged) is cut off with a log line and kept aside in a file of its own; and any other line
 * nedb cannot read stops start-up (see collection.ts), so nothing is ever dropped silently.
 */
import { type FileHandle, open, writeFile } from "node:fs/promises";
import type { Logger } from "../../util/logger.js";

/** A collection's file cannot be used; the message names the file and what to do. */
export class StoreFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreFileError";
  }
}

/**
 * A file the store reads after it opened (the audit trail, once the bot listens) cannot be read: what
 * needs it is not done, as when a write fails (the message waits and is tried again), and the process
 * stops saying why (main.ts).
 */
export class StoreUnreadError extends StoreFileError {
  constructor(message: string) {
    super(message);
    this.name = "StoreUnreadError";
  }
}

/** What went wrong with a file, in words (never the raw errno line). */
export function fileProblem(err: unknown): string {
  switch ((err as NodeJS.ErrnoException)?.code) {
    case "EACCES":
    case "EPERM":
      return "cannot be read or written by this user (check its owner and permissions)";
    case "EISDIR":
      return "is a directory, not a data file";
    case "ENOSPC":
      return "no space left on the disk";
    case "EROFS":
      return "is on a read-only file system";
    case "EIO":
      return "the disk reported an input/output error";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

const CHUNK = 64 * 1024;

/** Where the last line break is, reading back from the end; -1 when there is none. */
async function lastLineBreak(handle: FileHandle, size: number): Promise<number> {
  const buffer = Buffer.alloc(CHUNK);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const at = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at;
    end = start;
  }
  return -1;
}

/**
 * Checks `file` before it is loaded: refuses what is not a readable regular file, and cuts off a
 * half-written last line (kept in `<file>.torn-<time>`). A missing file is a new collection.
 */
export async function checkDataFile(file: string, logger?: Logger): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r+");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new StoreFileError(`${file} ${fileProblem(err)}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new StoreFileError(`${file} is not a regular file`);
    if (stat.size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, stat.size - 1);
    if (last[0] === 0x0a) return;
    const keep = (await lastLineBreak(handle, stat.size)) + 1;
    const tornBytes = Buffer.alloc(stat.size - keep);
    await handle.read(tornBytes, 0, tornBytes.length, keep);
    const aside = `${file}.torn-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    try {
      await writeFile(aside, tornBytes, { flag: "wx", mode: 0o600 });
    } catch (err) {
      throw new StoreFileError(`${file} ends with half a line from an interrupted write, which could not be set aside in ${aside}: ${fileProblem(err)}`);
    }
    await handle.truncate(keep);
    logger?.warn(
      { file, bytes: tornBytes.length, keptIn: aside },
      "cut off half a line an interrupted write left at the end of a data file (that write never completed)",
    );
  } catch (err) {
    if (err instanceof StoreFileError) throw err;
    throw new StoreFileError(`${file} ${fileProblem(err)}`);
  } finally {
    await handle.close();
  }
}

/** `{"$$date": ms}` back to a Date, anywhere in a parsed document (in place). */
function revive(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const object = value as Record<string, unknown>;
  if ("$$date" in object) return new Date(object.$$date as number);
  for (const key in object) {
    const v = object[key];
    if (v !== null && typeof v === "object") object[key] = revive(v);
  }
  return value;
}

/**
 * One line of a collection's file as a document, dates as Dates: nedb's own reading (`model.deserialize`),
 * twice as fast as its JSON.parse reviver (a call for every value of every document at start-up).
 */
export function parseDocument(line: string): unknown {
  return revive(JSON.parse(line));
}

/** A file with lines that are not whole documents: start-up stops rather than drop them. */
export function damagedFile(file: string, corrupt: number, lines: number): StoreFileError {
  return new StoreFileError(
    `${file}: ${corrupt} of ${lines} lines are not whole documents; the store will not start and drop them (restore the file from a backup, or move those lines out by hand)`,
  );
}

/** What a reader of a collection's file is handed, line by line, oldest first. */
export interface LineHandlers {
  /** A document (with its `_id`): the last line of an `_id` wins. False: it is not a whole document after all. */
  doc(doc: Record<string, unknown>): unknown;
  /** A deletion of the document with this `_id`. */
  removed(id: unknown): void;
  /** An index created (`$$indexCreated`) or removed (`$$indexRemoved`). */
  index?(line: Record<string, unknown>): void;
}

/**
 * Reads the lines of a collection's file (a stream of its text) in nedb's format, without a promise per
 * line: how many lines there were and how many are not documents.
 */
export async function readDocumentLines(text: AsyncIterable<unknown>, on: LineHandlers): Promise<{ lines: number; corrupt: number }> {
  let lines = 0;
  let corrupt = 0;
  const take = (line: string) => {
    if (line === "") return;
    lines++;
    if (!takeLine(line, parseDocument, on)) corrupt++;
  };
  let rest = "";
  for await (const chunk of text) {
    const joined = rest + String(chunk);
    let start = 0;
    for (let end = joined.indexOf("\n"); end >= 0; end = joined.indexOf("\n", start)) {
      take(joined.slice(start, end));
      start = end + 1;
    }
    rest = joined.slice(start);
  }
  take(rest);
  return { lines, corrupt };
}

/**
 * One line of a collection's file, read with `parse`, handed to `on` as what it is (a document, a
 * deletion, an index line); false when it is not a whole document.
 */
export function takeLine(line: string, parse: (line: string) => unknown, on: LineHandlers): boolean {
  let doc: Record<string, unknown>;
  try {
    doc = parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (doc === null || typeof doc !== "object") return false;
  if (doc._id) {
    if (doc.$$deleted !== true) return on.doc(doc) !== false;
    on.removed(doc._id);
    return true;
  }
  if ((doc.$$indexCreated as { fieldName?: unknown } | undefined)?.fieldName == null && typeof doc.$$indexRemoved !== "string") return false;
  on.index?.(doc);
  return true;
}

/** A line of a file, where it starts and its length (bytes, without the line break). */
export interface LineAt {
  line: string;
  at: number;
  bytes: number;
}

/**
 * Reads a collection's file as raw lines with where each starts and its length (bytes), for a
 * collection that keeps positions instead of documents (events.ts): the lines of each megabyte read,
 * in order. A line break is one byte in UTF-8, never part of another character, so lines are cut on
 * bytes and decoded one by one. A missing file has no lines.
 */
export async function* linesAt(file: string): AsyncGenerator<LineAt[]> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  try {
    let buffer = Buffer.alloc(1024 * 1024);
    // The start of a line not whole yet, carried to the front of the buffer, and where it is in the file.
    let kept = 0;
    let keptAt = 0;
    for (let at = 0; ; ) {
      if (kept === buffer.length) buffer = Buffer.concat([buffer], buffer.length * 2);
      const { bytesRead } = await handle.read(buffer, kept, buffer.length - kept, at);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, kept + bytesRead);
      const lines: LineAt[] = [];
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, start)) {
        if (end > start) lines.push({ line: chunk.toString("utf8", start, end), at: keptAt + start, bytes: end - start });
        start = end + 1;
      }
      kept = chunk.copy(buffer, 0, start);
      keptAt += start;
      at += bytesRead;
      yield lines;
    }
    if (kept) yield [{ line: buffer.toString("utf8", 0, kept), at: keptAt, bytes: kept }];
  } finally {
    await handle.close();
  }
}

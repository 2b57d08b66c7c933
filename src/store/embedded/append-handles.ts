/**
 * @seald-io/nedb appends every write with fs.appendFile, which opens and closes the collection's
 * file each time; under load that is most of the embedded store's cost. This keeps one append-mode
 * handle per file instead. nedb runs one operation at a time per collection, so appends to a file
 * never overlap; before nedb rewrites a file (compaction renames a new file over it) or removes it,
 * the handle is closed, and the next append opens the new file.
 */
import { type FileHandle, open } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, sep } from "node:path";

interface NedbStorage {
  appendFileAsync(file: string, data: string, options?: { encoding?: string; mode?: number }): Promise<void>;
  crashSafeWriteFileLinesAsync(file: string, ...rest: unknown[]): Promise<void>;
  unlinkAsync(file: string): Promise<void>;
}

const storage = createRequire(import.meta.url)("@seald-io/nedb/lib/storage.js") as NedbStorage;
const handles = new Map<string, Promise<FileHandle>>();
let installed = false;

async function release(file: string): Promise<void> {
  const handle = handles.get(file);
  handles.delete(file);
  if (handle) await (await handle.catch(() => null))?.close();
}

export function installAppendHandles(): void {
  if (installed) return;
  installed = true;
  const rewrite = storage.crashSafeWriteFileLinesAsync;
  const unlink = storage.unlinkAsync;
  storage.appendFileAsync = async (file, data, options) => {
    let handle = handles.get(file);
    if (!handle) {
      handle = open(file, "a", options?.mode);
      handles.set(file, handle);
      handle.catch(() => handles.delete(file));
    }
    // appendFile writes the whole string even when one write() call would take only part of it.
    await (await handle).appendFile(data, "utf8");
  };
  storage.crashSafeWriteFileLinesAsync = async (file, ...rest) => {
    await release(file);
    return rewrite(file, ...rest);
  };
  storage.unlinkAsync = async (file) => {
    await release(file);
    return unlink(file);
  };
}

/** Closes the handles of files under `dir` (the store is closing). */
export async function releaseAppendHandles(dir: string): Promise<void> {
  const prefix = join(dir, sep);
  await Promise.all([...handles.keys()].filter((f) => f.startsWith(prefix)).map(release));
}

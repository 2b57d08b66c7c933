/** Opens one @seald-io/nedb collection (an append-only file in the data folder) with its indexes. */

import { createRequire } from "node:module";
import { join } from "node:path";
import type NedbModule from "@seald-io/nedb";
import { errorInfo } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import { checkDataFile, damagedFile } from "./data-file.js";
import { installIndexChanges } from "./index-trees.js";

type Nedb<T> = InstanceType<typeof NedbModule.default<T>>;

// The package is CommonJS with `export default` typings; require() gives the class under both module systems.
const Datastore = createRequire(import.meta.url)("@seald-io/nedb") as typeof NedbModule.default;

export type Collection = Nedb<Record<string, unknown>>;

export interface IndexSpec {
  fieldName: string | string[];
  unique?: boolean;
  /** Only documents with the field. nedb leaves a date out of a sparse index (it takes it for an empty compound key): keep times there as numbers. */
  sparse?: boolean;
  expireAfterSeconds?: number;
}

/** Compaction rewrites each file without superseded lines; every 10 minutes keeps files small without stalling. */
export const AUTOCOMPACT_MS = 10 * 60 * 1000;

/** `dir` null keeps the collection in memory only (benchmarks comparing with in-memory frameworks). */
export async function openCollection(dir: string | null, name: string, indexes: IndexSpec[], logger?: Logger): Promise<Collection> {
  installIndexChanges();
  if (dir === null) {
    const db: Collection = new Datastore({ inMemoryOnly: true });
    for (const index of indexes) await db.ensureIndexAsync(index);
    return db;
  }
  const filename = join(dir, `${name}.db`);
  await checkDataFile(filename, logger);
  // No damaged line is tolerated: nedb would drop it and rewrite the file without it.
  const db: Collection = new Datastore({ filename, corruptAlertThreshold: 0 });
  try {
    await db.loadDatabaseAsync();
  } catch (err) {
    const damaged = err as { corruptItems?: number; dataLength?: number };
    if (damaged.corruptItems === undefined) throw err;
    throw damagedFile(filename, damaged.corruptItems, damaged.dataLength ?? 0);
  }
  for (const index of indexes) await db.ensureIndexAsync(index);
  await dropUndeclaredIndexes(db, indexes);
  // nedb's autocompaction calls compactDatafile() without a callback: a rewrite that failed (a full disk,
  // no file descriptor left under a flood of connections) was an unhandled rejection, and stopped the
  // process. It is told and tried again at the next; the file as it was stays whole (written aside, then renamed).
  db.compactDatafile = (callback?: (err: Error | null) => void) => {
    db.compactDatafileAsync().then(
      () => callback?.(null),
      (err: Error) => {
        logger?.warn({ file: `${name}.db`, err: errorInfo(err) }, "compaction failed; tried again later");
        callback?.(err);
      },
    );
  };
  db.setAutocompactionInterval(AUTOCOMPACT_MS);
  return db;
}

/**
 * nedb recreates the indexes its file records: one an earlier version declared and this one does not
 * (a plain `status` costs every update a pass over all reports of that status) is removed.
 */
async function dropUndeclaredIndexes(db: Collection, indexes: IndexSpec[]): Promise<void> {
  const declared = new Set(indexes.map((i) => (Array.isArray(i.fieldName) ? i.fieldName.join(",") : i.fieldName)));
  for (const name of Object.keys((db as unknown as { indexes: Record<string, unknown> }).indexes)) {
    if (name !== "_id" && !declared.has(name)) await db.removeIndexAsync(name);
  }
}

/** nedb's typings call a cursor a promise of one document; it resolves to an array. */
export async function findMany<T>(cursor: unknown): Promise<T[]> {
  return (await (cursor as Promise<T[]>)) ?? [];
}

/** Strips nedb's `_id` and gives the domain object back. */
export function fromDoc<T>(doc: Record<string, unknown> | null): T | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return rest as T;
}

export function isUniqueViolation(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { errorType?: string }).errorType === "uniqueViolated";
}

/**
 * What every MongoDB collection of the bot shares: strict schemas, the write concern of what must
 * never be lost, and the mapping between MongoDB's `_id` and the domain's `id`.
 * Ids are strings chosen by the bot (`telegram:123`, a UUID), not ObjectIds.
 */

import { trusted } from "mongoose";

/** Options every schema shares: strict documents, strict filters, no version key, empty objects kept. */
export const SCHEMA_OPTIONS = {
  strict: "throw",
  strictQuery: "throw",
  versionKey: false,
  // A conversation's `vars: {}` must come back as {}, not vanish.
  minimize: false,
  _id: false,
} as const;

/** How long a write waits for a majority of the replica set before it fails instead of hanging. */
export const WRITE_TIMEOUT_MS = 10_000;

/**
 * Acknowledged by a majority of the replica set and journaled, or an error after 10 s. A write a
 * failover can roll back (one only the old primary had) would lose a consent, a claim or a folio.
 * `wtimeout`, not `wtimeoutMS`: mongoose copies only `w`, `j` and `wtimeout` from a schema, and the
 * driver reads the same three names; test/mongo-wire.test.ts checks what is sent.
 */
export const MAJORITY = { w: "majority", j: true, wtimeout: WRITE_TIMEOUT_MS } as const;

/** Schema options of a collection written with MAJORITY. */
export const DURABLE = { ...SCHEMA_OPTIONS, writeConcern: MAJORITY } as const;

export const nullableString = { type: String, default: null };

const DUPLICATE_KEY = 11000;

/**
 * The write was refused as a duplicate key. A write error that comes with a write-concern error (the
 * replica set slow to confirm even the refusal) is thrown by the driver as a MongoWriteConcernError whose
 * code is the write concern's (64): its `writeErrors` still say what happened to the write.
 */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: { code?: number }[] } | null | undefined;
  if (e?.code === DUPLICATE_KEY) return true;
  return Array.isArray(e?.writeErrors) && e.writeErrors.length > 0 && e.writeErrors.every((w) => w?.code === DUPLICATE_KEY);
}

/** A lean document as the domain sees it: `_id` becomes `id`. */
export function fromDoc<T>(doc: Record<string, unknown> | null): T | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return { id: String(_id), ...rest } as T;
}

/** A lean document whose `_id` is only a key (the domain object carries its own fields): `_id` dropped. */
export function withoutId<T>(doc: Record<string, unknown> | null): T | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return rest as T;
}

/** Our own filters carry operators on purpose: marked trusted so the connection's sanitizeFilter keeps them. */
export function trustQuery(filter: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$or" || key === "$and") out[key] = (value as Record<string, unknown>[]).map(trustQuery);
    else if (value && typeof value === "object" && !(value instanceof Date) && Object.keys(value).some((k) => k.startsWith("$"))) out[key] = trusted(value);
    else out[key] = value;
  }
  return out;
}

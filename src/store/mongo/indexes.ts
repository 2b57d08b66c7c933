/**
 * Start-up: every collection exists and has exactly the indexes its schema declares before the bot
 * takes a message. An index an earlier version created and no query uses is dropped; a TTL changed
 * in the code is changed in place (`collMod`); an index whose other options changed cannot be
 * changed in place, so start-up stops with one line naming it and saying what to do.
 */
import type { Model, mongo } from "mongoose";
import type { Logger } from "../../util/logger.js";

export class MongoIndexError extends Error {}

interface IndexInfo {
  name: string;
  key: Record<string, unknown>;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

/** Options that make two indexes different (a `name` aside); the rest (`v`, `background`…) do not. */
const MEANINGFUL = ["unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "2dsphereIndexVersion", "collation"];

/** The name MongoDB gives an index without one: `field_1_other_-1`. */
export function defaultIndexName(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([field, dir]) => `${field}_${dir}`)
    .join("_");
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(index: Record<string, unknown>): string {
  const parts = MEANINGFUL.filter((o) => index[o] !== undefined && o !== "2dsphereIndexVersion").map((o) => `${o}: ${JSON.stringify(index[o])}`);
  return `${JSON.stringify(index.key)}${parts.length ? ` with ${parts.join(", ")}` : ""}`;
}

function differences(existing: IndexInfo, wanted: IndexInfo): string[] {
  const out: string[] = [];
  if (!same(existing.key, wanted.key)) out.push("key");
  for (const option of MEANINGFUL) {
    if (option === "2dsphereIndexVersion") continue;
    // `unique: false` and no `unique` are the same index.
    const value = (index: IndexInfo) => (index[option] === false ? undefined : index[option]);
    if (!same(value(existing), value(wanted))) out.push(option);
  }
  return out;
}

async function existingIndexes(model: Model<never>): Promise<IndexInfo[]> {
  try {
    return (await model.collection.listIndexes().toArray()) as unknown as IndexInfo[];
  } catch (err) {
    if ((err as { code?: number }).code === 26) return []; // NamespaceNotFound: a new collection
    throw err;
  }
}

function conflict(collection: string, name: string, existing: IndexInfo, wanted: IndexInfo): MongoIndexError {
  return new MongoIndexError(
    `index "${name}" of ${collection} exists in MongoDB as ${describe(existing)} but the bot declares ${describe(wanted)}; ` +
      `MongoDB cannot change it in place: drop it (mongosh: db.${collection}.dropIndex("${name}")) and start the bot again, which builds it anew`,
  );
}

/**
 * Creates the collection and brings its indexes to what the schema declares. `retired`: names of
 * indexes earlier versions created, dropped if present.
 */
export async function syncIndexes(model: Model<never>, options: { retired?: string[]; logger?: Logger } = {}): Promise<void> {
  const { logger } = options;
  const collection = model.collection.collectionName;
  await model.createCollection().catch((err: { code?: number; codeName?: string }) => {
    if (err.code !== 48 && err.codeName !== "NamespaceExists") throw err;
  });
  const existing = await existingIndexes(model);
  for (const name of options.retired ?? []) {
    if (!existing.some((i) => i.name === name)) continue;
    await model.collection.dropIndex(name);
    logger?.info({ collection, index: name }, "mongodb: retired index dropped");
  }
  for (const [key, declared] of model.schema.indexes()) {
    const wanted = { ...declared, key, name: String(declared.name ?? defaultIndexName(key)) } as IndexInfo;
    const found = existing.find((i) => i.name === wanted.name);
    if (found) {
      const changed = differences(found, wanted);
      if (changed.length === 0) continue;
      if (changed.length === 1 && changed[0] === "expireAfterSeconds" && found.expireAfterSeconds !== undefined && wanted.expireAfterSeconds !== undefined) {
        // A TTL is the one option MongoDB changes in place.
        await model.db.db?.command({ collMod: collection, index: { name: wanted.name, expireAfterSeconds: wanted.expireAfterSeconds } });
        logger?.info({ collection, index: wanted.name, from: found.expireAfterSeconds, to: wanted.expireAfterSeconds }, "mongodb: index TTL changed");
        continue;
      }
      throw conflict(collection, wanted.name, found, wanted);
    }
    const { key: _k, ...createOptions } = wanted;
    try {
      await model.collection.createIndex(key as mongo.IndexSpecification, createOptions);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== 85 && code !== 86) throw err;
      // The same key under another name, or a name with another key: say which.
      const other = existing.find((i) => same(i.key, key)) ?? found ?? wanted;
      throw new MongoIndexError(
        `index "${wanted.name}" of ${collection} (${describe(wanted)}) conflicts with the index "${other.name}" MongoDB already has (${describe(other)}): ` +
          `drop that one (mongosh: db.${collection}.dropIndex("${other.name}")) and start the bot again`,
      );
    }
    logger?.info({ collection, index: wanted.name }, "mongodb: index created");
  }
}

/** Inserting documents of which some may be there already (a retried operation): those are skipped and counted. */
import { isDuplicateKey } from "./collection.js";

/** What of a mongoose model this needs: its validated, unordered insertMany. */
export interface InsertsMany {
  insertMany(docs: Record<string, unknown>[], options: { ordered: false }): Promise<unknown[]>;
}

/** Inserts `docs` unordered; resolves with how many were new. Any error but a duplicate key is thrown. */
export async function insertNew(model: InsertsMany, docs: Record<string, unknown>[]): Promise<number> {
  if (!docs.length) return 0;
  try {
    return (await model.insertMany(docs, { ordered: false })).length;
  } catch (err) {
    const e = err as { writeErrors?: { code?: number; err?: { code?: number } }[]; code?: number };
    const errors = e.writeErrors ?? (isDuplicateKey(e) ? [{ code: e.code }] : undefined);
    if (!errors || errors.some((w) => !isDuplicateKey({ code: w.code ?? w.err?.code }))) throw err;
    return docs.length - errors.length;
  }
}

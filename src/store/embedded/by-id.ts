/**
 * A collection of documents read and replaced whole by their `id` (citizens, conversations), read on
 * every message: all of it in memory, each save or removal one line of `<name>.db` (journal.ts:
 * nedb's format, group commit). `get` hands back the document as saved, not a copy: callers replace
 * documents, they never change one in place.
 */
import { join } from "node:path";
import type { Logger } from "../../util/logger.js";
import { documentLine, JournalFile, readJournal } from "./journal.js";

export class JournalById<T extends { id: string }> {
  protected readonly docs = new Map<string, T>();
  protected readonly journal: JournalFile;

  /** `dir` null: memory only (benchmarks). */
  constructor(dir: string | null, name: string) {
    this.journal = new JournalFile(dir === null ? null : join(dir, `${name}.db`));
  }

  /** Reads the file back; `each` sees every document line, oldest first (not only the last of each id). */
  async load(logger?: Logger, each?: (doc: T) => void): Promise<this> {
    const file = this.journal.file;
    if (file === null) return this;
    await readJournal(
      file,
      (line) => {
        const { _id, ...rest } = line;
        const doc = { ...rest, id: String(_id) } as unknown as T;
        this.docs.set(doc.id, doc);
        each?.(doc);
      },
      (id) => this.docs.delete(id),
      logger,
    );
    return this;
  }

  get size(): number {
    return this.docs.size;
  }

  has(id: string): boolean {
    return this.docs.has(String(id));
  }

  /** Every document, as saved. */
  all(): T[] {
    return [...this.docs.values()];
  }

  async get(id: string): Promise<T | null> {
    return this.docs.get(String(id)) ?? null;
  }

  save(doc: T): Promise<void> {
    const id = String(doc.id);
    const saved = { ...doc, id };
    if (this.journal.file === null) {
      this.applied(saved);
      return Promise.resolve();
    }
    return this.journal.write(this.line(saved), () => this.applied(saved));
  }

  async remove(id: string): Promise<boolean> {
    const key = String(id);
    if (!this.docs.has(key)) return false;
    await this.journal.write(JSON.stringify({ $$deleted: true, _id: key }), () => this.docs.delete(key));
    return true;
  }

  /** Rewrites the file with one line per document. */
  compact(): Promise<void> {
    return this.journal.compact(() => Array.from(this.docs.values(), (d) => this.line(d)));
  }

  /** Once a save is written: the document is the collection's. */
  protected applied(doc: T): void {
    this.docs.set(doc.id, doc);
  }

  /** The document as nedb writes it: `_id` first. */
  protected line(doc: T): string {
    return documentLine(doc.id, doc);
  }
}

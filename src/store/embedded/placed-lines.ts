/**
 * The lines of a collection kept on disk, not in memory (the audit trail, the reports): memory keeps
 * where each document's current line starts in the file and its length, and a document is read from
 * the file when asked for. Lines are read through a descriptor kept open, so a compaction under way
 * (a new file renamed over the old one) never makes a read wait: until it is done, positions are the
 * old file's and so is the descriptor; once it is done, both are the new file's, in the same step.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../util/logger.js";
import { checkDataFile, damagedFile, type LineHandlers, linesAt, StoreFileError, takeLine } from "./data-file.js";
import { JournalFile } from "./journal.js";

/** Where a document's line is: its start in the file and its length in bytes (without the line break). */
export interface Placed {
  pos: number;
  len: number;
  /** The line itself, in a collection kept in memory only (benchmarks). */
  line?: string;
}

export class PlacedLines {
  /** The descriptor lines are read through, opened at the first read; the file the positions are of. */
  private fd: number | null = null;
  private compacting: Promise<void> | null = null;
  /** The store closed: a read opens the file for itself and lets go of it at once. */
  private closed = false;

  constructor(private readonly journal: JournalFile) {}

  /** The lines of `placed`, in the same order. */
  read(placed: readonly Placed[]): string[] {
    const file = this.journal.file;
    if (file === null || !placed.length) return placed.map((p) => p.line ?? "");
    if (this.fd === null || this.fd < 0) this.fd = openSync(file, "r");
    const fd = this.fd;
    try {
      const buffer = Buffer.alloc(placed.reduce((most, p) => Math.max(most, p.len), 0));
      return placed.map((p) => {
        const read = readSync(fd, buffer, 0, p.len, p.pos);
        return buffer.toString("utf8", 0, read);
      });
    } finally {
      if (this.closed) this.close();
    }
  }

  /** Resolves once no compaction is under way (one that failed too). */
  async idle(): Promise<void> {
    while (this.compacting) await this.compacting.catch(() => undefined);
  }

  /**
   * Rewrites the file with the lines `live()` places (the current line of each document; taken once
   * the lines handed over so far are written), in the file's order; then each one is placed in the new
   * file. Lines written meanwhile wait and go to the new file; reads meanwhile use the old one.
   * `done` runs once the new file is in place. Once it resolves, the lines that waited are written.
   */
  async compact(live: () => Iterable<Placed>, done: () => void): Promise<void> {
    const file = this.journal.file;
    if (file === null) return;
    // Checked again right before starting (in the same turn): one compaction at a time.
    while (this.compacting) await this.compacting.catch(() => undefined);
    const moved = new Map<Placed, number>();
    // Reads go on from the file as it is now, whatever is renamed over its name.
    this.fd ??= openLines(file);
    this.compacting = this.journal.compact(
      () => copyLines(file, live, moved),
      () => {
        for (const [placed, pos] of moved) placed.pos = pos;
        this.close();
        done();
      },
    );
    try {
      await this.compacting;
    } finally {
      this.compacting = null;
      this.journal.drain();
    }
  }

  /** Lets go of the descriptor (a new file in place); `"store closed"`: reads after open the file each time. */
  close(why?: "store closed"): void {
    if (why) this.closed = true;
    if (this.fd !== null && this.fd >= 0) closeSync(this.fd);
    this.fd = null;
  }
}

/** A descriptor on the file, or -1 when there is none yet (nothing placed in it to read). */
function openLines(file: string): number {
  try {
    return openSync(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return -1;
    throw err;
  }
}

/**
 * The lines the documents are placed at, in the file's order, and where each will be in the
 * rewritten file: copied as the old file is read, never all held at once.
 */
async function* copyLines(file: string, live: () => Iterable<Placed>, moved: Map<Placed, number>): AsyncGenerator<string> {
  const at = new Map<number, Placed>();
  for (const placed of live()) at.set(placed.pos, placed);
  let pos = 0;
  for await (const chunk of linesAt(file)) {
    for (const { line, at: start, bytes } of chunk) {
      const placed = at.get(start);
      if (!placed) continue;
      moved.set(placed, pos);
      pos += bytes + 1;
      yield line;
    }
  }
  if (moved.size !== at.size) throw new StoreFileError(`${file}: ${at.size - moved.size} documents are not where they were written; not compacted`);
}

/**
 * A collection kept this way (the reports, the audit trail): its file written through a journal with
 * positions, read through `PlacedLines`, read once at start-up, compacted when it holds lines no
 * document points at. What memory keeps of each document is the subclass's.
 */
export abstract class PlacedCollection {
  protected readonly journal: JournalFile;
  protected readonly lines: PlacedLines;
  /** Lines in the file that no document points at (changed documents' old lines, deletions, nedb's index lines). */
  protected stale = 0;
  /** The same strings (municipalities, types, statuses: a few hundred) held once. */
  private readonly strings = new Map<string, string>();

  /** `dir` null: memory only (benchmarks). */
  constructor(dir: string | null, name: string) {
    this.journal = new JournalFile(dir === null ? null : join(dir, `${name}.db`), true);
    this.lines = new PlacedLines(this.journal);
  }

  /** Where each document's current line is: what a compaction keeps. */
  protected abstract placed(): Iterable<Placed>;

  /** Checks the file before it is read (`checkDataFile`): a half-written last line cut off (told to `logger`), a file that cannot be read refused. */
  protected async checkFile(logger: Logger | undefined): Promise<void> {
    if (this.journal.file !== null) await checkDataFile(this.journal.file, logger);
  }

  /**
   * Reads every line of the file (checked by `checkFile`) once, oldest first: each document (parsed
   * without reviving dates) to `doc` with where its line is (false: it is not a whole document), each
   * deletion's id to `removed` (which counts what it drops as stale). A damaged line stops start-up,
   * naming the file.
   */
  protected async readFile(doc: (doc: Record<string, unknown>, pos: number, len: number) => unknown, removed: (id: string) => void): Promise<void> {
    const file = this.journal.file;
    if (file === null) return;
    let lines = 0;
    let corrupt = 0;
    // Where the line being read starts, and its length: what the handlers (made once) hand on.
    let pos = 0;
    let bytes = 0;
    const handlers: LineHandlers = {
      doc: (d) => doc(d, pos, bytes),
      removed: (id) => {
        this.stale++;
        removed(String(id));
      },
      index: () => {
        this.stale++;
      },
    };
    for await (const chunk of linesAt(file)) {
      for (const line of chunk) {
        lines++;
        pos = line.at;
        bytes = line.bytes;
        if (!takeLine(line.line, JSON.parse, handlers)) corrupt++;
      }
    }
    if (corrupt) throw damagedFile(file, corrupt, lines);
  }

  /**
   * Rewrites the file with the current line of each document, when it holds others: the lines are
   * copied from the old file as it is read, never all held at once. One under way (the periodic one,
   * the store closing) is waited for first.
   */
  async compact(): Promise<void> {
    if (this.journal.file === null) return;
    await this.lines.idle();
    if (this.stale === 0) {
      // Nothing to rewrite; what was handed over is written now (the store may be closing).
      this.journal.drain();
      return;
    }
    await this.lines.compact(
      () => this.placed(),
      () => {
        this.stale = 0;
      },
    );
  }

  /** Lets go of the file (the store closing). */
  close(): void {
    this.lines.close("store closed");
  }

  protected string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }
}

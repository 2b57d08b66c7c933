/**
 * The audit trail on the embedded store: `events.db`, in nedb's format (one document per line, the last
 * line of an `_id` wins), written by the store itself (journal.ts: group commit) — but, unlike the
 * other collections, not kept in memory. The trail only grows and is read a page at a time (a report's
 * entries, a municipality's, a citizen's, newest first), so memory keeps what finds an entry — its id,
 * time, type, report, municipality and citizen, and where its line is in the file — and the lines of
 * a page are read from the file when asked for. 100,000 reports leave about 190,000 entries: 140 MB of
 * heap as nedb documents with their indexes, a small part of that as positions.
 *
 * A changed entry (a citizen forgotten or pseudonymized) is a new line; the old line stays in the file
 * until the next compaction, which runs only when the file holds such lines, and when the store closes.
 */
import type { RecordedEvent } from "../../domain/model/events.js";
import type { Logger } from "../../util/logger.js";
import type { EventRepository } from "../ports.js";
import { fileProblem, parseDocument, StoreFileError, StoreUnreadError } from "./data-file.js";
import { dateJson } from "./journal.js";
import { type Placed, PlacedCollection } from "./placed-lines.js";

type Filter = Parameters<EventRepository["list"]>[0];

/** What memory keeps of an entry. */
interface Entry extends Placed {
  id: string;
  /** ms since the epoch */
  at: number;
  type: string;
  report: string | null;
  municipality: string | null;
  citizen: string | null;
}

const KEYS = ["report", "municipality", "citizen", "type"] as const;
/** Entries filed in their lists between two turns of the event loop (a few milliseconds' work). */
const LOAD_SLICE = 10_000;
type Key = (typeof KEYS)[number];

export class EmbeddedEvents extends PlacedCollection implements EventRepository {
  private readonly byId = new Map<string, Entry>();
  /** Every entry, and the entries of each report, municipality, citizen and type: oldest first once read (`inOrder`). */
  private readonly all: Entry[] = [];
  private readonly by: Record<Key, Map<string, Entry[]>> = { report: new Map(), municipality: new Map(), citizen: new Map(), type: new Map() };
  /** Appends under way, by id: the same id appended again meanwhile waits for it instead of writing twice. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Reading the file: every call waits for it. */
  private loading: Promise<void> | null = null;
  /** `dir` null: memory only (benchmarks). */
  constructor(dir: string | null) {
    super(dir, "events");
  }

  /**
   * The audit trail read from `dir`. `background`: returned once the file is checked, before it is
   * read (`finishLoading`, which the service calls once it listens, or the first call that needs
   * it); otherwise once it is read.
   */
  static async open(dir: string | null, logger?: Logger, { background = false } = {}): Promise<EmbeddedEvents> {
    const events = new EmbeddedEvents(dir);
    await events.checkFile(logger);
    if (!background) await events.finishLoading();
    return events;
  }

  /**
   * Reads the file, once (later calls wait for the first); rejects with why it cannot be read, a
   * `StoreUnreadError`: the store counts it as away (`unavailable`), so a message whose turn needs the
   * trail is kept for later rather than lost.
   */
  finishLoading(): Promise<void> {
    this.loading ??= this.load().catch((err: unknown) => {
      const file = this.journal.file ?? "events";
      throw new StoreUnreadError(err instanceof StoreFileError ? err.message : `${file} ${fileProblem(err)}`);
    });
    return this.loading;
  }

  get size(): number {
    return this.byId.size;
  }

  private async load(): Promise<void> {
    await this.readFile(
      (doc, pos, len) => {
        const at = (doc.at as { $$date?: unknown } | null)?.$$date;
        if (typeof at !== "number") return false;
        const entry = this.entry(doc, at, pos, len);
        if (this.byId.has(entry.id)) this.stale++;
        this.byId.set(entry.id, entry);
      },
      (id) => {
        if (this.byId.delete(id)) this.stale++;
      },
    );
    // The lists are made once every line is read (a changed entry's last line wins), in the file's
    // order; a slice at a time, for the bot may be answering meanwhile.
    let made = 0;
    for (const entry of this.byId.values()) {
      add(this.all, entry);
      for (const key of KEYS) this.index(key, entry);
      if (++made % LOAD_SLICE === 0) await new Promise(setImmediate);
    }
  }

  async append(events: RecordedEvent[]): Promise<void> {
    await this.finishLoading();
    for (const event of events) {
      const id = String(event.id);
      for (let under = this.writing.get(id); under; under = this.writing.get(id)) await under.catch(() => undefined);
      if (this.byId.has(id)) continue;
      const { id: _, ...rest } = event;
      const line = this.line(id, rest);
      const written = this.journal.write(line, (pos, bytes) => this.put(this.entry({ _id: id, ...rest }, new Date(event.at).getTime(), pos, bytes, line)));
      this.writing.set(id, written);
      try {
        await written;
      } finally {
        this.writing.delete(id);
      }
    }
  }

  async list(filter: Filter, limit: number): Promise<RecordedEvent[]> {
    await this.finishLoading();
    let from = this.all;
    const wanted: [Key, string][] = [];
    for (const key of KEYS) {
      if (filter[key] === undefined) continue;
      const value = String(filter[key]);
      const entries = this.by[key].get(value);
      if (!entries) return [];
      wanted.push([key, value]);
      if (entries.length < from.length || wanted.length === 1) from = entries;
    }
    const found: Entry[] = [];
    inOrder(from);
    for (let i = from.length - 1; i >= 0 && found.length < limit; i--) {
      const entry = from[i];
      if (wanted.every(([key, value]) => entry[key] === value)) found.push(entry);
    }
    return this.read(found);
  }

  async forgetCitizen(citizen: string): Promise<number> {
    await this.finishLoading();
    const entries = [...(this.by.citizen.get(String(citizen)) ?? [])];
    for (const [entry, doc] of zip(entries, await this.read(entries))) {
      const data = { ...doc.data };
      if ("citizen" in data) data.citizen = null;
      await this.change(entry, { ...doc, citizen: null, data });
    }
    return entries.length;
  }

  async pseudonymizeCitizens(pseudonym: (id: string) => string): Promise<number> {
    await this.finishLoading();
    let changed = 0;
    for (const [citizen, list] of [...this.by.citizen]) {
      if (citizen.startsWith("p:")) continue;
      const entries = [...list];
      for (const [entry, doc] of zip(entries, await this.read(entries))) {
        const data = { ...doc.data };
        const own = typeof data.citizen === "string" && data.citizen ? pseudonym(data.citizen) : data.citizen;
        if (pseudonym(citizen) === citizen && own === data.citizen) continue;
        data.citizen = own;
        await this.change(entry, { ...doc, citizen: pseudonym(citizen), data });
        changed++;
      }
    }
    return changed;
  }

  /** Only once the file is read: never read (the store closing right after start-up), nothing changed; one that could not be read is left as it is. */
  override async compact(): Promise<void> {
    if (this.loading === null) return;
    const read = await this.loading.then(
      () => true,
      () => false,
    );
    if (read) await super.compact();
  }

  protected placed(): Iterable<Entry> {
    return this.byId.values();
  }

  /** Writes `doc` (the entry with another citizen) as the entry's new line; once written the entry points at it. */
  private async change(entry: Entry, doc: RecordedEvent): Promise<void> {
    const { id, ...rest } = doc;
    const line = this.line(id, rest);
    await this.journal.write(line, (pos, bytes) => {
      this.unindex("citizen", entry);
      entry.citizen = typeof doc.citizen === "string" ? doc.citizen : null;
      this.index("citizen", entry);
      entry.pos = pos;
      entry.len = bytes;
      if (entry.line !== undefined) entry.line = line;
      else this.stale++;
    });
  }

  /** The entries' documents, in the same order. */
  private async read(entries: Entry[]): Promise<RecordedEvent[]> {
    return this.lines.read(entries).map((line, i) => {
      const { _id, ...rest } = parseDocument(line) as Record<string, unknown>;
      if (String(_id) !== entries[i].id) throw new StoreFileError(`${this.journal.file}: the line of an audit entry is not where it was written`);
      return { id: String(_id), ...rest } as RecordedEvent;
    });
  }

  private entry(doc: Record<string, unknown>, at: number, pos: number, len: number, line?: string): Entry {
    const text = (value: unknown) => (typeof value === "string" ? value : null);
    return {
      id: String(doc._id),
      at,
      type: this.string(String(doc.type)),
      report: text(doc.report),
      municipality: typeof doc.municipality === "string" ? this.string(doc.municipality) : null,
      // Never kept beyond its entry: a citizen forgotten leaves nothing of theirs in memory.
      citizen: text(doc.citizen),
      pos,
      len,
      ...(this.journal.file === null && line !== undefined ? { line } : {}),
    };
  }

  /** Adds a new entry (`append` writes an id it does not hold yet, one write at a time). */
  private put(entry: Entry): void {
    this.byId.set(entry.id, entry);
    add(this.all, entry);
    for (const key of KEYS) this.index(key, entry);
  }

  /** Files the entry under its value of `key`. */
  private index(key: Key, entry: Entry): void {
    const value = entry[key];
    if (value === null) return;
    const list = this.by[key].get(value);
    if (list) add(list, entry);
    else this.by[key].set(value, [entry]);
  }

  private unindex(key: Key, entry: Entry): void {
    const value = entry[key];
    if (value === null) return;
    const list = this.by[key].get(value);
    if (list && drop(list, entry) && !list.length) this.by[key].delete(value);
  }

  /** The entry as nedb writes it: `_id` first, its time as `{"$$date": ms}`. */
  private line(id: string, rest: Omit<RecordedEvent, "id">): string {
    const { at, ...fields } = rest;
    return `{"_id":${JSON.stringify(id)},"at":${dateJson(at)},${JSON.stringify(fields).slice(1)}`;
  }
}

/** Lists whose entries were not added in order of time: sorted when next read. */
const unordered = new WeakSet<Entry[]>();

/** Adds an entry at the end of a list (entries come nearly always in order of time; a list is sorted when read otherwise). */
function add(list: Entry[], entry: Entry): void {
  if (list.length && list[list.length - 1].at > entry.at) unordered.add(list);
  list.push(entry);
}

/** Orders a list by time, oldest first; entries of the same time stay in the order they were added. */
function inOrder(list: Entry[]): Entry[] {
  if (unordered.delete(list)) list.sort((a, b) => a.at - b.at);
  return list;
}

/** Removes `entry` from a list; whether it was there. */
function drop(list: Entry[], entry: Entry): boolean {
  inOrder(list);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].at < entry.at) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length && list[i].at === entry.at; i++) {
    if (list[i] === entry) {
      list.splice(i, 1);
      return true;
    }
  }
  return false;
}

function zip<A, B>(a: A[], b: B[]): [A, B][] {
  return a.map((x, i) => [x, b[i]]);
}

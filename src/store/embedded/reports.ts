/**
 * Reports on the embedded store: `reports.db`, in nedb's format (one document per line, the last line
 * of an `_id` wins), written by the store itself (journal.ts: group commit) and, like the audit trail,
 * not kept in memory whole. Memory keeps what the store's queries look at — the folio, the citizen,
 * the municipality, category, status and channel, the times, the version, where the report is, the
 * description (the inbox's words are looked for in it) and the steps statistics count — and where the
 * report's line is in the file (placed-lines.ts); the reports a query finds are read from the file.
 * 100,000 reports are about 100 MB of file: read whole into nedb they took 290 MB of heap and, with
 * nedb's indexes, most of start-up.
 *
 * A change is a new line; the old one stays in the file until the next compaction (every
 * AUTOCOMPACT_MS when there is one, and when the store closes). Files written by an earlier version,
 * through nedb (index lines, the keys that version kept beside each report), are read as they are.
 */
import { distanceMeters, EARTH_RADIUS_M, type Report, reportWithDefaults } from "../../domain/model/report.js";
import type { Logger } from "../../util/logger.js";
import type { InboxFilter, InboxPage, InboxSort, NearbyQuery, ReportFilter, ReportRepository, ReportSummary, SummaryStep } from "../ports.js";
import { searchWords, wordPattern } from "../report-query.js";
import { fromDoc } from "./collection.js";
import { parseDocument, StoreFileError } from "./data-file.js";
import { documentLine } from "./journal.js";
import { type Placed, PlacedCollection } from "./placed-lines.js";

/** What memory keeps of a report. */
interface Entry extends Placed {
  id: string;
  folio: string;
  citizen: string | null;
  municipality: string;
  category: string;
  status: string;
  channel: string;
  /** ms since the epoch */
  created: number;
  updated: number;
  version: number;
  dispatched: number;
  pending: boolean;
  purged: boolean;
  /** Where it is, when the citizen shared it (NaN otherwise). */
  latitude: number;
  longitude: number;
  /** The citizen's description (empty once de-identified): the inbox looks for words in it. */
  description: string;
  /** Its steps as statistics count them (times in ms). */
  history: (Omit<SummaryStep, "at"> & { at: number })[];
}

/** The keys an earlier version kept beside each report in the file (nedb's indexes); nothing reads them now. */
export function withoutInboxKeys(doc: Record<string, unknown>): Record<string, unknown> {
  const { _ms, _mc, _msc, _pending, _unpurged, ...rest } = doc;
  return rest;
}

/** A stored report as the domain knows it, whatever version of the bot saved it. */
function toReport(doc: Record<string, unknown>): Report {
  return reportWithDefaults(fromDoc<Report>(withoutInboxKeys(doc)) as Report);
}

/** A date in a line as parsed without reviving (`{"$$date": ms}`), or a Date: ms; NaN when it is neither. */
function ms(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const at = (value as { $$date?: unknown } | null)?.$$date;
  return typeof at === "number" ? at : Number.NaN;
}

/** The three-way order of two entries for a page (the inbox's sorts, as report-query.ts `inboxOrder` gives them to MongoDB). */
const ORDERS: Record<InboxSort, (a: Entry, b: Entry) => number> = {
  newest: (a, b) => b.created - a.created || compare(b.folio, a.folio),
  oldest: (a, b) => a.created - b.created || compare(a.folio, b.folio),
  updated: (a, b) => b.updated - a.updated || compare(b.folio, a.folio),
};

/** Reports read from the file at a time when every photo is listed. */
const PHOTO_SCAN_BATCH = 500;

/** Up to this many first reports of a query are kept in order as they are found (each one placed by a walk down the list); more, and they are all sorted. */
const SMALL_PAGE = 200;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A unique key taken (nedb's error, which the callers know). */
function uniqueViolated(key: string, value: string): Error {
  return Object.assign(new Error(`Can't insert key ${value}, it violates the unique constraint`), { errorType: "uniqueViolated", key: `${key}:${value}` });
}

export class EmbeddedReports extends PlacedCollection implements ReportRepository {
  private readonly ids = new Map<string, Entry>();
  private readonly folios = new Map<string, Entry>();
  /** Reports of each municipality by category, and of each category. */
  private readonly places = new Map<string, Map<string, Set<Entry>>>();
  private readonly byCategory = new Map<string, Set<Entry>>();
  /** Reports of each citizen (a few each). */
  private readonly ofCitizen = new Map<string, Entry[]>();
  private readonly pending = new Set<Entry>();
  /** Ids and folios being inserted, and the writes under way by id: a second one waits for the first. */
  private readonly reserved = new Set<string>();
  private readonly writing = new Map<string, Promise<unknown>>();
  /** `dir` null: memory only (benchmarks). */
  constructor(dir: string | null) {
    super(dir, "reports");
  }

  static async open(dir: string | null, logger?: Logger): Promise<EmbeddedReports> {
    const reports = new EmbeddedReports(dir);
    await reports.load(logger);
    return reports;
  }

  get size(): number {
    return this.ids.size;
  }

  private async load(logger?: Logger): Promise<void> {
    const notReports: string[] = [];
    await this.checkFile(logger);
    await this.readFile(
      (doc, pos, len) => {
        const entry = this.entry(doc, pos, len);
        if (!entry) {
          notReports.push(String(doc._id));
          return;
        }
        const before = this.ids.get(entry.id);
        if (before) {
          this.stale++;
          this.folios.delete(before.folio);
        }
        this.ids.set(entry.id, entry);
        this.folios.set(entry.folio, entry);
      },
      (id) => {
        const before = this.ids.get(id);
        if (!before) return;
        this.stale++;
        this.ids.delete(before.id);
        this.folios.delete(before.folio);
      },
    );
    if (notReports.length) {
      throw new StoreFileError(
        `${this.journal.file}: ${notReports.length} documents have no folio or no valid createdAt (the first: _id ${JSON.stringify(notReports[0])}); the store will not start without them (give them one, or move those lines out by hand)`,
      );
    }
    for (const entry of this.ids.values()) this.index(entry);
  }

  async insert(report: Report): Promise<void> {
    const id = String(report.id);
    const folio = String(report.folio);
    if (this.ids.has(id) || this.reserved.has(`id:${id}`)) throw uniqueViolated("_id", id);
    if (this.folios.has(folio) || this.reserved.has(`folio:${folio}`)) throw uniqueViolated("folio", folio);
    this.reserved.add(`id:${id}`);
    this.reserved.add(`folio:${folio}`);
    try {
      await this.write(report, undefined);
    } finally {
      this.reserved.delete(`id:${id}`);
      this.reserved.delete(`folio:${folio}`);
    }
  }

  async byId(id: string): Promise<Report | null> {
    const entry = this.ids.get(String(id));
    return entry ? this.read([entry])[0] : null;
  }

  async byFolio(folio: string): Promise<Report | null> {
    const entry = this.folios.get(String(folio));
    return entry ? this.read([entry])[0] : null;
  }

  async byCitizen(citizenId: string, limit: number): Promise<Report[]> {
    const entries = [...(this.ofCitizen.get(String(citizenId)) ?? [])].sort((a, b) => b.created - a.created);
    return this.read(entries.slice(0, Math.max(0, limit)));
  }

  async count(): Promise<number> {
    return this.ids.size;
  }

  async update(report: Report, expectedVersion: number): Promise<boolean> {
    const id = String(report.id);
    return this.exclusive(id, async () => {
      const entry = this.ids.get(id);
      if (!entry || entry.version !== expectedVersion) return false;
      if (report.folio !== entry.folio && (this.folios.has(report.folio) || this.reserved.has(`folio:${report.folio}`)))
        throw uniqueViolated("folio", report.folio);
      await this.write(report, entry);
      return true;
    });
  }

  async undispatched(limit: number): Promise<Report[]> {
    const entries = [...this.pending].sort((a, b) => a.updated - b.updated);
    return this.read(entries.slice(0, Math.max(0, limit)));
  }

  async markDispatched(id: string, version: number): Promise<void> {
    const key = String(id);
    await this.exclusive(key, async () => {
      const entry = this.ids.get(key);
      if (!entry) return;
      if (entry.version === version) {
        if (entry.dispatched === version && !entry.pending) return;
        await this.write({ ...this.read([entry])[0], dispatched: version, dispatchPending: false }, entry);
      } else if (entry.version > version && entry.dispatched < version) {
        // Changed meanwhile: what this version set off is queued, the later change still waits.
        await this.write({ ...this.read([entry])[0], dispatched: version }, entry);
      }
    });
  }

  async list(filter: ReportFilter, limit: number): Promise<Report[]> {
    const found = this.matching(filter);
    const order = filter.oldestFirst ? 1 : -1;
    found.sort((a, b) => order * (a.created - b.created) || compare(a.id, b.id));
    return this.read(found.slice(0, Math.max(0, limit)));
  }

  async countByStatus(filter: ReportFilter): Promise<Record<string, number>> {
    return countStatuses(this.matching(filter));
  }

  async inbox(filter: InboxFilter, page: InboxPage): Promise<{ reports: Report[]; total: number }> {
    const found = this.inboxMatching(filter);
    const order = ORDERS[page.sort];
    const wanted = page.offset + page.limit;
    // A page near the start needs only the first of them in order.
    const first = wanted > 0 && wanted <= SMALL_PAGE && wanted < found.length / 8 ? smallest(found, wanted, order) : found.sort(order);
    return { reports: this.read(first.slice(page.offset, wanted)), total: found.length };
  }

  async inboxCounts(filter: InboxFilter): Promise<Record<string, number>> {
    return countStatuses(this.inboxMatching(filter));
  }

  async summaries(filter: InboxFilter): Promise<ReportSummary[]> {
    return this.inboxMatching(filter).map((e) => ({
      id: e.id,
      municipality: e.municipality,
      category: e.category,
      status: e.status,
      channel: e.channel as ReportSummary["channel"],
      createdAt: new Date(e.created),
      history: e.history.map((h) => ({ ...h, at: new Date(h.at) })),
    }));
  }

  async nearby(q: NearbyQuery): Promise<Report[]> {
    if (q.limit < 1) return [];
    const open = new Set(q.statuses.map(String));
    const since = new Date(q.since).getTime();
    const isOpen = (e: Entry) => e.category === q.category && open.has(e.status) && e.created >= since;
    if ("municipality" in q.where) {
      const { municipality } = q.where;
      const candidates = [...(this.places.get(String(municipality))?.get(String(q.category)) ?? [])].filter(isOpen);
      // Newest first; of the same time, the first filed first.
      return this.read(smallest(candidates, q.limit, (a, b) => b.created - a.created || compare(a.id, b.id)));
    }
    // The reports of the category within a box around the point, then the distance decides.
    const { point, meters } = q.where;
    const dLat = (meters / EARTH_RADIUS_M) * (180 / Math.PI);
    const dLon = dLat / Math.max(Math.cos((point.latitude * Math.PI) / 180), 0.01);
    const near: { entry: Entry; meters: number }[] = [];
    for (const entry of this.byCategory.get(String(q.category)) ?? []) {
      if (!(Math.abs(entry.latitude - point.latitude) <= dLat && Math.abs(entry.longitude - point.longitude) <= dLon) || !isOpen(entry)) continue;
      const m = distanceMeters(point, entry);
      if (m <= meters) near.push({ entry, meters: m });
    }
    near.sort((a, b) => a.meters - b.meters || b.entry.created - a.entry.created);
    return this.read(near.slice(0, q.limit).map((n) => n.entry));
  }

  protected placed(): Iterable<Entry> {
    return this.ids.values();
  }

  /** The reports of a list's filter (report-query.ts `reportQuery`, as MongoDB reads it). */
  private matching(filter: ReportFilter): Entry[] {
    const categories = filter.categories
      ? new Set(filter.categories.map(String))
      : filter.category !== undefined
        ? new Set([String(filter.category)])
        : undefined;
    const statuses = filter.statuses ? new Set(filter.statuses.map(String)) : undefined;
    const folios = filter.folios ? new Set(filter.folios.map(String)) : undefined;
    const since = filter.since ? new Date(filter.since).getTime() : Number.NEGATIVE_INFINITY;
    const until = filter.until ? new Date(filter.until).getTime() : Number.POSITIVE_INFINITY;
    const sources: Iterable<Entry>[] = folios
      ? [[...folios].flatMap((f) => this.folios.get(f) ?? [])]
      : filter.municipality !== undefined
        ? this.inPlace(String(filter.municipality), categories?.size === 1 ? [...categories][0] : undefined)
        : [this.ids.values()];
    const found: Entry[] = [];
    for (const source of sources)
      for (const e of source) {
        if (filter.municipality !== undefined && e.municipality !== String(filter.municipality)) continue;
        if (categories && !categories.has(e.category)) continue;
        if (statuses && !statuses.has(e.status)) continue;
        if (filter.unpurged && e.purged) continue;
        if (e.created < since || e.created >= until) continue;
        found.push(e);
      }
    return found;
  }

  /** The reports of an inbox's filter (report-query.ts `inboxQuery`, as MongoDB reads it). */
  private inboxMatching(filter: InboxFilter): Entry[] {
    const statuses = filter.statuses ? new Set(filter.statuses.map(String)) : undefined;
    const since = filter.since ? new Date(filter.since).getTime() : Number.NEGATIVE_INFINITY;
    const until = filter.until ? new Date(filter.until).getTime() : Number.POSITIVE_INFINITY;
    const words = searchWords(filter.text).map((w) => new RegExp(wordPattern(w), "i"));
    const before = filter.createdBeforeIn?.map((w) => ({ status: String(w.status), before: new Date(w.before).getTime() }));
    const sources: Iterable<Entry>[] = filter.municipalities
      ? [...new Set(filter.municipalities.map(String))].flatMap((m) => this.inPlace(m, filter.category))
      : filter.category !== undefined
        ? [this.byCategory.get(String(filter.category)) ?? []]
        : [this.ids.values()];
    const found: Entry[] = [];
    for (const source of sources) {
      for (const e of source) {
        if (filter.category !== undefined && e.category !== String(filter.category)) continue;
        if (filter.channel !== undefined && e.channel !== String(filter.channel)) continue;
        if (statuses && !statuses.has(e.status)) continue;
        if (e.created < since || e.created >= until) continue;
        if (before && !before.some((w) => e.status === w.status && e.created < w.before)) continue;
        if (words.length && !words.every((w) => w.test(e.description))) continue;
        found.push(e);
      }
    }
    return found;
  }

  /** The reports of a municipality, of one category when given, as the sets they are kept in. */
  private inPlace(municipality: string, category: string | undefined): Set<Entry>[] {
    const place = this.places.get(municipality);
    if (!place) return [];
    if (category === undefined) return [...place.values()];
    const set = place.get(String(category));
    return set ? [set] : [];
  }

  /** Runs `change` once the writes under way for the same report are done (one change of a report at a time). */
  private async exclusive<T>(id: string, change: () => Promise<T>): Promise<T> {
    for (let under = this.writing.get(id); under; under = this.writing.get(id)) await under.catch(() => undefined);
    const running = change();
    this.writing.set(id, running);
    try {
      return await running;
    } finally {
      if (this.writing.get(id) === running) this.writing.delete(id);
    }
  }

  /** Writes the report's new line; once written, memory holds it (`entry`: what it held of it before). */
  private async write(report: Report, entry: Entry | undefined): Promise<void> {
    const id = String(report.id);
    const { id: _, ...fields } = report;
    const line = documentLine(id, { id, ...fields });
    // A report this store could not read back (no folio, no time of filing) is refused before it is written.
    const next = this.entry({ _id: id, ...report }, -1, 0, line);
    if (!next) throw new TypeError(`report ${id} has no folio or no valid createdAt; not stored`);
    await this.journal.write(line, (pos, bytes) => {
      next.pos = pos;
      next.len = bytes;
      if (entry) {
        this.unindex(entry);
        this.folios.delete(entry.folio);
        if (this.journal.file !== null) this.stale++;
      }
      this.ids.set(id, next);
      this.folios.set(next.folio, next);
      this.index(next);
    });
  }

  async *photoIds(): AsyncIterable<string> {
    const all = [...this.ids.values()];
    for (let at = 0; at < all.length; at += PHOTO_SCAN_BATCH) {
      for (const report of this.read(all.slice(at, at + PHOTO_SCAN_BATCH))) yield* [...report.photos, ...(report.publication?.photos ?? [])];
      // Messages waiting meanwhile go first.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The reports' documents, in the same order, read from their lines. */
  private read(entries: Entry[]): Report[] {
    return this.lines.read(entries).map((line, i) => {
      let doc: Record<string, unknown> | null = null;
      try {
        doc = parseDocument(line) as Record<string, unknown>;
      } catch {
        // A line cut short or changed under the store: said below, as one not where it was written.
      }
      if (String(doc?._id) !== entries[i].id) throw new StoreFileError(`${this.journal.file}: the line of a report is not where it was written`);
      return toReport(doc as Record<string, unknown>);
    });
  }

  /** What memory keeps of a report's line (parsed without reviving dates); null when it is not a report. */
  private entry(doc: Record<string, unknown>, pos: number, len: number, line?: string): Entry | null {
    const created = ms(doc.createdAt);
    if (typeof doc.folio !== "string" || Number.isNaN(created)) return null;
    const updated = ms(doc.updatedAt);
    const text = (value: unknown) => (typeof value === "string" ? this.string(value) : "");
    const history = Array.isArray(doc.history) ? (doc.history as Record<string, unknown>[]) : [];
    const version = typeof doc.version === "number" ? doc.version : history.length;
    const where = doc.location as { latitude?: unknown; longitude?: unknown } | null | undefined;
    return {
      id: String(doc._id),
      folio: doc.folio,
      // Never kept beyond its report: a citizen forgotten leaves nothing of theirs in memory.
      citizen: typeof doc.citizenId === "string" ? doc.citizenId : null,
      municipality: text(doc.municipality),
      category: text(doc.category),
      status: text(doc.status),
      channel: text(doc.channel),
      created,
      updated: Number.isNaN(updated) ? created : updated,
      version,
      dispatched: typeof doc.dispatched === "number" ? doc.dispatched : version,
      pending: doc.dispatchPending === true,
      purged: doc.purgedAt !== undefined,
      latitude: typeof where?.latitude === "number" ? where.latitude : Number.NaN,
      longitude: typeof where?.longitude === "number" ? where.longitude : Number.NaN,
      description: typeof doc.description === "string" ? doc.description : "",
      history: history.map((h) => ({ status: text(h.status), at: ms(h.at), by: text(h.by), kind: (h.kind ?? "status") as SummaryStep["kind"] })),
      pos,
      len,
      line: this.journal.file === null ? line : undefined,
    };
  }

  private index(entry: Entry): void {
    if (entry.citizen !== null) {
      const list = this.ofCitizen.get(entry.citizen);
      if (list) list.push(entry);
      else this.ofCitizen.set(entry.citizen, [entry]);
    }
    let place = this.places.get(entry.municipality);
    if (!place) {
      place = new Map();
      this.places.set(entry.municipality, place);
    }
    put(place, entry.category, entry);
    put(this.byCategory, entry.category, entry);
    if (entry.pending) this.pending.add(entry);
  }

  private unindex(entry: Entry): void {
    const list = entry.citizen === null ? undefined : this.ofCitizen.get(entry.citizen);
    const at = list ? list.indexOf(entry) : -1;
    if (list && at >= 0) {
      list.splice(at, 1);
      if (!list.length) this.ofCitizen.delete(entry.citizen as string);
    }
    const place = this.places.get(entry.municipality);
    if (place) {
      take(place, entry.category, entry);
      if (!place.size) this.places.delete(entry.municipality);
    }
    take(this.byCategory, entry.category, entry);
    this.pending.delete(entry);
  }
}

function put(map: Map<string, Set<Entry>>, key: string, entry: Entry): void {
  const set = map.get(key);
  if (set) set.add(entry);
  else map.set(key, new Set([entry]));
}

function take(map: Map<string, Set<Entry>>, key: string, entry: Entry): void {
  const set = map.get(key);
  if (set?.delete(entry) && !set.size) map.delete(key);
}

function countStatuses(entries: Entry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of entries) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** The first `n` of `entries` in `order`, without sorting them all (a page of many). */
function smallest(entries: Entry[], n: number, order: (a: Entry, b: Entry) => number): Entry[] {
  const first: Entry[] = [];
  for (const e of entries) {
    if (first.length === n && order(e, first[n - 1]) >= 0) continue;
    let i = first.length;
    while (i > 0 && order(e, first[i - 1]) < 0) i--;
    first.splice(i, 0, e);
    if (first.length > n) first.pop();
  }
  return first;
}

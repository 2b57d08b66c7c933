/**
 * What memory keeps of each report (reports.ts), also kept in a file of its own, `cache/reports.keys`,
 * so that start-up need not read every line of `reports.db` again: it is written when the reports'
 * file has just been compacted (and when the store closes), and names that file — its inode, the
 * length it covers, and the last line it covers with its hash. At start-up it is used only when
 * `reports.db` is still that file, grown by appending; the lines after the length it covers are read
 * as usual. Anything else (another file restored over it, a keys file of an earlier format, damaged or
 * missing) and every line is read instead: the file is only ever a shortcut, never the data.
 *
 * Columns, not a document per report: one JSON.parse of a few arrays, and the values many reports
 * share (municipalities, statuses…) written once and named by their place in a table.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { SummaryStep } from "../ports.js";
import type { Placed } from "./placed-lines.js";

/** What memory keeps of a report. */
export interface ReportKeys extends Placed {
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

const FORMAT = 1;

/** Values written once in a table, each report naming its value by its place there. */
const SHARED = ["municipality", "category", "status", "channel"] as const;
const STEP_SHARED = ["status", "by", "kind"] as const;

interface KeysFile {
  format: typeof FORMAT;
  /** The reports' file the keys are of, the bytes of it they cover, and the last line they cover. */
  ino: number;
  size: number;
  last: { pos: number; len: number; sha256: string } | null;
  /** Texts (ids, folios, citizens, descriptions): each column one string and the lengths of its values (-1: null). */
  id: Packed;
  folio: Packed;
  citizen: Packed;
  description: Packed;
  created: number[];
  updated: number[];
  version: number[];
  dispatched: number[];
  /** 1: waiting for dispatch, 2: de-identified, 3: both. */
  flags: number[];
  latitude: (number | null)[];
  longitude: (number | null)[];
  pos: number[];
  len: number[];
  /** Per shared field, its table of values and each report's place in it. */
  tables: Record<(typeof SHARED)[number], string[]>;
  shared: Record<(typeof SHARED)[number], number[]>;
  /** The reports' steps one after the other, `steps[i]` of report i. */
  steps: number[];
  stepAt: number[];
  stepTables: Record<(typeof STEP_SHARED)[number], string[]>;
  stepShared: Record<(typeof STEP_SHARED)[number], number[]>;
}

/** A column of texts as one string and the length of each (-1: null): a single value for JSON.parse, however many reports. */
interface Packed {
  text: string;
  lengths: number[];
}

function pack(values: (string | null)[]): Packed {
  return { text: values.join(""), lengths: values.map((v) => (v === null ? -1 : v.length)) };
}

function unpack({ text, lengths }: Packed): (string | null)[] {
  const values: (string | null)[] = new Array(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i];
    values[i] = n < 0 ? null : text.slice(at, (at += n));
  }
  if (at !== text.length) throw new Error("the keys file's texts do not add up");
  return values;
}

/** Numbers each distinct value as it comes. */
class Table {
  readonly values: string[] = [];
  private readonly at = new Map<string, number>();
  place(value: string): number {
    let i = this.at.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.at.set(value, i);
    }
    return i;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64");
}

/**
 * The keys file's text for `entries`, which are every report of `reportsFile` as it is now, each line
 * of it theirs (read now: the caller's entries change once it returns). Null when the file is not so.
 */
export function keysText(reportsFile: string, entries: Iterable<ReportKeys>, lastLine: (entry: ReportKeys) => string): string | null {
  const all = [...entries];
  let last: ReportKeys | null = null;
  for (const e of all) if (!last || e.pos > last.pos) last = e;
  const size = last ? last.pos + last.len + 1 : 0;
  let ino: number;
  try {
    const stat = statSync(reportsFile);
    if (stat.size !== size) return null;
    ino = stat.ino;
  } catch {
    return null;
  }
  const tables = Object.fromEntries(SHARED.map((f) => [f, new Table()])) as Record<(typeof SHARED)[number], Table>;
  const stepTables = Object.fromEntries(STEP_SHARED.map((f) => [f, new Table()])) as Record<(typeof STEP_SHARED)[number], Table>;
  const file: KeysFile = {
    format: FORMAT,
    ino,
    size,
    last: last ? { pos: last.pos, len: last.len, sha256: sha256(lastLine(last)) } : null,
    id: pack(all.map((e) => e.id)),
    folio: pack(all.map((e) => e.folio)),
    citizen: pack(all.map((e) => e.citizen)),
    description: pack(all.map((e) => e.description)),
    created: [],
    updated: [],
    version: [],
    dispatched: [],
    flags: [],
    latitude: [],
    longitude: [],
    pos: [],
    len: [],
    tables: { municipality: [], category: [], status: [], channel: [] },
    shared: { municipality: [], category: [], status: [], channel: [] },
    steps: [],
    stepAt: [],
    stepTables: { status: [], by: [], kind: [] },
    stepShared: { status: [], by: [], kind: [] },
  };
  for (const e of all) {
    file.created.push(e.created);
    file.updated.push(e.updated);
    file.version.push(e.version);
    file.dispatched.push(e.dispatched);
    file.flags.push((e.pending ? 1 : 0) | (e.purged ? 2 : 0));
    file.latitude.push(Number.isNaN(e.latitude) ? null : e.latitude);
    file.longitude.push(Number.isNaN(e.longitude) ? null : e.longitude);
    file.pos.push(e.pos);
    file.len.push(e.len);
    for (const f of SHARED) file.shared[f].push(tables[f].place(e[f]));
    file.steps.push(e.history.length);
    for (const step of e.history) {
      file.stepAt.push(step.at);
      for (const f of STEP_SHARED) file.stepShared[f].push(stepTables[f].place(step[f]));
    }
  }
  for (const f of SHARED) file.tables[f] = tables[f].values;
  for (const f of STEP_SHARED) file.stepTables[f] = stepTables[f].values;
  return JSON.stringify(file);
}

/** Writes the keys file (a new file renamed over the old one); a failure leaves none, and is not the store's. */
export async function writeKeys(keysFile: string, text: string): Promise<void> {
  const partial = `${keysFile}.tmp`;
  try {
    await mkdir(dirname(keysFile), { recursive: true });
    await writeFile(partial, text, { mode: 0o600 });
    await rename(partial, keysFile);
  } catch {
    await rm(partial, { force: true }).catch(() => undefined);
    await rm(keysFile, { force: true }).catch(() => undefined);
  }
}

/**
 * The reports the keys file holds and the length of `reportsFile` they cover, when it is of that file
 * as it is now (the same file, grown by appending since); null otherwise.
 */
export async function readKeys(keysFile: string, reportsFile: string): Promise<{ entries: ReportKeys[]; size: number } | null> {
  let file: KeysFile;
  try {
    file = JSON.parse(await readFile(keysFile, "utf8")) as KeysFile;
  } catch {
    return null;
  }
  if (file?.format !== FORMAT || !sameFile(reportsFile, file)) return null;
  let ids: string[];
  let folios: string[];
  let citizens: (string | null)[];
  let descriptions: string[];
  try {
    ids = unpack(file.id) as string[];
    folios = unpack(file.folio) as string[];
    citizens = unpack(file.citizen);
    descriptions = unpack(file.description) as string[];
  } catch {
    return null;
  }
  const entries: ReportKeys[] = new Array(ids.length);
  let step = 0;
  for (let i = 0; i < ids.length; i++) {
    const history: ReportKeys["history"] = new Array(file.steps[i]);
    for (let s = 0; s < history.length; s++, step++) {
      history[s] = {
        status: file.stepTables.status[file.stepShared.status[step]],
        at: file.stepAt[step],
        by: file.stepTables.by[file.stepShared.by[step]],
        kind: file.stepTables.kind[file.stepShared.kind[step]] as SummaryStep["kind"],
      };
    }
    entries[i] = {
      id: ids[i],
      folio: folios[i],
      citizen: citizens[i],
      municipality: file.tables.municipality[file.shared.municipality[i]],
      category: file.tables.category[file.shared.category[i]],
      status: file.tables.status[file.shared.status[i]],
      channel: file.tables.channel[file.shared.channel[i]],
      created: file.created[i],
      updated: file.updated[i],
      version: file.version[i],
      dispatched: file.dispatched[i],
      pending: (file.flags[i] & 1) !== 0,
      purged: (file.flags[i] & 2) !== 0,
      latitude: file.latitude[i] ?? Number.NaN,
      longitude: file.longitude[i] ?? Number.NaN,
      description: descriptions[i],
      history,
      pos: file.pos[i],
      len: file.len[i],
      line: undefined,
    };
  }
  return { entries, size: file.size };
}

/** Whether `reportsFile` is the file the keys are of: the same inode, at least as long, its last covered line as it was. */
function sameFile(reportsFile: string, keys: KeysFile): boolean {
  let fd: number;
  try {
    fd = openSync(reportsFile, "r");
  } catch {
    return false;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.ino !== keys.ino || stat.size < keys.size) return false;
    if (!keys.last) return keys.size === 0;
    const { pos, len } = keys.last;
    if (pos + len + 1 !== keys.size) return false;
    const bytes = Buffer.alloc(len + 1);
    if (readSync(fd, bytes, 0, len + 1, pos) !== len + 1 || bytes[len] !== 0x0a) return false;
    return sha256(bytes.toString("utf8", 0, len)) === keys.last.sha256;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

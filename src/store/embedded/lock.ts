/**
 * One process per data folder. The embedded store keeps each collection in memory and appends to
 * its file; two processes on one folder each hand out the same folio numbers and overwrite each
 * other's files at compaction. So the store holds `DATA_DIR/lock` (created exclusively, holding
 * the owner's pid) while open, and a second process refuses to start. A lock whose process is
 * gone (killed, crashed, the machine restarted, the container recreated and the pid reused) is
 * stale and taken over. Pure JavaScript: no native module.
 */
import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const LOCK_FILE = "lock";

/** Another live process holds the data folder. */
export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number | undefined) {
    super(
      `DATA_DIR ${dir} is in use by ${pid ? `process ${pid}` : "another process"}: only one process may use the embedded store at a time (stop it first, or set another DATA_DIR)`,
    );
    this.name = "DataDirInUseError";
  }
}

interface Owner {
  pid: number;
  /** Identifies this process among all that ever had its pid: the kernel's boot id and the process's start time. */
  boot?: string;
  start?: string;
  token: string;
}

export interface DataDirLock {
  release(): void;
}

/** Locks held by this process, by folder: a second open in the same process is refused too. */
const held = new Map<string, string>();

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), where /proc exists. */
function startTime(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

function me(token: string): Owner {
  return { pid: process.pid, boot: readProc("/proc/sys/kernel/random/boot_id"), start: startTime(process.pid), token };
}

function parseOwner(text: string): Owner | undefined {
  try {
    const owner = JSON.parse(text) as Owner;
    return Number.isInteger(owner?.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `owner` is still running. */
function alive(owner: Owner, dir: string): boolean {
  if (owner.pid === process.pid) return held.get(dir) === owner.token;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (owner.boot && owner.start) {
    const boot = readProc("/proc/sys/kernel/random/boot_id");
    // The same pid after a restart of the machine, or another process that got the pid since.
    if (boot && boot !== owner.boot) return false;
    const start = startTime(owner.pid);
    if (start && start !== owner.start) return false;
  }
  return true;
}

/**
 * Creates the lock file whole or not at all: written under a name of its own, then linked to its
 * real name (which fails if that exists), so no process ever reads a lock without its owner.
 */
function create(path: string, token: string): boolean {
  const content = `${JSON.stringify(me(token))}\n`;
  const draft = `${path}.${token}`;
  writeFileSync(draft, content, { mode: 0o600 });
  try {
    linkSync(draft, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw err;
  } finally {
    unlinkSync(draft);
  }
  // A file system without hard links: created exclusively, then written.
  try {
    writeFileSync(path, content, { flag: "wx", mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Takes the data folder's lock, or throws DataDirInUseError naming the process that holds it. */
export function lockDataDir(dir: string): DataDirLock {
  const key = resolve(dir);
  const path = join(dir, LOCK_FILE);
  const token = randomUUID();
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(path, token)) {
      held.set(key, token);
      return { release: () => releaseLock(key, path, token) };
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile: try again
      throw err;
    }
    // A lock is always written whole: one without a readable owner is damaged, hence stale.
    const owner = parseOwner(text);
    if (owner && alive(owner, key)) throw new DataDirInUseError(dir, owner.pid);
    // Stale: its process is gone. Removed only if it is still the same stale lock.
    try {
      if (readFileSync(path, "utf8") === text) unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  throw new DataDirInUseError(dir, undefined);
}

function releaseLock(key: string, path: string, token: string): void {
  if (held.get(key) !== token) return;
  held.delete(key);
  try {
    if (parseOwner(readFileSync(path, "utf8"))?.token === token) unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}

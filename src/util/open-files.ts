/**
 * How many connections the HTTP server may hold at once: what the process's open-file limit leaves
 * once the store's files, the logs and the outgoing calls have theirs (FILES_KEPT). Past it, new
 * connections are refused before they are read, and the store still finds a descriptor to write with.
 */
import { readFileSync } from "node:fs";

/** Descriptors kept for everything but incoming connections: data files, photos, Chromium, calls out. */
const FILES_KEPT = 512;
/** When the limit cannot be read (not Linux), or is very high: enough for any one process. */
const MOST_CONNECTIONS = 10_000;
const FEWEST_CONNECTIONS = 64;

/** The soft limit of open files (`ulimit -n`) as /proc says it, or undefined where it cannot be read. */
export function openFileLimit(limits = "/proc/self/limits"): number | undefined {
  try {
    const line = readFileSync(limits, "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    if (soft === "unlimited") return Number.POSITIVE_INFINITY;
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Connections the server may hold at once under an open-file limit of `limit`. */
export function connectionsAllowed(limit = openFileLimit()): number {
  if (limit === undefined) return MOST_CONNECTIONS;
  return Math.max(FEWEST_CONNECTIONS, Math.min(MOST_CONNECTIONS, limit - FILES_KEPT));
}

/**
 * The memory a process keeps once it has been quiet for a while, as a running bot is between bursts:
 * V8's memory reducer (not a forced collection, which on Node 24 keeps every freed page in V8's pool)
 * gives back what the burst took, in one or two collections some seconds apart. Reads the RSS of `pid`
 * (this process by default) every second until it has fallen by a fifth and then stayed within 2 MB for
 * STEADY_S seconds, or for at most `maxMs`.
 */
import { rssOf } from "../test/helpers/process.js";

export interface IdleMemory {
  /** RSS in bytes at the last reading. */
  rss: number;
  /** How long the process was left alone, in milliseconds. */
  ms: number;
  /** Whether the RSS fell and stayed put; false when `maxMs` ran out first. */
  settled: boolean;
}

/** Longer than the reducer's wait between its collections (8 s). */
const STEADY_S = 12;

export async function memoryOnceIdle(pid: number = process.pid, maxMs = 90_000): Promise<IdleMemory> {
  const t0 = performance.now();
  const first = rssOf(pid);
  const readings = [first];
  const settled = () => {
    const recent = readings.slice(-STEADY_S - 1);
    const last = recent[recent.length - 1];
    return recent.length > STEADY_S && last < first * 0.8 && recent.every((rss) => Math.abs(rss - last) < 2 ** 21);
  };
  while (performance.now() - t0 < maxMs && !settled()) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    readings.push(rssOf(pid));
  }
  return { rss: readings[readings.length - 1], ms: performance.now() - t0, settled: settled() };
}

/** "after 14 s", or "still falling after 90 s" when it did not settle. */
export function quietFor(idle: IdleMemory): string {
  const s = (idle.ms / 1000).toFixed(0);
  return idle.settled ? `after ${s} s` : `not settled after ${s} s`;
}

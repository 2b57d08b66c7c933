/**
 * The memory a process keeps once it has been quiet for a while, as a running bot is between bursts:
 * V8's memory reducer (not a forced collection, which on Node 24 keeps every freed page in V8's pool)
 * gives back what the burst took. Reads the RSS of `pid` (this process by default) every second until
 * it has fallen and stayed put for three readings, or for at most `maxMs`.
 */
import { readFileSync } from "node:fs";

export interface IdleMemory {
  /** RSS in bytes at the last reading. */
  rss: number;
  /** How long the process was left alone, in milliseconds. */
  ms: number;
}

export function rssOf(pid: number = process.pid): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
}

export async function memoryOnceIdle(pid: number = process.pid, maxMs = 40_000): Promise<IdleMemory> {
  const t0 = performance.now();
  const first = rssOf(pid);
  const readings = [first];
  const settled = () => {
    const [a, b, c] = readings.slice(-3);
    return readings.length >= 3 && c < first * 0.8 && Math.abs(a - c) < 2 ** 21 && Math.abs(b - c) < 2 ** 21;
  };
  while (performance.now() - t0 < maxMs && !settled()) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    readings.push(rssOf(pid));
  }
  return { rss: readings[readings.length - 1], ms: performance.now() - t0 };
}

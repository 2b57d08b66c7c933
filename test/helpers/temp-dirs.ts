/**
 * Folders for one test file or one bench run, removed when it ends: after each test file
 * (test/setup.ts), and when the process exits (benches, and a worker vitest ends). Each `npm test`
 * makes several hundred; kept, they filled a developer's /tmp with 24 GB.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

function track(dir: string): string {
  if (made.size === 0) process.once("exit", removeNow);
  made.add(dir);
  return dir;
}

export async function tempDir(prefix = "ma-test-"): Promise<string> {
  return track(await mkdtemp(join(tmpdir(), prefix)));
}

export function tempDirSync(prefix = "ma-test-"): string {
  return track(mkdtempSync(join(tmpdir(), prefix)));
}

/** Removes every folder made so far (what is still open in one, on Linux, goes with it). */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  process.off("exit", removeNow);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)));
}

function removeNow(): void {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Whatever cannot be removed stays for the system's own cleaning of /tmp.
    }
  }
  made.clear();
}

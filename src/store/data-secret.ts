/**
 * The data secret: the key behind what must stay the same across restarts and processes — the links to
 * the file of "mis datos" (domain/data-export.ts) and the pseudonyms that stand for citizens in the
 * audit trail (pseudonymous-events.ts). DATA_SECRET when set; otherwise generated once and kept where
 * every process of this deployment finds it: MongoDB's shared files, or `DATA_DIR/data-secret` (read
 * and written by its owner only) on the embedded store. A store kept in memory (benchmarks) gets a
 * random one. Lose it and old links stop working and old trail entries can no longer be tied to their
 * citizen (they stay, naming nobody).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/settings.js";
import type { SharedFiles, Store } from "./ports.js";

export const DATA_SECRET_FILE = "data-secret";

const fresh = () => randomBytes(32).toString("base64url");
const usable = (text: string | undefined) => (text && text.trim().length >= 32 ? text.trim() : undefined);

export async function loadDataSecret(
  config: Pick<Config, "DATA_SECRET" | "DATA_DIR">,
  store: Pick<Store, "kind" | "sharedFiles">,
  options: { inMemory?: boolean } = {},
): Promise<string> {
  if (config.DATA_SECRET) return config.DATA_SECRET;
  if (store.sharedFiles) return sharedSecret(store.sharedFiles);
  if (store.kind === "embedded" && !options.inMemory) return folderSecret(config.DATA_DIR);
  return fresh();
}

/** `DATA_DIR/data-secret`, created exclusively: the embedded store has one process (its lock). */
async function folderSecret(dir: string): Promise<string> {
  const path = join(dir, DATA_SECRET_FILE);
  const known = usable(await readFile(path, "utf8").catch(() => undefined));
  if (known) return known;
  const secret = fresh();
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * In MongoDB's shared files: the one there, else a new one stored as the first version — processes
 * starting together for the very first time all keep the one that was stored first.
 */
async function sharedSecret(files: SharedFiles): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "municipio-secret-"));
  const path = join(dir, DATA_SECRET_FILE);
  try {
    const known = (await files.download(DATA_SECRET_FILE, path)) ? usable(await readFile(path, "utf8")) : undefined;
    if (known) return known;
    const mine = join(dir, "new");
    await writeFile(mine, `${fresh()}\n`, { mode: 0o600 });
    await files.createOnce(DATA_SECRET_FILE, mine, path);
    const stored = usable(await readFile(path, "utf8"));
    if (!stored) throw new Error("the data secret could not be read back from MongoDB");
    return stored;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The migration to MongoDB: the embedded folder's secret becomes MongoDB's when MongoDB has none, so
 * what was keyed by it (links, the trail's pseudonyms) stays good; DATA_SECRET, when set, is both's.
 * Resolves with the secret MongoDB's bot will use.
 */
export async function migrationSecret(config: Pick<Config, "DATA_SECRET" | "DATA_DIR">, files: SharedFiles): Promise<string> {
  if (config.DATA_SECRET) return config.DATA_SECRET;
  const path = join(config.DATA_DIR, DATA_SECRET_FILE);
  const folder = usable(await readFile(path, "utf8").catch(() => undefined));
  if (folder && !(await files.exists(DATA_SECRET_FILE))) await files.upload(DATA_SECRET_FILE, path);
  return sharedSecret(files);
}

import { mkdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { readdir, readFile, rmdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { declaredImageType, MEDIA_ID } from "../../domain/model/media.js";
import type { Logger } from "../../util/logger.js";
import type { MediaDraft, MediaRepository, StoredMedia } from "../ports.js";
import { lastWrite, StoreWriteError } from "./append-handles.js";
import { JournalById } from "./by-id.js";

/** Files whose times `kept` reads at once. */
const STAT_BATCH = 200;

/** Photos up to this size are written with the bot's thread waiting; larger ones through the thread pool (see `put`). */
const SYNC_WRITE_MAX = 1024 * 1024;

/** A draft as its line in `photo-drafts.db`. */
interface DraftLine {
  id: string;
  owner: string;
  at: Date;
}

/**
 * Photos as files: `<id>` holds the bytes, written to a temporary name, then renamed. Its type is the
 * one its bytes declare (every photo the bot keeps is a JPEG, PNG or WebP, domain/images); `<id>.type`
 * holds it only when the bytes declare another, or none (and in folders written before 0.6.8).
 *
 * Drafts (a photo and the conversation holding it, until a report keeps it) are lines of
 * `photo-drafts.db` in the data folder (by-id.ts: all in memory, one appended line per change,
 * group commit with the other files): a file of its own per draft, as before 0.6.8, cost a photo
 * three new files and was the largest part of a Telegram update's CPU (`npm run bench:telegram`).
 * The draft's line is written before the photo, and removed after it, so a crash never leaves a
 * draft photo that looks kept. Markers an older version left in `drafts/` are read into the file at
 * `open`, then removed.
 */
export class FileMedia implements MediaRepository {
  /** The folder is made once (and again if it goes while the bot runs). */
  private folder = false;
  /** Drafts being kept (their lines being removed): a discard meanwhile leaves them. */
  private readonly keeping = new Set<string>();

  /**
   * `drafts`: where drafts are written; without it (reading photos only: the migration), they are
   * kept in memory. `open` reads them back.
   */
  constructor(
    private readonly dir: string,
    private readonly draftLines = new JournalById<DraftLine>(null, "photo-drafts"),
  ) {}

  /** The photos in `dir`, their drafts in `draftsDir`/photo-drafts.db (null: in memory, for benchmarks). */
  static async open(dir: string, draftsDir: string | null, logger?: Logger): Promise<FileMedia> {
    const media = new FileMedia(dir, await new JournalById<DraftLine>(draftsDir, "photo-drafts").load(logger));
    await media.adoptOldMarkers();
    return media;
  }

  /**
   * The drafts of the photos in `dir` (those in `draftsDir`/photo-drafts.db, and markers an older
   * version left), read without changing anything: what the migration to MongoDB copies as drafts.
   */
  static async readDrafts(dir: string, draftsDir: string): Promise<MediaDraft[]> {
    const lines = await new JournalById<DraftLine>(draftsDir, "photo-drafts").load();
    const drafts = lines.all().map(({ id, owner, at }) => ({ id, owner, at: new Date(at) }));
    for (const { id, path } of await oldMarkers(dir)) if (!lines.has(id)) drafts.push({ id, ...(await readOldMarker(path)) });
    return drafts;
  }

  /** Drafts an older version kept as `drafts/<id>.json`: each becomes a line, then its file goes. */
  private async adoptOldMarkers(): Promise<void> {
    const markers = await oldMarkers(this.dir);
    for (const { id, path } of markers) {
      if (!this.draftLines.has(id)) await this.draftLines.save({ id, ...(await readOldMarker(path)) });
      removeIfThere(path);
    }
    // Empty now, unless something else was put there.
    await rmdir(join(this.dir, "drafts")).catch(() => undefined);
  }

  private path(id: string): string {
    if (!MEDIA_ID.test(id)) throw new Error("invalid media id");
    return join(this.dir, id);
  }

  /**
   * Written with the bot's thread waiting, as the journal's lines are: each file operation handed to
   * libuv's thread pool comes back through the event loop, and a photo's operations in a row, each
   * waiting behind other citizens' messages, made its step the slowest of a conversation (p50 10–64 ms
   * at 500 Telegram updates a second, `npm run bench:telegram`). Written here, a photo of 300 KB (what
   * Telegram, WhatsApp and the web chat's resizing send) takes about 0.2 ms; one larger than
   * SYNC_WRITE_MAX (PHOTO_MAX_MB allows up to 50 MB) goes through the thread pool, so the bot never
   * stops for long. A photo that cannot be written is a StoreWriteError, as a journal line that cannot
   * be: the message waits and is tried again (a full disk), never lost; and the store is not ready
   * (`/readyz`) until a photo is written again.
   */
  async put(id: string, media: StoredMedia, draft?: Omit<MediaDraft, "id">): Promise<void> {
    const path = this.path(id);
    if (draft) await this.draftLines.save({ id, owner: String(draft.owner), at: draft.at });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.write(path, media);
        lastWrite(this.dir, true);
        return;
      } catch (err) {
        this.folder = false;
        // A folder removed while the bot runs is made again.
        if (attempt > 0 || !isMissing(err)) {
          lastWrite(this.dir, false);
          throw new StoreWriteError(path, err);
        }
      }
    }
  }

  private async write(path: string, media: StoredMedia): Promise<void> {
    if (!this.folder) mkdirSync(this.dir, { recursive: true });
    this.folder = true;
    if (declaredImageType(media.data) !== media.mimeType) writeFileSync(`${path}.type`, media.mimeType);
    if (media.data.length <= SYNC_WRITE_MAX) writeFileSync(`${path}.tmp`, media.data);
    else await writeFile(`${path}.tmp`, media.data);
    renameSync(`${path}.tmp`, path);
  }

  async get(id: string): Promise<StoredMedia | null> {
    const path = this.path(id);
    try {
      const [data, written] = await Promise.all([
        readFile(path),
        readFile(`${path}.type`, "utf8").catch((err: unknown) => (isMissing(err) ? undefined : Promise.reject(err))),
      ]);
      return { data, mimeType: written ?? declaredImageType(data) ?? "application/octet-stream" };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  /** At the report's filing, with the bot's thread waiting too (see `put`): a call per photo, and its draft's line. */
  async keep(ids: string[]): Promise<string[]> {
    const kept = ids.filter((id) => statSync(this.path(id), { throwIfNoEntry: false }));
    // A photo's age (`kept`) counts from now: a draft kept for a report today is no orphan of last week.
    const now = new Date();
    for (const id of kept) touch(this.path(id), now);
    for (const id of kept) this.keeping.add(id);
    try {
      await Promise.all(kept.map((id) => this.draftLines.remove(id)));
    } finally {
      for (const id of kept) this.keeping.delete(id);
    }
    return kept;
  }

  /** Within a citizen's turn (a photo replaced, a report given up), with the bot's thread waiting too (see `put`). */
  async discard(id: string): Promise<void> {
    this.path(id); // an id that is not one is refused, draft or not
    if (!this.draftLines.has(id) || this.keeping.has(id)) return;
    await this.remove(id);
  }

  /** Drafts held in memory (the bench prints it). */
  get draftCount(): number {
    return this.draftLines.size;
  }

  async remove(id: string): Promise<void> {
    const path = this.path(id);
    for (const file of [path, `${path}.type`, `${path}.tmp`]) removeIfThere(file);
    if (this.draftLines.has(id)) await this.draftLines.remove(id);
  }

  /** Rewrites `photo-drafts.db` with the drafts there are (the store's periodic compaction). */
  compact(): Promise<void> {
    return this.draftLines.compact();
  }

  /** By the time a file was written or kept (its mtime), in batches: the bot's thread goes on between them. */
  async *kept(before: Date): AsyncIterable<string> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    const photos = names.filter((name) => MEDIA_ID.test(name));
    for (let at = 0; at < photos.length; at += STAT_BATCH) {
      const batch = photos.slice(at, at + STAT_BATCH).filter((id) => !this.draftLines.has(id));
      const times = await Promise.all(batch.map((id) => modified(join(this.dir, id))));
      for (const [i, id] of batch.entries()) if (times[i] !== undefined && (times[i] as number) < before.getTime()) yield id;
    }
  }

  async drafts(before: Date, limit: number): Promise<MediaDraft[]> {
    return this.draftLines
      .all()
      .filter((d) => d.at < before)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .slice(0, limit)
      .map(({ id, owner, at }) => ({ id, owner, at }));
  }
}

/** The draft markers an older version left in `dir`/drafts (`<id>.json`). */
async function oldMarkers(dir: string): Promise<{ id: string; path: string }[]> {
  const folder = join(dir, "drafts");
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  return names.flatMap((name) => {
    const id = name.replace(/\.json$/, "");
    return MEDIA_ID.test(id) && name !== id ? [{ id, path: join(folder, name) }] : [];
  });
}

/** An older version's marker; one that cannot be read (cut by a crash) counts as an old draft of no conversation. */
async function readOldMarker(path: string): Promise<Omit<MediaDraft, "id">> {
  try {
    const { owner, at } = JSON.parse(await readFile(path, "utf8")) as { owner?: unknown; at?: unknown };
    const when = new Date(String(at));
    return { owner: typeof owner === "string" ? owner : "", at: Number.isNaN(when.getTime()) ? new Date(0) : when };
  } catch {
    return { owner: "", at: new Date(0) };
  }
}

/** When a file was last written (ms), or undefined when it is gone. */
async function modified(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** Sets a file's times to `at`; one gone meanwhile is left gone. */
function touch(path: string, at: Date): void {
  try {
    utimesSync(path, at, at);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
}

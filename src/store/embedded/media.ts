import { mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MEDIA_ID } from "../../domain/model/media.js";
import type { MediaDraft, MediaRepository, StoredMedia } from "../ports.js";
import { lastWrite, StoreWriteError } from "./append-handles.js";

/** Photos up to this size are written with the bot's thread waiting; larger ones through the thread pool (see `put`). */
const SYNC_WRITE_MAX = 1024 * 1024;

/**
 * Photos as files: `<id>` holds the bytes, `<id>.type` the MIME type, written to a temporary name,
 * then renamed. A draft also has `drafts/<id>.json` (its conversation and time), written first and
 * removed when a report keeps the photo, so a crash never leaves a draft that looks kept.
 */
export class FileMedia implements MediaRepository {
  private readonly draftDir: string;
  /** The folders are made once (and again if one goes while the bot runs). */
  private folders = false;

  constructor(private readonly dir: string) {
    this.draftDir = join(dir, "drafts");
  }

  private path(id: string): string {
    if (!MEDIA_ID.test(id)) throw new Error("invalid media id");
    return join(this.dir, id);
  }

  private draftPath(id: string): string {
    if (!MEDIA_ID.test(id)) throw new Error("invalid media id");
    return join(this.draftDir, `${id}.json`);
  }

  /**
   * Written with the bot's thread waiting, as the journal's lines are: each file operation handed to
   * libuv's thread pool comes back through the event loop, and a photo's twelve in a row, each waiting
   * behind other citizens' messages, made its step the slowest of a conversation (p50 10–64 ms at 500
   * Telegram updates a second, `npm run bench:telegram`). Written here, a photo of 300 KB (what
   * Telegram, WhatsApp and the web chat's resizing send) takes about 0.3 ms; one larger than
   * SYNC_WRITE_MAX (PHOTO_MAX_MB allows up to 50 MB) goes through the thread pool, so the bot never
   * stops for long. A photo that cannot be written is a StoreWriteError, as a journal line that cannot
   * be: the message waits and is tried again (a full disk), never lost; and the store is not ready
   * (`/readyz`) until a photo is written again.
   */
  async put(id: string, media: StoredMedia, draft?: Omit<MediaDraft, "id">): Promise<void> {
    const path = this.path(id);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.write(id, path, media, draft);
        lastWrite(this.dir, true);
        return;
      } catch (err) {
        this.folders = false;
        // A folder removed while the bot runs is made again.
        if (attempt > 0 || !isMissing(err)) {
          lastWrite(this.dir, false);
          throw new StoreWriteError(path, err);
        }
      }
    }
  }

  private async write(id: string, path: string, media: StoredMedia, draft?: Omit<MediaDraft, "id">): Promise<void> {
    if (!this.folders) mkdirSync(this.draftDir, { recursive: true });
    this.folders = true;
    if (draft) writeFileSync(this.draftPath(id), JSON.stringify({ owner: draft.owner, at: draft.at.toISOString() }));
    writeFileSync(`${path}.type`, media.mimeType);
    if (media.data.length <= SYNC_WRITE_MAX) writeFileSync(`${path}.tmp`, media.data);
    else await writeFile(`${path}.tmp`, media.data);
    renameSync(`${path}.tmp`, path);
  }

  async get(id: string): Promise<StoredMedia | null> {
    const path = this.path(id);
    try {
      const [data, mimeType] = await Promise.all([readFile(path), readFile(`${path}.type`, "utf8")]);
      return { data, mimeType };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  /** At the report's filing, with the bot's thread waiting too (see `put`): two calls per photo. */
  async keep(ids: string[]): Promise<string[]> {
    const kept: string[] = [];
    for (const id of ids) {
      if (!statSync(this.path(id), { throwIfNoEntry: false })) continue;
      removeIfThere(this.draftPath(id));
      kept.push(id);
    }
    return kept;
  }

  /** Within a citizen's turn (a photo replaced, a report given up), with the bot's thread waiting too (see `put`). */
  async discard(id: string): Promise<void> {
    const marker = this.draftPath(id);
    if (!statSync(marker, { throwIfNoEntry: false })) return;
    const path = this.path(id);
    for (const file of [path, `${path}.type`, `${path}.tmp`, marker]) removeIfThere(file);
  }

  async drafts(before: Date, limit: number): Promise<MediaDraft[]> {
    let names: string[];
    try {
      names = await readdir(this.draftDir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const out: MediaDraft[] = [];
    for (const name of names) {
      const id = name.replace(/\.json$/, "");
      if (!MEDIA_ID.test(id) || name === id) continue;
      out.push({ id, ...(await readDraft(join(this.draftDir, name))) });
    }
    return out
      .filter((d) => d.at < before)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .slice(0, limit);
  }
}

/** A marker that cannot be read (cut by a crash) counts as an old draft of no conversation. */
async function readDraft(path: string): Promise<Omit<MediaDraft, "id">> {
  try {
    const { owner, at } = JSON.parse(await readFile(path, "utf8")) as { owner?: unknown; at?: unknown };
    const when = new Date(String(at));
    return { owner: typeof owner === "string" ? owner : "", at: Number.isNaN(when.getTime()) ? new Date(0) : when };
  } catch {
    return { owner: "", at: new Date(0) };
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

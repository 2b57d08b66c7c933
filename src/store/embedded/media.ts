import { mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { MEDIA_ID } from "../../domain/model/media.js";
import type { MediaDraft, MediaRepository, StoredMedia } from "../ports.js";

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
   * behind other citizens' messages, made its step the slowest of a conversation (p50 10–40 ms at 500
   * Telegram updates a second, `npm run bench:telegram`). Written here, a photo of 300 KB takes about
   * 0.3 ms, one of 5 MB (the largest kept) a few ms.
   */
  async put(id: string, media: StoredMedia, draft?: Omit<MediaDraft, "id">): Promise<void> {
    try {
      this.write(id, media, draft);
    } catch (err) {
      this.folders = false;
      if (!isMissing(err)) throw err;
      this.write(id, media, draft);
    }
  }

  private write(id: string, media: StoredMedia, draft?: Omit<MediaDraft, "id">): void {
    const path = this.path(id);
    if (!this.folders) mkdirSync(this.draftDir, { recursive: true });
    this.folders = true;
    if (draft) writeFileSync(this.draftPath(id), JSON.stringify({ owner: draft.owner, at: draft.at.toISOString() }));
    writeFileSync(`${path}.type`, media.mimeType);
    writeFileSync(`${path}.tmp`, media.data);
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
      try {
        unlinkSync(this.draftPath(id));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
      kept.push(id);
    }
    return kept;
  }

  async discard(id: string): Promise<void> {
    const marker = this.draftPath(id);
    if (!(await exists(marker))) return;
    const path = this.path(id);
    for (const file of [path, `${path}.type`, `${path}.tmp`]) await removeIfThere(file);
    await removeIfThere(marker);
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

async function removeIfThere(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
}

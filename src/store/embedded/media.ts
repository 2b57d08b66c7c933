import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MEDIA_ID } from "../../domain/model/media.js";
import type { MediaRepository, StoredMedia } from "../ports.js";

/** Photos as files: `<id>` holds the bytes, `<id>.type` the MIME type. Written to a temporary name, then renamed. */
export class FileMedia implements MediaRepository {
  constructor(private readonly dir: string) {}

  private path(id: string): string {
    if (!MEDIA_ID.test(id)) throw new Error("invalid media id");
    return join(this.dir, id);
  }

  async put(id: string, media: StoredMedia): Promise<void> {
    const path = this.path(id);
    await mkdir(this.dir, { recursive: true });
    await writeFile(`${path}.type`, media.mimeType);
    await writeFile(`${path}.tmp`, media.data);
    await rename(`${path}.tmp`, path);
  }

  async get(id: string): Promise<StoredMedia | null> {
    const path = this.path(id);
    try {
      const [data, mimeType] = await Promise.all([readFile(path), readFile(`${path}.type`, "utf8")]);
      return { data, mimeType };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }
}

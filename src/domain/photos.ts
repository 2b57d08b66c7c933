/**
 * Photos sent by citizens: only whole JPEG, PNG or WebP images within a size limit, stored without
 * their metadata (no GPS, camera or date: see images/). A photo starts as a draft of the
 * conversation that received it; a report keeps it for good, and a draft never sent is deleted.
 */
import { randomUUID } from "node:crypto";
import type { MediaDraft, MediaRepository, StoredMedia } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { cleanImage } from "./images/index.js";

/**
 * How long the photo of an announcement being written is kept as a draft: as long as the
 * announcement desk keeps its draft. Its owner is no conversation, so no conversation holds it.
 */
export const ANNOUNCEMENT_DRAFT_MS = 60 * 60_000;
const ANNOUNCEMENT_OWNER = "announcement:";

/** The draft owner of an announcement's photo (`id`: the announcement's draft). */
export const announcementOwner = (id: string) => `${ANNOUNCEMENT_OWNER}${id}`;

export type PhotoResult = { ok: true; mediaId: string } | { ok: false; reason: "too_large" | "not_an_image" };

export class Photos {
  constructor(
    private readonly media: MediaRepository,
    readonly maxBytes: number,
    private readonly clock: Clock,
  ) {}

  /** Checks and cleans a photo, and stores it as a draft of conversation `owner`. */
  async save(data: Buffer, owner: string): Promise<PhotoResult> {
    if (data.length > this.maxBytes) return { ok: false, reason: "too_large" };
    const image = cleanImage(data);
    if (!image) return { ok: false, reason: "not_an_image" };
    const mediaId = randomUUID();
    await this.media.put(mediaId, { data: image.data, mimeType: image.mimeType }, { owner, at: this.clock.now() });
    return { ok: true, mediaId };
  }

  /** A stored photo (a report's, for its card), or null when there is none. */
  get(id: string): Promise<StoredMedia | null> {
    return this.media.get(id);
  }

  /** Keeps photos for a report: drafts no more. Resolves with the ones that exist. */
  keep(ids: string[]): Promise<string[]> {
    return this.media.keep(ids);
  }

  /** Deletes photos that are still drafts (a report did not keep them). */
  async discard(ids: Iterable<string>): Promise<void> {
    for (const id of ids) await this.media.discard(id);
  }

  /**
   * Until when a draft is kept whatever any conversation holds (an announcement's photo), or
   * undefined when it is a conversation's (its conversation says whether it still holds it).
   */
  keptUntil(draft: MediaDraft): Date | undefined {
    return draft.owner.startsWith(ANNOUNCEMENT_OWNER) ? new Date(draft.at.getTime() + ANNOUNCEMENT_DRAFT_MS) : undefined;
  }

  /** Drafts stored before `before`, oldest first. */
  drafts(before: Date, limit: number): Promise<MediaDraft[]> {
    return this.media.drafts(before, limit);
  }
}

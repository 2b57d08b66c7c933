/**
 * Photos kept for good that nothing names any more: no report (de-identified ones included), no
 * announcement, no conversation. Versions before 0.6.8 left them when a citizen's data was erased or a
 * closed report de-identified (their photos were taken off the report, their files stayed), and a crash
 * between keeping a photo and saving its report, never tried again, leaves one. Found by `npm run admin -- photos orphans`,
 * deleted with `--delete`. Drafts are not looked at: the sweep of draft photos has them.
 */
import type { MediaRepository } from "../store/ports.js";
import { DAY_MS } from "../util/clock.js";

/** Only photos kept this long ago are looked at: one being kept for a report saved right now is not an orphan. */
export const ORPHAN_MIN_AGE_MS = DAY_MS;

export interface OrphanPhotoDeps {
  media: Pick<MediaRepository, "kept" | "remove">;
  /**
   * Everything that names photos, each read in turn: conversations first (a report being written, kept
   * aside, or whose sending failed and is tried again: its photo moves from there to a report), then
   * reports (de-identified ones too) and announcements.
   */
  holders: (() => AsyncIterable<string>)[];
}

/** The ids of the photos kept before `now` - ORPHAN_MIN_AGE_MS that nothing holds, sorted. */
export async function orphanPhotos(deps: OrphanPhotoDeps, now: Date): Promise<string[]> {
  // The photos first, then what names them. A photo being kept for a report holds its conversation until
  // the report is saved (a photo's age counts from when it was kept: `kept`).
  const before = new Date(now.getTime() - ORPHAN_MIN_AGE_MS);
  const candidates = new Set<string>();
  for await (const id of deps.media.kept(before)) candidates.add(id);
  for (const holder of deps.holders) {
    if (candidates.size === 0) break;
    for await (const id of holder()) candidates.delete(id);
  }
  // Kept again meanwhile (a report being sent while the holders were read): its age starts again.
  const still = new Set<string>();
  if (candidates.size) for await (const id of deps.media.kept(before)) if (candidates.has(id)) still.add(id);
  return [...still].sort();
}

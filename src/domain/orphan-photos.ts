/**
 * Photos kept for good that nothing names any more: no report (de-identified ones included) and no
 * announcement. Versions before 0.6.9 left them when a citizen's data was erased or a closed report
 * de-identified (their photos were taken off the report, their files stayed), and a crash between
 * keeping a photo and saving its report leaves one. Found by `npm run admin -- photos orphans`,
 * deleted with `--delete`. Drafts are not looked at: the sweep of draft photos has them.
 */
import type { AnnouncementRepository, MediaRepository, ReportRepository } from "../store/ports.js";

/** Only photos kept this long ago are looked at: one being kept for a report saved right now is not an orphan. */
export const ORPHAN_MIN_AGE_MS = 24 * 60 * 60 * 1000;

export interface OrphanPhotoDeps {
  media: Pick<MediaRepository, "kept" | "remove">;
  reports: Pick<ReportRepository, "photoIds">;
  announcements: Pick<AnnouncementRepository, "photoIds">;
}

/** The ids of the photos kept before `now` - ORPHAN_MIN_AGE_MS that no report and no announcement holds, sorted. */
export async function orphanPhotos(deps: OrphanPhotoDeps, now: Date): Promise<string[]> {
  // The photos first, then what names them: a photo kept meanwhile is named by the time its holders are read.
  const candidates = new Set<string>();
  for await (const id of deps.media.kept(new Date(now.getTime() - ORPHAN_MIN_AGE_MS))) candidates.add(id);
  if (candidates.size === 0) return [];
  for await (const id of deps.reports.photoIds()) candidates.delete(id);
  for await (const id of deps.announcements.photoIds()) candidates.delete(id);
  return [...candidates].sort();
}

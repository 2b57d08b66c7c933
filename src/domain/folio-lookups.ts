/**
 * Folios are sequential (MET-2026-000001, …000002…), so anyone could walk every report's public status
 * through the chat. What a folio shows is public by design (domain/public-report.ts: municipality,
 * category, status, dates, public notes, how many it affects — never the description, the place, the
 * photos, the author or internal notes); walking them is still limited: a conversation may look up
 * FOLIO_LOOKUPS_PER_HOUR folios that are not its own (found or not) in any hour. Its own reports and
 * those it follows never count. The web chat's per-address limits bound how many conversations one
 * address opens; open data gives the same public facts in bulk to whoever wants them.
 */
import type { Clock } from "../util/clock.js";

const HOUR_MS = 60 * 60 * 1000;
/** Conversations remembered at most (the oldest forgotten first): memory stays bounded under a flood. */
const MAX_TRACKED = 100_000;

export class FolioLookups {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly perHour: number,
    private readonly clock: Clock,
  ) {}

  /** Counts one lookup of a folio not theirs by conversation `who`; false when over the limit (nothing counted). */
  allow(who: string): boolean {
    const now = this.clock.now().getTime();
    const times = (this.recent.get(who) ?? []).filter((t) => t > now - HOUR_MS);
    if (times.length >= this.perHour) {
      this.recent.set(who, times);
      return false;
    }
    times.push(now);
    this.recent.delete(who);
    this.recent.set(who, times);
    if (this.recent.size > MAX_TRACKED) this.recent.delete(this.recent.keys().next().value as string);
    return true;
  }
}

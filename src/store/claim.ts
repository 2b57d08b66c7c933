/**
 * The inbound claim rule both stores follow: the first claim of an id wins; a claim still
 * "processing" after its lease belongs to a process that died, and the next claim takes it over.
 */
import type { ClaimResult } from "./ports.js";

/** Inbound ids are kept a week: far longer than any platform redelivers. */
export const INBOUND_TTL_S = 7 * 24 * 3600;

export interface ClaimOps {
  /** Inserts a new "processing" claim; false when the id is already there. */
  insert(): Promise<boolean>;
  /** Moves a "processing" claim made before `stale` to now; true when one was taken over. */
  takeOver(stale: Date): Promise<boolean>;
}

export async function claimWithLease(ops: ClaimOps, now: Date, leaseMs: number): Promise<ClaimResult> {
  if (await ops.insert()) return "claimed";
  return (await ops.takeOver(new Date(now.getTime() - leaseMs))) ? "claimed" : "duplicate";
}

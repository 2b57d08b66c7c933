/**
 * A report linked to a commitment of its own municipality's plan: the commitment counts it, and the
 * report's citizens hear of the commitment's changes. Linking again changes nothing. Written on the
 * commitment's version, tried again when another change came first.
 */
import type { CommitmentRepository, EventRepository } from "../../store/ports.js";
import type { Clock } from "../../util/clock.js";
import { recordEvent } from "../model/events.js";
import type { Commitment } from "../model/plan.js";
import type { Report } from "../model/report.js";

export type LinkResult =
  | { ok: true; commitment: Commitment; already: boolean }
  | { ok: false; problem: "not_found" | "other_municipality" | "busy"; commitment?: Commitment };

const TRIES = 3;

export async function linkReport(
  deps: { commitments: CommitmentRepository; events: EventRepository; clock: Clock },
  commitmentId: string,
  report: Pick<Report, "id" | "municipality">,
  actor: string,
): Promise<LinkResult> {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const commitment = await deps.commitments.get(commitmentId);
    if (!commitment) return { ok: false, problem: "not_found" };
    if (commitment.municipality !== report.municipality) return { ok: false, problem: "other_municipality", commitment };
    if (commitment.reports.includes(report.id)) return { ok: true, commitment, already: true };
    const now = deps.clock.now();
    const next: Commitment = { ...commitment, reports: [...commitment.reports, report.id], version: commitment.version + 1, updatedAt: now };
    if (!(await deps.commitments.update(next, commitment.version))) continue;
    await deps.events.append([
      recordEvent(
        { type: "report_linked", report: report.id, municipality: report.municipality, commitment: commitment.id },
        `${commitment.id}:v${next.version}`,
        now,
        actor,
      ),
    ]);
    return { ok: true, commitment: next, already: false };
  }
  return { ok: false, problem: "busy" };
}

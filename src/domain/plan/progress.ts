/**
 * A commitment's progress and status, derived from its milestones (never typed in): the share of
 * milestone weight done, a text bar a chat can show everywhere (`▓▓▓░░ 60 %`), and a status that
 * also says when a milestone is overdue.
 */
import type { CalendarDate, Commitment, Milestone } from "../model/plan.js";

/** Cells of the text bar: one per fifth. */
export const BAR_CELLS = 5;

/** Percent of milestone weight done (0–100, rounded down: never fuller than it is); 0 without milestones. */
export function progress(milestones: readonly Milestone[]): number {
  const total = milestones.reduce((sum, m) => sum + m.weight, 0);
  if (total <= 0) return 0;
  const done = milestones.reduce((sum, m) => sum + (m.done ? m.weight : 0), 0);
  return Math.floor((done / total) * 100 + 1e-9);
}

/** `▓▓▓░░`: a filled cell per whole fifth done. */
export function progressBar(percent: number): string {
  const filled = Math.max(0, Math.min(BAR_CELLS, Math.floor(percent / (100 / BAR_CELLS))));
  return "▓".repeat(filled) + "░".repeat(BAR_CELLS - filled);
}

/** What a citizen reads as the status (labels in locales/*\/commitments.yaml `status.*`). */
export const COMMITMENT_STATUSES = ["sin_iniciar", "en_proceso", "con_retraso", "cumplido", "suspendido", "cancelado"] as const;
export type CommitmentStatus = (typeof COMMITMENT_STATUSES)[number];

/**
 * Suspended or cancelled as the secretariat says; otherwise fulfilled when every milestone is
 * done, late when one not done is past its date (`today` in the deployment's time zone), in
 * progress when one is done, and not started otherwise.
 */
export function commitmentStatus(c: Pick<Commitment, "state" | "milestones">, today: CalendarDate): CommitmentStatus {
  if (c.state !== "vigente") return c.state;
  const { milestones } = c;
  if (milestones.length > 0 && milestones.every((m) => m.done)) return "cumplido";
  if (milestones.some((m) => !m.done && m.due < today)) return "con_retraso";
  if (milestones.some((m) => m.done)) return "en_proceso";
  return "sin_iniciar";
}

/** Today as a calendar date in a time zone. */
export function calendarDate(at: Date, timeZone: string): CalendarDate {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

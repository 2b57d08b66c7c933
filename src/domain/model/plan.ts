/**
 * The Plan de Acción Municipal and its commitments (compromisos), shaped after the Open Government
 * Partnership and INAI's local templates: the public problem and its baseline, the objective, what
 * will be done, who is responsible, the principles it applies, milestones with dates and evidence,
 * and indicators. Progress is derived from the milestones (plan/progress.ts), never typed in.
 */

/** Where a plan stands. */
export const PLAN_STATES = ["en_cocreacion", "en_implementacion", "concluido"] as const;
export type PlanState = (typeof PLAN_STATES)[number];

/** The brochure's five open-government principles (the learning section's topics of the same name). */
export const PRINCIPLES = ["transparencia", "rendicion", "participacion", "colaboracion", "innovacion"] as const;
export type Principle = (typeof PRINCIPLES)[number];

/**
 * What the secretariat says of a commitment by hand: `vigente` (its progress tells the rest), or
 * `suspendido` and `cancelado`, which milestones cannot tell.
 */
export const COMMITMENT_STATES = ["vigente", "suspendido", "cancelado"] as const;
export type CommitmentState = (typeof COMMITMENT_STATES)[number];

/** A day of the calendar, `YYYY-MM-DD`: a due date is a day, not an instant in some time zone. */
export type CalendarDate = string;

export interface Plan {
  /** The municipality's INEGI key: one plan per municipality. */
  municipality: string;
  title: string;
  period: { start: CalendarDate; end: CalendarDate };
  state: PlanState;
  /** Loaded from the shipped example (`plan import --demo`): shown to citizens marked as an example. */
  example: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Milestone {
  /** 1, 2, 3… within its commitment. */
  number: number;
  title: string;
  due: CalendarDate;
  done: CalendarDate | null;
  /** A public link to what shows it was done (minutes, photos, a published document). */
  evidence: string | null;
  /** Its share of the commitment's progress (1 when not given). */
  weight: number;
  /** Why its date last moved, when it did. */
  reason: string | null;
}

export interface Indicator {
  number: number;
  name: string;
  unit: string;
  baseline: number;
  target: number;
  current: number;
  /** When `current` was measured. */
  date: CalendarDate | null;
}

/** One change followers hear of; `version` is the commitment's version it made. */
export type CommitmentChange = { version: number; at: Date; by: string } & (
  | { kind: "milestone_done"; milestone: number; done: CalendarDate; evidence: string | null }
  | { kind: "milestone_moved"; milestone: number; from: CalendarDate; to: CalendarDate; reason: string }
  | { kind: "indicator_updated"; indicator: number; from: number; to: number; date: CalendarDate | null }
);

export interface Commitment {
  /** `<municipality>-<number>`: 15054-3 is commitment 3 of Metepec (and its deep link c-15054-3). */
  id: string;
  municipality: string;
  number: number;
  title: string;
  /** The public problem it addresses, and its baseline (línea base). */
  problem: string;
  baseline: string;
  objective: string;
  /** What will be done. */
  actions: string;
  /** The responsible office, and the co-responsible civil-society organisation. */
  responsible: string;
  coResponsible: string;
  principles: Principle[];
  start: CalendarDate;
  end: CalendarDate;
  state: CommitmentState;
  milestones: Milestone[];
  indicators: Indicator[];
  /** Reports linked to it (ids): their citizens hear of its changes too. */
  reports: string[];
  /** What followers were or are to be told, oldest first. */
  changes: CommitmentChange[];
  /** Grows by one with every change: a form showing an older version is outdated. */
  version: number;
  /** The version through which the notices of its changes are queued; `dispatchPending` while behind. */
  dispatched: number;
  dispatchPending: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function commitmentId(municipality: string, number: number): string {
  return `${municipality}-${number}`;
}

/** A citizen following a commitment: told of its milestones, dates and indicators. */
export interface CommitmentFollow {
  commitment: string;
  citizen: string;
  since: Date;
}

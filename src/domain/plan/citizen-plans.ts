/**
 * The plans as citizens see them: a municipality's plan with each commitment's progress and status,
 * one commitment in detail, and following it (Seguir / Dejar de seguir). An example plan (loaded
 * with `plan import --demo`) is shown marked as such, and only then: nothing but the demo command
 * stores one.
 */
import type { CommitmentFollowRepository, CommitmentRepository, PlanRepository } from "../../store/ports.js";
import type { Clock } from "../../util/clock.js";
import { type CalendarDate, type Commitment, commitmentId, type Plan } from "../model/plan.js";
import { type CommitmentStatus, commitmentStatus, progress, progressBar } from "./progress.js";

/** A commitment's standing at a glance. */
export interface CommitmentSummary {
  commitment: Commitment;
  percent: number;
  bar: string;
  status: CommitmentStatus;
}

export type FollowOutcome = "followed" | "already" | "not_found";

export class CitizenPlans {
  constructor(
    private readonly plans: PlanRepository,
    private readonly commitments: CommitmentRepository,
    private readonly follows: CommitmentFollowRepository,
    private readonly clock: Clock,
    private readonly today: () => CalendarDate,
  ) {}

  /** The municipality's plan and its commitments by number, or null when it has none. */
  async plan(municipality: string): Promise<{ plan: Plan; commitments: CommitmentSummary[] } | null> {
    const plan = await this.plans.get(municipality);
    if (!plan) return null;
    const list = await this.commitments.forMunicipality(municipality);
    return { plan, commitments: list.map((c) => this.summary(c)) };
  }

  /** One commitment, by id (`15054-3`) or by municipality and number; with its plan (an example is marked). */
  async commitment(ref: string | { municipality: string; number: number }): Promise<(CommitmentSummary & { plan: Plan }) | null> {
    const id = typeof ref === "string" ? ref.trim() : commitmentId(ref.municipality, ref.number);
    if (!/^\d{5}-\d{1,3}$/.test(id)) return null;
    const c = await this.commitments.get(id);
    const plan = c ? await this.plans.get(c.municipality) : null;
    return c && plan ? { ...this.summary(c), plan } : null;
  }

  summary(commitment: Commitment): CommitmentSummary {
    const percent = progress(commitment.milestones);
    return { commitment, percent, bar: progressBar(percent), status: commitmentStatus(commitment, this.today()) };
  }

  async isFollowing(commitment: string, citizen: string): Promise<boolean> {
    return (await this.follows.get(commitment, citizen)) !== null;
  }

  async follow(commitment: string, citizen: string): Promise<FollowOutcome> {
    if (!(await this.commitments.get(commitment))) return "not_found";
    return (await this.follows.add({ commitment, citizen, since: this.clock.now() })) ? "followed" : "already";
  }

  async unfollow(commitment: string, citizen: string): Promise<boolean> {
    return this.follows.remove(commitment, citizen);
  }

  /** "baja": the citizen follows no commitment any more; resolves with how many they followed. */
  async stopAll(citizen: string): Promise<number> {
    return this.follows.dropCitizen(citizen);
  }
}

/**
 * The lifecycle of a report, from config/statuses.yaml: the statuses, which may follow which, which
 * need a public reason, which the citizen hears about, and what each means in Open311 (open/closed).
 * A status without a label in every locale, or a transition to an unknown status, stops start-up.
 */
import { z } from "zod";
import { ConfigFileError, readConfigFile } from "../util/config-file.js";

const id = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "use lower case letters, digits and _");
const schema = z.strictObject({
  initial: id,
  statuses: z.record(
    id,
    z.strictObject({
      open311: z.enum(["open", "closed"]),
      to: z.array(id).default([]),
      reason: z.enum(["required", "optional"]).default("optional"),
      citizen: z.boolean().default(true),
      confirm: z.boolean().default(false),
      overdue_days: z.number().int().min(1).max(365).optional(),
    }),
  ),
});

export interface StatusDefinition {
  id: string;
  /** Open311's meaning: still to be dealt with, or closed. */
  open: boolean;
  /** Statuses a report may move to from this one. */
  next: readonly string[];
  /** Moving into this status needs a public note. */
  needsReason: boolean;
  /** The citizen is told when their report moves into this status. */
  toldToCitizen: boolean;
  /** The citizen is asked whether it is really so (resolved: solved, or reopen it). */
  asksCitizen: boolean;
  /** Days a report may stay in this (open) status before the daily digest calls it overdue. */
  overdueDays: number | null;
}

export type TransitionProblem = "unknown_status" | "same_status" | "not_allowed" | "reason_required";

export class Lifecycle {
  private readonly byId: ReadonlyMap<string, StatusDefinition>;

  constructor(
    readonly initial: string,
    statuses: readonly StatusDefinition[],
  ) {
    this.byId = new Map(statuses.map((s) => [s.id, s]));
  }

  static load(file: string, missingKey: (key: string) => string[]): Lifecycle {
    const config = readConfigFile(file, schema);
    const ids = Object.keys(config.statuses);
    if (!config.statuses[config.initial]) throw new ConfigFileError(`${file}: initial: "${config.initial}" is not one of the statuses (${ids.join(", ")})`);
    for (const [status, def] of Object.entries(config.statuses)) {
      const missing = missingKey(`status.names.${status}`);
      if (missing.length) throw new ConfigFileError(`${file}: statuses.${status}: no text "status.names.${status}" in locale ${missing.join(", ")}`);
      if (def.overdue_days !== undefined && def.open311 === "closed") {
        throw new ConfigFileError(`${file}: statuses.${status}.overdue_days: a closed status is never overdue (remove it, or make the status open)`);
      }
      for (const next of def.to) {
        if (!config.statuses[next]) throw new ConfigFileError(`${file}: statuses.${status}.to: "${next}" is not one of the statuses`);
      }
    }
    return new Lifecycle(
      config.initial,
      Object.entries(config.statuses).map(([status, def]) => ({
        id: status,
        open: def.open311 === "open",
        next: def.to,
        needsReason: def.reason === "required",
        toldToCitizen: def.citizen,
        asksCitizen: def.confirm,
        overdueDays: def.overdue_days ?? null,
      })),
    );
  }

  /** Every status, in the file's order. */
  get all(): string[] {
    return [...this.byId.keys()];
  }

  /** The open statuses, in the file's order. */
  get open(): string[] {
    return this.all.filter((s) => this.isOpen(s));
  }

  get(status: string): StatusDefinition | undefined {
    return this.byId.get(status);
  }

  isOpen(status: string): boolean {
    return this.byId.get(status)?.open ?? false;
  }

  /** Why a report in `from` cannot move to `to` with this note, or undefined when it can. */
  problem(from: string, to: string, note: string | null): TransitionProblem | undefined {
    const target = this.byId.get(to);
    const current = this.byId.get(from);
    if (!target || !current) return "unknown_status";
    if (from === to) return "same_status";
    if (!current.next.includes(to)) return "not_allowed";
    if (target.needsReason && !note?.trim()) return "reason_required";
    return undefined;
  }
}

import { z } from "zod";
import type { CommitmentSummary } from "../../domain/plan/citizen-plans.js";
import type { Json } from "../../util/json.js";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

/** A commitment in a list: its number, title, bar, percent and status (label `commitments.status.<status>`). */
function item(s: CommitmentSummary): Json {
  const c = s.commitment;
  return { value: String(c.number), label: c.title, number: c.number, title: c.title, bar: s.bar, percent: s.percent, status: s.status };
}

const municipalityKey = z.string().regex(/^\d{5}$/);

export const commitmentActions = (s: Services) => [
  /**
   * The citizen's municipality: the one they set (or corrected in "mis datos"), else that of their most
   * recent report (not anonymous: those name nobody), else the one whose announcements they receive,
   * when it is one alone («Avisos de Nezahualcóyotl», then «Compromisos»: not asked again).
   */
  defineAction({
    name: "my_municipality",
    args: z.object({}),
    run: async (_a, { citizen }): Promise<Json> => {
      const own = citizen.municipality ? s.municipalities.get(citizen.municipality) : undefined;
      const [last] = own ? [] : await s.reports.listForCitizen(citizen.id, 1);
      const subscribed = own || last ? [] : await s.subscriptions.of(citizen.id);
      const key = own?.cvegeo ?? last?.municipality ?? (subscribed.length === 1 ? subscribed[0].municipality : undefined);
      const m = key ? s.municipalities.get(key) : undefined;
      return m ? { found: true, cvegeo: m.cvegeo, name: m.name } : { found: false };
    },
  }),
  /** The municipality's plan: its title, period and state, and its commitments as choices with their progress. */
  defineAction({
    name: "list_commitments",
    args: z.object({ municipality: municipalityKey }),
    run: async ({ municipality }): Promise<Json> => {
      const found = await s.plans.plan(municipality);
      if (!found) return { found: false };
      const { plan, commitments } = found;
      const items = commitments.map(item);
      return {
        found: true,
        example: plan.example,
        title: plan.title,
        start: plan.period.start,
        end: plan.period.end,
        state: plan.state,
        count: items.length,
        items,
      };
    },
  }),
  /**
   * One commitment in detail: by `ref` (`15054-3`, a deep link) or by municipality and number. Its
   * milestones carry `context` (done, late or pending), which picks the text that shows them.
   */
  defineAction({
    name: "show_commitment",
    args: z.object({
      ref: z.string().max(20).nullish(),
      municipality: municipalityKey.nullish(),
      number: z.coerce.number().int().min(1).max(999).nullish(),
    }),
    run: async ({ ref, municipality, number }, { citizen, lang }): Promise<Json> => {
      const key = ref ? ref : municipality && number ? { municipality, number } : null;
      const found = key ? await s.plans.commitment(key) : null;
      if (!found) return { found: false };
      const { commitment: c, plan } = found;
      const today = s.today();
      return {
        found: true,
        id: c.id,
        example: plan.example,
        cvegeo: c.municipality,
        municipality: s.municipalities.get(c.municipality)?.name ?? c.municipality,
        number: c.number,
        title: c.title,
        problem: c.problem,
        baseline: c.baseline,
        objective: c.objective,
        actions: c.actions,
        responsible: c.responsible,
        co_responsible: c.coResponsible,
        principles: c.principles.map((p) => s.texts.t(lang, `learn.principles.${p}.title`)).join(", "),
        start: c.start,
        end: c.end,
        bar: found.bar,
        percent: found.percent,
        status: found.status,
        milestones: c.milestones.map((m) => ({
          title: m.title,
          due: m.due,
          done: m.done ?? "",
          context: m.done ? "done" : m.due < today ? "late" : "pending",
        })),
        indicators: c.indicators.map((i) => ({ name: i.name, unit: i.unit, baseline: i.baseline, current: i.current, target: i.target })),
        has_indicators: c.indicators.length > 0,
        reports: c.reports.length,
        following: await s.plans.isFollowing(c.id, citizen.id),
      };
    },
  }),
  /** Seguir: the citizen hears of the commitment's milestones, dates and indicators. */
  defineAction({
    name: "follow_commitment",
    args: z.object({ id: z.string().max(20) }),
    run: async ({ id }, { citizen, emit }) => {
      // The consent may be this turn's: its record first, then the follow that needs it.
      await s.citizens.store(citizen);
      const outcome = await s.plans.follow(id, citizen.id);
      if (outcome === "followed") emit({ type: "commitment_followed", municipality: id.slice(0, 5), commitment: id, citizen: citizen.id });
      return { outcome };
    },
  }),
  /** Dejar de seguir. */
  defineAction({
    name: "unfollow_commitment",
    args: z.object({ id: z.string().max(20) }),
    run: async ({ id }, { citizen, emit }) => {
      const was = await s.plans.unfollow(id, citizen.id);
      if (was) emit({ type: "commitment_unfollowed", municipality: id.slice(0, 5), commitment: id, citizen: citizen.id });
      return { was };
    },
  }),
  /**
   * "baja": no more notices of anything the citizen followed (commitments, reports) and no more
   * announcements of any municipality. A visitor never stored follows nothing, and nothing is written for them.
   */
  defineAction({
    name: "stop_notices",
    args: z.object({}),
    run: async (_a, { citizen, emit }): Promise<Json> => {
      const commitments = await s.plans.stopAll(citizen.id);
      const announcements = await s.subscriptions.stopAll(citizen.id);
      if (citizen.consent) emit({ type: "notices_stopped", citizen: citizen.id });
      if (announcements > 0) emit({ type: "announcements_unsubscribed", citizen: citizen.id, municipality: null, reason: "baja" });
      return { commitments, announcements, known: citizen.consent !== null };
    },
  }),
];

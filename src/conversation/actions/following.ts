import { z } from "zod";
import { NEARBY } from "../../domain/reports.js";
import { NOT_TAKEN } from "../../domain/resolution.js";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

const point = z.object({ latitude: z.number(), longitude: z.number() });
const folio = z.string().max(40);

/** Longest reply to the secretariat the flow takes (flows/reply.yaml asks for at most this). */
const REPLY_MAX = 1000;

/** Longest part of a published description shown in the list of reports nearby. */
const SAID_MAX = 140;

/** A published description for the list, cut at a word when long, never inside a character ("" when none was published). */
function saidOf(published: string | null | undefined): string {
  const chars = Array.from((published ?? "").replace(/\s+/g, " ").trim());
  if (chars.length <= SAID_MAX) return chars.join("");
  const cut = chars.slice(0, SAID_MAX);
  const space = cut.lastIndexOf(" ");
  return `${cut
    .slice(0, space >= SAID_MAX / 2 ? space : SAID_MAX)
    .join("")
    .trimEnd()}…`;
}

/** "a unos 80 m": rounded up to tens of metres, never "0 m". */
const roughMeters = (m: number) => Math.max(10, Math.ceil(m / 10) * 10);

export const followingActions = (s: Services) => [
  /**
   * Open reports of the category the citizen chose, near the location they shared or else in their
   * municipality (domain/reports.ts NEARBY), in their public form: what they may follow instead of
   * filing the same problem again. A description is shown only when a member published one (moderated):
   * another citizen's own words are never shown.
   */
  defineAction({
    name: "find_nearby",
    args: z.object({ municipality: z.string().max(10), category: z.string().max(40), location: point.nullable().optional() }),
    run: async ({ municipality, category, location }) => {
      const found = await s.reports.nearby({ municipality, category, location: location ?? null });
      const items = found.map(({ report, meters }) => {
        const { folio, status, created, followers, municipality: name } = s.publicReport(report);
        return {
          folio,
          status,
          created,
          followers,
          municipality: name,
          scope: meters === null ? "municipality" : "point",
          meters: meters === null ? 0 : roughMeters(meters),
          said: saidOf(report.publication?.description),
          described: report.publication?.description ? "yes" : "no",
        };
      });
      return {
        count: items.length,
        scope: location ? "point" : "municipality",
        meters: NEARBY.meters,
        first: items[0]?.folio ?? null,
        items,
        options: items.map((i) => ({ value: i.folio, label: i.folio })),
      };
    },
  }),
  /** "A mí también me afecta": the citizen follows that report (one of those just offered) and hears of its changes. */
  defineAction({
    name: "follow_report",
    args: z.object({ folio }),
    run: async ({ folio }, { citizen }) => {
      const report = await s.reports.findByFolio(folio);
      if (!report) return { outcome: "not_found", folio };
      const { outcome } = await s.following.affected(report.id, citizen.id);
      return { outcome, folio: report.folio };
    },
  }),
  /** "Sí, se resolvió": the citizen confirms a resolved report. */
  defineAction({
    name: "confirm_resolved",
    args: z.object({ folio }),
    run: async ({ folio }, { citizen }) => {
      const report = await s.reports.findByFolio(folio);
      const { ok, changed } = report ? await s.resolution.confirm(report.id, citizen.id) : NOT_TAKEN;
      return { ok, changed: changed !== null, status: changed };
    },
  }),
  /**
   * The citizen answers the secretariat's public answer (flows/reply.yaml): kept on the report and relayed to the
   * group (`relayed`), or kept only; never taken from someone who may not write on it (a follower, a folio's holder).
   */
  /** Whether the citizen may answer the secretariat on the report (its author, contactable, or its anonymous author who hears back). */
  defineAction({
    name: "reply_allowed",
    args: z.object({ folio }),
    run: async ({ folio }, { citizen }) => {
      const report = await s.reports.findByFolio(folio);
      const allowed = report ? await s.replies.allowed(report, citizen.id) : "no";
      return { ok: allowed === "yes", waiting: allowed === "waiting" };
    },
  }),
  defineAction({
    name: "reply_to_report",
    args: z.object({ folio, text: z.string().max(REPLY_MAX) }),
    run: async ({ folio, text }, { citizen }) => {
      const report = await s.reports.findByFolio(folio);
      const outcome = report ? await s.replies.reply(report, citizen.id, text) : "not_found";
      return { ok: outcome === "relayed" || outcome === "kept", outcome, municipality: report ? (s.municipalities.get(report.municipality)?.name ?? "") : "" };
    },
  }),
  /**
   * "No, sigue igual": the report is reopened, or, said by someone not linked to it (an anonymous
   * report's folio holder), the secretariat is told (`disputed`). `link`: how the citizen was linked
   * to it when asked (find_report).
   */
  defineAction({
    name: "reopen_report",
    args: z.object({ folio, link: z.enum(["author", "affected", "anonymous_author", "none"]).nullable().optional() }),
    run: async ({ folio, link }, { citizen }) => {
      const report = await s.reports.findByFolio(folio);
      const { ok, changed, disputed } = report ? await s.resolution.reopen(report.id, citizen.id, link ?? "none") : NOT_TAKEN;
      return { ok, disputed: disputed === true, hears: ok && (link ?? "none") !== "none", changed: changed !== null, status: changed };
    },
  }),
];

import { z } from "zod";
import { mayBeFolio } from "../../domain/folio.js";
import { lastChange, type Report } from "../../domain/model/report.js";
import type { PublicStep } from "../../domain/public-report.js";
import { ADDRESS_MAX, DESCRIPTION_MAX, reportIdFor } from "../../domain/reports.js";
import { findSensitive } from "../../domain/sensitive.js";
import type { Json } from "../../util/json.js";
import { defineAction } from "./action.js";
import type { Services } from "./services.js";

const point = z.object({ latitude: z.number(), longitude: z.number() });

export const reportActions = (s: Services) => [
  /** Whether a description seems to carry sensitive personal data, so the citizen is warned first. */
  defineAction({
    name: "check_sensitive",
    args: z.object({ text: z.string().max(DESCRIPTION_MAX * 2) }),
    run: async ({ text }) => {
      const kinds = findSensitive(text, s.texts.listAll("privacy.sensitive_words"));
      return { found: kinds.length > 0, kinds };
    },
  }),
  /** Saves the report and gives its folio; an answer tried again gets the folio of the report it already filed. */
  defineAction({
    name: "create_report",
    args: z.object({
      municipality: z.string(),
      category: z.string(),
      description: z.string(),
      location: point.nullable().optional(),
      address: z.string().max(ADDRESS_MAX).nullable().optional(),
      photo: z.string().nullable().optional(),
      anonymous: z.boolean(),
      /** Anonymous, but told of its changes: the link is kept apart from the report. */
      follow_up: z.boolean().nullable().optional(),
    }),
    run: async (a, { citizen, lang, answering, answeringUnkeyed, emit }) => {
      // Kept before the report is saved: a crash in between leaves a kept photo, never a report without its photo.
      const photos = a.photo ? await s.photos.keep([a.photo]) : [];
      const report = await s.reports.create(
        {
          municipality: a.municipality,
          category: a.category,
          description: a.description,
          location: a.location ?? null,
          address: a.address ?? null,
          photos,
          channel: citizen.channel,
          citizenId: citizen.id,
          anonymous: a.anonymous,
          language: lang,
        },
        reportIdFor(answering),
        [reportIdFor(answeringUnkeyed)],
      );
      // Also on a retry: the link is added if an earlier attempt did not get that far.
      if (report.anonymous && a.follow_up) await s.following.anonymousAuthor(report, citizen.id);
      emit({
        type: "report_created",
        report: report.id,
        folio: report.folio,
        municipality: report.municipality,
        category: report.category,
        channel: report.channel,
        anonymous: report.anonymous,
      });
      return { folio: report.folio };
    },
  }),
  /**
   * A report's public status and history by folio: each public step with its date (never an internal
   * note), whether this citizen is asked if it was really solved, and how they are linked to it.
   */
  defineAction({
    name: "find_report",
    args: z.object({ folio: z.string().max(200) }),
    run: async ({ folio }, { citizen, lang }): Promise<Json> => {
      // Words with no digit are no folio («no tengo folio», «lo reporté por teléfono»): nothing is looked up.
      if (!mayBeFolio(folio)) return { found: false, not_a_folio: true };
      let report = await s.reports.findByFolio(folio);
      // «2026-000001», without the municipality's letters: one of their own reports, when it is just one; else they are told what is missing.
      const own = report ? undefined : s.reports.withoutLetters(folio, await ownAndAffecting(s, citizen.id));
      if (own === null) return { found: false, no_letters: true };
      report = report ?? own ?? null;
      // Walking sequential folios is limited; the citizen's own reports and those they follow never count.
      const link = report ? await s.resolution.linkOf(report, citizen.id) : "none";
      if (link === "none" && !s.folioLookups.allow(citizen.id)) return { found: false, limited: true };
      if (!report) return { found: false };
      const view = s.publicReport(report);
      const history = view.history.map((step) => {
        const area = step.area ? s.areas.get(report.municipality, step.area) : undefined;
        return {
          at: step.at,
          status: step.status,
          note: step.note,
          line: historyLine(step),
          area: area ? s.areas.name(area, lang) : step.area,
          duplicate_of: step.duplicateOf,
        };
      });
      return {
        found: true,
        ...view,
        history,
        ask_resolved: await s.resolution.offers(report, citizen.id),
        link,
        // The secretariat's answer is the last step, and this citizen may answer it back (flows/reply.yaml).
        may_reply: lastChange(report.history)?.kind === "answer" && (await s.replies.allowed(report, citizen.id)) === "yes",
      };
    },
  }),
  /** The citizen's own (non-anonymous) reports and those they said affect them too, newest first, as choices. */
  defineAction({
    name: "list_my_reports",
    args: z.object({}),
    run: async (_a, { citizen }) => {
      const reports = (await ownAndAffecting(s, citizen.id)).slice(0, 5);
      return {
        count: reports.length,
        items: reports.map((r) => ({ value: r.folio, label: r.folio, folio: r.folio, category: r.category, status: r.status })),
      };
    },
  }),
];

/** The citizen's own reports and those they said affect them too (five of each at most), newest first. */
async function ownAndAffecting(s: Services, citizen: string): Promise<Report[]> {
  const [own, affecting] = await Promise.all([s.reports.listForCitizen(citizen, 5), s.following.affecting(citizen, 5)]);
  return [...own, ...affecting.filter((r) => !own.some((o) => o.id === r.id))].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Which text tells a public step (locales' `status.history.<line>`). */
function historyLine(step: PublicStep): string {
  if (step.kind !== "status") return step.kind;
  if (step.duplicateOf) return "duplicate";
  if (step.area) return step.note ? "channelled_note" : "channelled";
  return step.note ? "status_note" : "status";
}

import { z } from "zod";
import { publicReport } from "../../domain/public-report.js";
import { ADDRESS_MAX, DESCRIPTION_MAX, reportIdFor } from "../../domain/reports.js";
import { findSensitive } from "../../domain/sensitive.js";
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
    }),
    run: async (a, { citizen, lang, answering, emit }) => {
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
      );
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
  /** A report's public status and history by folio. */
  defineAction({
    name: "find_report",
    args: z.object({ folio: z.string().max(200) }),
    run: async ({ folio }) => {
      const report = await s.reports.findByFolio(folio);
      return report ? { found: true, ...publicReport(report, s.municipalities) } : { found: false };
    },
  }),
  /** The citizen's own (non-anonymous) reports, newest first, as choices. */
  defineAction({
    name: "list_my_reports",
    args: z.object({}),
    run: async (_a, { citizen }) => {
      const reports = await s.reports.listForCitizen(citizen.id, 5);
      return {
        count: reports.length,
        items: reports.map((r) => ({ value: r.folio, label: r.folio, folio: r.folio, category: r.category, status: r.status })),
      };
    },
  }),
];

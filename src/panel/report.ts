/**
 * A report's page: photo, the point on the municipality's outline, public history, internal notes,
 * linked commitments, open reports of the same category nearby (possible duplicates), and the
 * card's actions — move it (with the reason, office or original folio the move asks for), answer in
 * public, keep an internal note, publish its public text for open data — through domain/triage.ts, on the version the page showed.
 * A report of a municipality that is not the member's is a 404, as is an unknown folio.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { parseFolio } from "../domain/folio.js";
import { actsOn, type Member } from "../domain/model/member.js";
import type { Report } from "../domain/model/report.js";
import { publicSuggestion } from "../domain/open-data.js";
import { isOverdue } from "../domain/overdue.js";
import type { TriageResult } from "../domain/triage.js";
import { CITIZEN, STAFF_TEXT_MAX } from "../domain/triage.js";
import { daysBefore } from "../util/clock.js";
import { notFound, pageContext } from "./context.js";
import type { PanelDeps } from "./deps.js";
import { outlineMap } from "./maps.js";
import { sendPage } from "./views.js";

/** How far and how far back "nearby, same category" looks. */
const NEARBY_METERS = 500;
const NEARBY_DAYS = 180;
const NEARBY_SHOWN = 6;

const folioParams = z.object({ folio: z.string().max(40) });
const version = z.coerce.number().int().min(1);
const csrfField = z.string().max(200).optional();
const statusBody = z.object({
  _csrf: csrfField,
  version,
  to: z.string().max(40),
  note: z
    .string()
    .max(STAFF_TEXT_MAX * 2)
    .optional(),
  area: z.string().max(40).optional(),
  duplicateOf: z.string().max(40).optional(),
});
const textBody = z.object({ _csrf: csrfField, version, text: z.string().max(STAFF_TEXT_MAX * 2) });
const outcomeQuery = z.object({
  ok: z.enum(["moved", "answered", "noted", "published"]).optional(),
  problem: z.string().max(40).optional(),
  lang: z.string().max(10).optional(),
});

/** The report a member may see by its folio, or undefined (unknown, or not theirs: the same 404). */
async function visibleReport(req: FastifyRequest, deps: PanelDeps, digits: number): Promise<Report | undefined> {
  const folio = parseFolio((req.params as { folio: string }).folio, digits);
  const report = folio ? await deps.reports.byFolio(folio) : null;
  return report && actsOn(req.member as Member, report.municipality) ? report : undefined;
}

/** The report's page in the panel. */
function reportPath(report: Report): string {
  return `/panel/reports/${encodeURIComponent(report.folio)}`;
}

/** What a member typed in one of the page's forms, shown again when it was refused. */
interface Typed {
  form: "status" | "answer" | "note" | "publish";
  text: string;
  to?: string;
  area?: string;
  duplicateOf?: string;
}

/**
 * After an action: done, back to the page (303) saying so; refused, the page again at once (422) saying
 * why, with what the member typed still in its form, to correct rather than write again.
 */
async function after(req: FastifyRequest, reply: FastifyReply, deps: PanelDeps, report: Report, result: TriageResult, ok: string, typed: Typed) {
  if (result.ok) return reply.redirect(`${reportPath(report)}?ok=${ok}`, 303);
  const current = (await deps.reports.byId(report.id)) ?? report;
  return showReport(req, reply, deps, current, { problem: result.problem, typed }, 422);
}

/** The report's page: its record, map, history, nearby reports and the forms to act on it. */
async function showReport(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: PanelDeps,
  report: Report,
  view: { outcome?: string; problem?: string; typed?: Typed },
  status = 200,
) {
  // The report's own address, also when the page answers a refused action's POST (its language links).
  const ctx = { ...pageContext(req, reply, deps, "inbox"), path: reportPath(report) };
  const lifecycle = deps.lifecycle;
  const now = deps.clock.now();
  const { open } = lifecycle;
  const nearby = (
    await deps.reports.nearby({
      category: report.category,
      statuses: open,
      since: daysBefore(report.createdAt, NEARBY_DAYS),
      where: report.location ? { point: report.location, meters: NEARBY_METERS } : { municipality: report.municipality },
      limit: NEARBY_SHOWN + 1,
    })
  )
    .filter((r) => r.id !== report.id && actsOn(req.member as Member, r.municipality))
    .slice(0, NEARBY_SHOWN);
  const memberIds = [...new Set([...report.history.map((h) => h.by), ...report.notes.map((n) => n.by)])];
  const names = new Map<string, string>();
  for (const id of memberIds) {
    if (id === "system" || id === CITIZEN) continue;
    const m = await deps.members.get(id);
    if (m) names.set(id, m.name);
  }
  const municipality = deps.municipalities.get(report.municipality);
  return sendPage(
    reply,
    "report",
    ctx,
    {
      report,
      municipalityName: municipality?.name ?? report.municipality,
      map: outlineMap(
        deps.municipalities.boundary(report.municipality),
        report.location,
        ctx.words.t("report_page.map_label", { municipality: municipality?.name ?? "" }),
      ),
      next: deps.triage.nextStatuses(report),
      needsReason: (s: string) => lifecycle.get(s)?.needsReason ?? false,
      areas: deps.areas.forMunicipality(report.municipality),
      areaName: (id: string | null) => {
        const area = id ? deps.areas.get(report.municipality, id) : undefined;
        return area ? deps.areas.name(area, ctx.words.lang) : (id ?? "");
      },
      who: (by: string) =>
        by === "system"
          ? ctx.words.t("report_page.by_system")
          : by === CITIZEN
            ? ctx.words.t("report_page.by_citizen")
            : (names.get(by) ?? ctx.words.t("report_page.by_former")),
      commitments: await deps.commitmentRecords.withReport(report.id),
      nearby,
      overdue: isOverdue(report, lifecycle, now),
      outcome: view.outcome,
      problem: view.problem,
      typed: view.typed,
      maxText: STAFF_TEXT_MAX,
      suggestion: publicSuggestion(report) ?? "",
    },
    status,
  );
}

export function reportRoutes(app: FastifyInstance, deps: PanelDeps): void {
  const digits = deps.folioDigits;

  app.get("/reports/:folio", { schema: { params: folioParams, querystring: outcomeQuery } }, async (req, reply) => {
    const report = await visibleReport(req, deps, digits);
    if (!report) return notFound(req, reply, deps);
    const query = req.query as z.infer<typeof outcomeQuery>;
    const problem = query.problem && /^[a-z_]+$/.test(query.problem) ? query.problem : undefined;
    return showReport(req, reply, deps, report, { outcome: query.ok, problem });
  });

  app.get("/reports/:folio/photos/:n", { schema: { params: folioParams.extend({ n: z.coerce.number().int().min(0).max(20) }) } }, async (req, reply) => {
    const report = await visibleReport(req, deps, digits);
    const id = report?.photos[(req.params as { n: number }).n];
    const photo = id ? await deps.photos.get(id) : null;
    if (!photo) return notFound(req, reply, deps);
    return reply.header("cache-control", "private, max-age=3600").type(photo.mimeType).send(photo.data);
  });

  app.post("/reports/:folio/status", { schema: { params: folioParams, body: statusBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const report = await visibleReport(req, deps, digits);
    if (!report) return notFound(req, reply, deps);
    const body = req.body as z.infer<typeof statusBody>;
    const result = await deps.triage.changeStatus(report.id, body.version, req.member as Member, {
      to: body.to,
      note: body.note,
      area: body.area || undefined,
      duplicateOf: body.duplicateOf || undefined,
    });
    return after(req, reply, deps, report, result, "moved", {
      form: "status",
      text: body.note ?? "",
      to: body.to,
      area: body.area,
      duplicateOf: body.duplicateOf,
    });
  });

  app.post("/reports/:folio/answer", { schema: { params: folioParams, body: textBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const report = await visibleReport(req, deps, digits);
    if (!report) return notFound(req, reply, deps);
    const body = req.body as z.infer<typeof textBody>;
    const result = await deps.triage.answer(report.id, body.version, req.member as Member, body.text);
    return after(req, reply, deps, report, result, "answered", { form: "answer", text: body.text });
  });

  app.post("/reports/:folio/note", { schema: { params: folioParams, body: textBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const report = await visibleReport(req, deps, digits);
    if (!report) return notFound(req, reply, deps);
    const body = req.body as z.infer<typeof textBody>;
    const result = await deps.triage.addNote(report.id, body.version, req.member as Member, body.text);
    return after(req, reply, deps, report, result, "noted", { form: "note", text: body.text });
  });

  // The text open data shows (domain/open-data.ts): refused while it holds personal data; published photos stay.
  app.post("/reports/:folio/publish", { schema: { params: folioParams, body: textBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const report = await visibleReport(req, deps, digits);
    if (!report) return notFound(req, reply, deps);
    const body = req.body as z.infer<typeof textBody>;
    const photos = report.publication?.photos ?? [];
    const result = await deps.triage.publish(report.id, body.version, req.member as Member, { description: body.text, photos });
    return after(req, reply, deps, report, result, "published", { form: "publish", text: body.text });
  });
}

/**
 * The Plan de Acción page: a municipality's commitments with their milestones and indicators, and
 * the secretariat's updates — a milestone done with its evidence, a date moved with its reason, an
 * indicator's new value — through domain/plan/updates.ts, on the version the page showed (the
 * same operations the Telegram group has, with their notices to followers). Export in the plan
 * file's formats; import of a plan file (YAML or CSV, pasted) for facilitators and admins of its municipality.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { actsOn, type Member, mayLink } from "../domain/model/member.js";
import { PlanFileError } from "../domain/plan/file-schema.js";
import { readPlanFile, writePlanFile } from "../domain/plan/plan-file.js";
import { PlanError } from "../domain/plan/plans.js";
import { commitmentStatus, progress } from "../domain/plan/progress.js";
import type { UpdateResult } from "../domain/plan/updates.js";
import { notFound, pageContext } from "./context.js";
import { choseMunicipality, municipalitiesOf, type PanelDeps } from "./deps.js";
import { sendPage } from "./views.js";

const blank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const planQuery = z.object({
  municipality: blank(z.string().regex(/^\d{5}$/)),
  ok: blank(z.string().regex(/^[a-z_]{1,30}$/)),
  problem: blank(z.string().regex(/^[a-z_]{1,30}$/)),
  lang: blank(z.string().max(10)),
});
const base = { _csrf: z.string().max(200).optional(), commitment: z.string().regex(/^\d{5}-\d{1,4}$/), version: z.coerce.number().int().min(1) };
const doneBody = z.object({ ...base, milestone: z.coerce.number().int().min(1), evidence: z.string().max(1100), done: blank(day) });
const moveBody = z.object({ ...base, milestone: z.coerce.number().int().min(1), due: day, reason: z.string().max(4000) });
const indicatorBody = z.object({ ...base, indicator: z.coerce.number().int().min(1), value: z.coerce.number().finite(), date: blank(day) });
const importBody = z.object({ _csrf: z.string().max(200).optional(), format: z.enum(["yaml", "csv"]), file: z.string().min(1).max(1_000_000) });

export function planRoutes(app: FastifyInstance, deps: PanelDeps): void {
  const chosen = (member: Member, asked: string | undefined) => choseMunicipality(deps, member, asked);

  app.get("/plan", { schema: { querystring: planQuery } }, async (req, reply) => {
    const member = req.member as Member;
    const query = req.query as z.infer<typeof planQuery>;
    const municipality = chosen(member, query.municipality);
    if (!municipality) return notFound(req, reply, deps);
    const ctx = pageContext(req, reply, deps, "plan");
    const found = await deps.plans.get(municipality);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: deps.timeZone }).format(deps.clock.now());
    return sendPage(reply, "plan", ctx, {
      municipality,
      municipalityName: deps.municipalities.get(municipality)?.name ?? municipality,
      municipalities: municipalitiesOf(deps, member),
      plan: found?.plan ?? null,
      commitments: found?.commitments ?? [],
      progress,
      statusOf: (c: Parameters<typeof commitmentStatus>[0]) => commitmentStatus(c, today),
      mayImport: mayLink(member, municipality),
      ok: query.ok,
      problem: query.problem,
      problems: [] as string[],
    });
  });

  const back = (reply: FastifyReply, municipality: string, result: UpdateResult, ok: string) =>
    reply.redirect(
      `/panel/plan?municipality=${municipality}&${result.ok ? `ok=${ok}` : `problem=${result.problem}`}#c-${encodeURIComponent(result.commitment?.id ?? "")}`,
      303,
    );
  const owner = (id: string) => id.split("-")[0];

  /** A commitment update of the member's municipality, through the domain's operation; then back to the plan with what happened. */
  function update<S extends z.ZodType<{ commitment: string; version: number }>>(
    path: string,
    schema: S,
    ok: string,
    run: (body: z.infer<S>, member: Member) => Promise<UpdateResult>,
  ): void {
    app.post(path, { schema: { body: schema }, preValidation: app.csrfProtection }, async (req, reply) => {
      const body = req.body as z.infer<S>;
      const member = req.member as Member;
      if (!actsOn(member, owner(body.commitment))) return notFound(req, reply, deps);
      return back(reply, owner(body.commitment), await run(body, member), ok);
    });
  }
  update("/plan/milestone-done", doneBody, "done", (b, m) => deps.commitments.markMilestoneDone(b.commitment, b.version, m, b.milestone, b.evidence, b.done));
  update("/plan/milestone-move", moveBody, "moved", (b, m) => deps.commitments.moveMilestone(b.commitment, b.version, m, b.milestone, b.due, b.reason));
  update("/plan/indicator", indicatorBody, "indicator", (b, m) => deps.commitments.updateIndicator(b.commitment, b.version, m, b.indicator, b.value, b.date));

  app.get(
    "/plan/export",
    { schema: { querystring: z.object({ municipality: z.string().regex(/^\d{5}$/), format: z.enum(["yaml", "csv"]) }) } },
    async (req, reply) => {
      const { municipality, format } = req.query as { municipality: string; format: "yaml" | "csv" };
      if (!actsOn(req.member as Member, municipality)) return notFound(req, reply, deps);
      const found = await deps.plans.get(municipality);
      if (!found) return notFound(req, reply, deps);
      return reply
        .header("content-disposition", `attachment; filename="plan-${municipality}.${format}"`)
        .type(format === "csv" ? "text/csv; charset=utf-8" : "application/yaml; charset=utf-8")
        .send(writePlanFile(format, found.plan, found.commitments));
    },
  );

  app.post("/plan/import", { schema: { body: importBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const member = req.member as Member;
    const b = req.body as z.infer<typeof importBody>;
    const ctx = pageContext(req, reply, deps, "plan");
    const refuse = (problems: string[], municipality: string) =>
      sendPage(
        reply,
        "plan",
        ctx,
        {
          municipality,
          municipalityName: deps.municipalities.get(municipality)?.name ?? municipality,
          municipalities: [],
          plan: null,
          commitments: [],
          progress,
          statusOf: () => "",
          mayImport: true,
          ok: undefined,
          problem: "import_refused",
          problems,
        },
        400,
      );
    const fallback = chosen(member, undefined) ?? "";
    try {
      const parsed = readPlanFile(`plan.${b.format}`, b.file.replace(/\r\n/g, "\n"));
      const municipality = deps.plans.municipalityOf(parsed.plan.municipality, parsed.where);
      if (!mayLink(member, municipality.cvegeo)) return notFound(req, reply, deps);
      const result = await deps.plans.import(parsed.plan, parsed.where);
      deps.logger.info(
        { component: "panel", member: member.id, municipality: municipality.cvegeo, created: result.created, updated: result.updated },
        "plan imported",
      );
      return reply.redirect(`/panel/plan?municipality=${municipality.cvegeo}&ok=imported`, 303);
    } catch (err) {
      if (err instanceof PlanFileError) return refuse(err.problems, fallback);
      if (err instanceof PlanError) return refuse([err.message], fallback);
      throw err;
    }
  });
}

/**
 * The data requests (derechos ARCO) of the member's municipalities: those waiting for a person first,
 * by legal deadline with the days left, then the latest answered. A request the bot answered in the
 * chat is done already; one it could not ("otra corrección o solicitud") waits until a member marks it
 * done, recorded in the audit trail as theirs. Never who asked: a code, the right, the dates.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { DataRequest } from "../domain/data-rights.js";
import { ALL_MUNICIPALITIES, actsOn, type Member } from "../domain/model/member.js";
import { calendarDate } from "../domain/plan/progress.js";
import { DAY_MS } from "../util/clock.js";
import { notFound, pageContext } from "./context.js";
import { type PanelDeps, scopeOf } from "./deps.js";
import { sendPage } from "./views.js";

/** Answered requests shown under the pending ones. */
const DONE_SHOWN = 50;

const codeParams = z.object({ code: z.string().regex(/^A-[0-9A-F]{6}$/) });
const doneBody = z.object({ _csrf: z.string().max(200).optional() });
const outcomeQuery = z.object({ ok: z.enum(["done"]).optional(), problem: z.enum(["already_done"]).optional(), lang: z.string().max(10).optional() });

/** Whether the member may answer a request of `municipality` (none known: an admin of every municipality). */
function mayAct(member: Member, municipality: string | null): boolean {
  return municipality === null ? member.role === "admin" && member.municipalities.includes(ALL_MUNICIPALITIES) : actsOn(member, municipality);
}

export function dataRequestRoutes(app: FastifyInstance, deps: PanelDeps): void {
  app.get("/data-requests", { schema: { querystring: outcomeQuery } }, async (req, reply) => {
    const member = req.member as Member;
    const ctx = pageContext(req, reply, deps, "data_requests");
    const scope = scopeOf(member);
    const today = calendarDate(deps.clock.now(), deps.timeZone);
    const daysLeft = (r: DataRequest) => Math.round((Date.parse(`${r.deadline}T12:00:00Z`) - Date.parse(`${today}T12:00:00Z`)) / DAY_MS);
    const mine = (await deps.dataRights.requests(10_000)).filter((r) => mayAct(member, r.municipality));
    const pending = await deps.dataRights.pending(scope);
    const query = req.query as z.infer<typeof outcomeQuery>;
    return sendPage(reply, "data-requests", ctx, {
      pending: pending.filter((r) => mayAct(member, r.municipality)),
      done: mine.filter((r) => r.state === "done").slice(0, DONE_SHOWN),
      daysLeft,
      municipalityName: (k: string | null) => (k ? (deps.municipalities.get(k)?.name ?? k) : ctx.words.t("data_requests.no_municipality")),
      outcome: query.ok,
      problem: query.problem,
    });
  });

  app.post("/data-requests/:code/done", { schema: { params: codeParams, body: doneBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const member = req.member as Member;
    const { code } = req.params as z.infer<typeof codeParams>;
    const result = await deps.dataRights.markDone(code, member, (m) => mayAct(member, m));
    if (!result.ok && result.problem === "not_found") return notFound(req, reply, deps);
    return reply.redirect(`/panel/data-requests?${result.ok ? "ok=done" : `problem=${result.problem}`}`, 303);
  });
}

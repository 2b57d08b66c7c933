/**
 * The announcements page: a municipality's announcements with how their delivery goes (sent,
 * pending, failed), and — for its facilitators and admins — composing one: text, audience, time,
 * then a preview of the messages exactly as they will be sent and an explicit "Enviar". Everything
 * goes through domain/announcements.ts, the same rules as `/aviso` in the Telegram group and
 * `npm run admin -- announce`; a scheduled one can be withdrawn before its time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type AnnouncementInput, type AnnouncementProblem, parseWhen } from "../domain/announcements.js";
import { AUDIENCES, type Audience } from "../domain/model/announcement.js";
import { type Member, mayAnnounce } from "../domain/model/member.js";
import { notFound, pageContext, panelLanguage } from "./context.js";
import { choseMunicipality, municipalitiesOf, type PanelDeps } from "./deps.js";
import { sendPage } from "./views.js";

const SHOWN = 50;
const blank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
const listQuery = z.object({
  municipality: blank(z.string().regex(/^\d{5}$/)),
  ok: blank(z.enum(["scheduled", "cancelled"])),
  id: blank(z.string().regex(/^A-\d{1,9}$/)),
  problem: blank(z.enum(["not_found", "not_allowed", "not_scheduled"])),
  lang: blank(z.string().max(10)),
});
const composeBody = z.object({
  _csrf: z.string().max(200).optional(),
  municipality: z.string().regex(/^\d{5}$/),
  text: z.string().max(5000),
  audience: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(AUDIENCES)).max(AUDIENCES.length)),
  /** Empty: now; else the browser's datetime-local (YYYY-MM-DDTHH:MM) in the deployment's time zone. */
  when: z.string().max(40).default(""),
});
const cancelBody = z.object({ _csrf: z.string().max(200).optional(), municipality: z.string().regex(/^\d{5}$/), id: z.string().regex(/^A-\d{1,9}$/) });

type Compose = z.infer<typeof composeBody>;

export function announcementRoutes(app: FastifyInstance, deps: PanelDeps): void {
  /** The page: the list, the form (with what was typed, a problem, or the preview to confirm). */
  async function page(req: FastifyRequest, reply: FastifyReply, municipality: string, more: Record<string, unknown>, status = 200) {
    const member = req.member as Member;
    const ctx = pageContext(req, reply, deps, "announcements");
    const lang = panelLanguage(req, deps);
    const desk = (key: string, params?: Record<string, unknown>) => deps.texts.t(lang, `announcements.desk.${key}`, params);
    const list = await deps.announcements.list(municipality, SHOWN);
    return sendPage(
      reply,
      "announcements",
      ctx,
      {
        municipality,
        municipalityName: deps.municipalities.get(municipality)?.name ?? municipality,
        municipalities: municipalitiesOf(deps, member),
        list,
        stateOf: (s: (typeof list)[number]) =>
          desk(`state.${s.announcement.state === "queued" && s.counts.pending === 0 ? "sent" : s.announcement.state}`, { at: s.announcement.at }),
        mayAnnounce: mayAnnounce(member, municipality),
        desk,
        audiences: AUDIENCES,
        form: { text: "", audience: [...AUDIENCES], when: "" },
        preview: null,
        ok: undefined,
        id: undefined,
        problem: undefined,
        ...more,
      },
      status,
    );
  }

  app.get("/announcements", { schema: { querystring: listQuery } }, async (req, reply) => {
    const query = req.query as z.infer<typeof listQuery>;
    const municipality = choseMunicipality(deps, req.member as Member, query.municipality);
    if (!municipality) return notFound(req, reply, deps);
    return page(req, reply, municipality, { ok: query.ok, id: query.id, problem: query.problem });
  });

  /** What the form asks for, as the domain reads it; null when the time cannot be read. */
  const inputOf = (body: Compose): AnnouncementInput | null => {
    const now = deps.clock.now();
    const at = body.when.trim() ? parseWhen(body.when.replace("T", " "), deps.timeZone, now, []) : null;
    if (body.when.trim() && !at) return null;
    return { municipality: body.municipality, text: body.text, audiences: body.audience as Audience[], at };
  };

  /** Refused: the form again with what was typed and why (400); `bad_when` is a time the form could not read. */
  const refused = (req: FastifyRequest, reply: FastifyReply, body: Compose, problem: AnnouncementProblem | "bad_when", detail = "") =>
    page(req, reply, body.municipality, { form: body, problem, detail }, 400);

  /** The form of a member who may announce for its municipality, as the domain reads it; else the 404 or the refusal sent. */
  async function read(req: FastifyRequest, reply: FastifyReply): Promise<{ body: Compose; member: Member; input: AnnouncementInput } | FastifyReply> {
    const body = req.body as Compose;
    const member = req.member as Member;
    if (!mayAnnounce(member, body.municipality)) return notFound(req, reply, deps);
    const input = inputOf(body);
    if (!input) return refused(req, reply, body, "bad_when");
    return { body, member, input };
  }

  app.post("/announcements/preview", { schema: { body: composeBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const form = await read(req, reply);
    if ("sent" in form) return form;
    const checked = await deps.announcements.check(form.input, form.member);
    if (!checked.ok) return refused(req, reply, form.body, checked.problem, checked.detail);
    const preview = deps.announcements.preview(checked.value, panelLanguage(req, deps));
    return page(req, reply, form.body.municipality, {
      form: form.body,
      preview: { messages: preview.map((m, i) => ({ audience: checked.value.audiences[i], text: m.text })), ...checked.value },
    });
  });

  app.post("/announcements", { schema: { body: composeBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const form = await read(req, reply);
    if ("sent" in form) return form;
    const scheduled = await deps.announcements.schedule(form.input, form.member);
    if (!scheduled.ok) return refused(req, reply, form.body, scheduled.problem, scheduled.detail);
    deps.logger.info({ component: "panel", member: form.member.id, announcement: scheduled.value.id }, "announcement scheduled");
    return reply.redirect(`/panel/announcements?municipality=${form.body.municipality}&ok=scheduled&id=${scheduled.value.id}`, 303);
  });

  app.post("/announcements/cancel", { schema: { body: cancelBody }, preValidation: app.csrfProtection }, async (req, reply) => {
    const body = req.body as z.infer<typeof cancelBody>;
    const member = req.member as Member;
    if (!mayAnnounce(member, body.municipality)) return notFound(req, reply, deps);
    const found = await deps.announcements.status(body.id);
    if (!found || found.announcement.municipality !== body.municipality) return notFound(req, reply, deps);
    const cancelled = await deps.announcements.cancel(body.id, member);
    const outcome = cancelled.ok ? "ok=cancelled" : `problem=${cancelled.problem}`;
    return reply.redirect(`/panel/announcements?municipality=${body.municipality}&${outcome}&id=${body.id}`, 303);
  });
}

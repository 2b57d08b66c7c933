/**
 * The inbox: the member's reports with filters (municipality, status, category, channel, dates,
 * overdue, words of the description), three sorts, pages of 50 and counts per status; and bulk
 * actions (en revisión, canalizar to an office) that run the same triage operation, one report at
 * a time, on the version each row showed.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { CHANNELS } from "../domain/model/channel.js";
import type { Member } from "../domain/model/member.js";
import type { Report } from "../domain/model/report.js";
import { isOverdue, overdueCandidates } from "../domain/overdue.js";
import type { InboxFilter, InboxSort } from "../store/ports.js";
import { pageContext } from "./context.js";
import { municipalitiesOf, type PanelDeps, scopeOf } from "./deps.js";
import { sendPage } from "./views.js";

export const PAGE_SIZE = 50;
/** The most overdue candidates read to sort and page them here (the store cannot tell overdue by itself). */
const OVERDUE_SCANNED = 5000;
/** Bulk actions: the moves worth doing to many reports at once. */
export const BULK_MOVES = ["en_revision", "canalizado"] as const;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const blank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

export const inboxQuerySchema = z.object({
  municipality: blank(z.string().regex(/^\d{5}$/)),
  status: blank(z.string().max(40)),
  category: blank(z.string().max(40)),
  channel: blank(z.enum(CHANNELS)),
  since: blank(day),
  until: blank(day),
  overdue: blank(z.literal("1")),
  q: blank(z.string().max(200)),
  sort: blank(z.enum(["newest", "oldest", "updated"])),
  page: blank(z.coerce.number().int().min(1).max(100_000)),
  done: blank(z.coerce.number().int().min(0)),
  failed: blank(z.coerce.number().int().min(0)),
  lang: blank(z.string().max(10)),
});
export type InboxQuery = z.infer<typeof inboxQuerySchema>;

const bulkSchema = z.object({
  _csrf: z.string().max(200).optional(),
  move: z.enum(BULK_MOVES),
  area: blank(z.string().max(40)),
  /** `id:version` of each report ticked. */
  report: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}:\d{1,9}$/)).max(PAGE_SIZE)),
  back: blank(z.string().max(1000)),
});

/** Midnight of a calendar day in the deployment's time zone. */
export function startOfDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number);
  const guess = Date.UTC(y, m - 1, d);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(guess))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return new Date(guess - (local - guess));
}

/** The store's filter for what the member asked and may see; undefined when they asked for a municipality not theirs. */
export function inboxFilter(query: InboxQuery, member: Member, deps: PanelDeps): InboxFilter | undefined {
  const scope = scopeOf(member);
  if (query.municipality && scope && !scope.includes(query.municipality)) return undefined;
  const municipalities = query.municipality ? [query.municipality] : scope;
  const filter: InboxFilter = { municipalities, category: query.category, channel: query.channel, text: query.q };
  if (query.status) filter.statuses = [query.status];
  if (query.since) filter.since = startOfDay(query.since, deps.timeZone);
  if (query.until) filter.until = new Date(startOfDay(query.until, deps.timeZone).getTime() + 24 * 3600 * 1000);
  return filter;
}

const ORDER: Record<InboxSort, (a: Report, b: Report) => number> = {
  newest: (a, b) => b.createdAt.getTime() - a.createdAt.getTime(),
  oldest: (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
  updated: (a, b) => b.updatedAt.getTime() - a.updatedAt.getTime(),
};

/** One page of the inbox and the counts beside it. */
export async function inboxPage(query: InboxQuery, filter: InboxFilter, deps: PanelDeps) {
  const sort = query.sort ?? "newest";
  const page = query.page ?? 1;
  const offset = (page - 1) * PAGE_SIZE;
  const { statuses: _statuses, ...withoutStatus } = filter;
  const countsPromise = deps.reports.inboxCounts(withoutStatus);
  let reports: Report[];
  let total: number;
  if (query.overdue) {
    const now = deps.clock.now();
    const windows = overdueCandidates(deps.lifecycle, now, filter.statuses ?? deps.lifecycle.open);
    const candidates = await deps.reports.inbox({ ...filter, createdBeforeIn: windows }, { sort, offset: 0, limit: OVERDUE_SCANNED });
    const overdue = candidates.reports.filter((r) => isOverdue(r, deps.lifecycle, now)).sort(ORDER[sort]);
    reports = overdue.slice(offset, offset + PAGE_SIZE);
    total = overdue.length;
  } else {
    ({ reports, total } = await deps.reports.inbox(filter, { sort, offset, limit: PAGE_SIZE }));
  }
  return { reports, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), sort, counts: await countsPromise };
}

/** The inbox's address with some parameters changed (for sorts, pages and counts). */
export function inboxLink(query: InboxQuery, change: Partial<Record<keyof InboxQuery, string | number | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, done: undefined, failed: undefined, lang: undefined, ...change })) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `/panel/?${text}` : "/panel/";
}

export function inboxRoutes(app: FastifyInstance, deps: PanelDeps): void {
  app.get("/", { schema: { querystring: inboxQuerySchema } }, async (req, reply) => {
    const member = req.member as Member;
    const query = req.query as InboxQuery;
    const ctx = pageContext(req, reply, deps, "inbox");
    const filter = inboxFilter(query, member, deps);
    if (!filter) return sendPage(reply, "error", ctx, { code: 404, message: ctx.words.t("failure.not_found") }, 404);
    const result = await inboxPage(query, filter, deps);
    const scope = scopeOf(member);
    const municipalities = municipalitiesOf(deps, member);
    const categoryKeys = [...new Set((query.municipality ? [query.municipality] : (scope ?? [])).flatMap((k) => deps.categories.forMunicipality(k)))];
    const categories = categoryKeys.length ? categoryKeys : deps.categories.forMunicipality("");
    const areaMunicipality = query.municipality ?? (scope?.length === 1 ? scope[0] : undefined);
    return sendPage(reply, "inbox", ctx, {
      query,
      ...result,
      statuses: deps.lifecycle.all,
      categories,
      channels: CHANNELS,
      municipalities,
      municipalityName: (k: string) => deps.municipalities.get(k)?.name ?? k,
      areas: areaMunicipality ? deps.areas.forMunicipality(areaMunicipality) : [],
      bulkMoves: BULK_MOVES,
      link: (change: Partial<Record<keyof InboxQuery, string | number | undefined>>) => inboxLink(query, change),
      overdue: (r: Report) => isOverdue(r, deps.lifecycle, deps.clock.now()),
      here: req.url,
    });
  });

  app.post("/bulk", { schema: { body: bulkSchema }, preValidation: app.csrfProtection }, async (req, reply) => {
    const member = req.member as Member;
    const body = req.body as z.infer<typeof bulkSchema>;
    let done = 0;
    let failed = 0;
    for (const row of body.report) {
      const [id, version] = row.split(":");
      const result = await deps.triage.changeStatus(id, Number(version), member, { to: body.move, area: body.area });
      if (result.ok) done++;
      else failed++;
    }
    const back = body.back && /^\/panel\/(\?[^\\]*)?$/.test(body.back) ? body.back : "/panel/";
    const url = new URL(back, "http://panel");
    url.searchParams.set("done", String(done));
    url.searchParams.set("failed", String(failed));
    return reply.redirect(`${url.pathname}${url.search}`, 303);
  });
}

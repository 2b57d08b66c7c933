/**
 * The statistics page: reports by status, category, month and channel (tables, and Chart.js
 * charts drawn by /panel/assets/charts.js from the page's JSON), the median times to first response
 * and to resolution, the overdue, and a choropleth of the municipalities by reports per 10,000
 * inhabitants (population from data/municipalities.json).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Member } from "../domain/model/member.js";
import { reportStatistics } from "../domain/statistics.js";
import { pageContext } from "./context.js";
import { type PanelDeps, scopeOf } from "./deps.js";
import { startOfDay } from "./inbox.js";
import { choropleth, type Shaded } from "./maps.js";
import { sendPage } from "./views.js";

const SHADES = 5;
const blank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
const statsQuery = z.object({
  municipality: blank(z.string().regex(/^\d{5}$/)),
  since: blank(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
  lang: blank(z.string().max(10)),
});

/**
 * Reports per 10,000 inhabitants as shown: one decimal from 1 up, two significant digits below (one
 * report in Nezahualcóyotl, 1.1 million people, is 0.0091, not «0.0»).
 */
export function rateText(rate: number): string {
  // Two significant figures below one; from one (0.999 rounds to it), one decimal like every larger rate.
  const small = Number(rate.toPrecision(2));
  return small >= 1 || rate === 0 ? rate.toFixed(1) : String(small);
}

/** Levels 1…SHADES by rank among the municipalities with reports (equal counts per shade); 0 without reports. */
export function shadeLevels(rates: Map<string, number>): Map<string, number> {
  const ranked = [...rates].filter(([, r]) => r > 0).sort((a, b) => a[1] - b[1]);
  const levels = new Map<string, number>();
  ranked.forEach(([key], i) => {
    levels.set(key, 1 + Math.floor((i * SHADES) / ranked.length));
  });
  return levels;
}

/** JSON that is safe inside a `<script type="application/json">`. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

export function statisticsRoutes(app: FastifyInstance, deps: PanelDeps): void {
  app.get("/statistics", { schema: { querystring: statsQuery } }, async (req, reply) => {
    const member = req.member as Member;
    const query = req.query as z.infer<typeof statsQuery>;
    const ctx = pageContext(req, reply, deps, "statistics");
    const scope = scopeOf(member);
    if (query.municipality && scope && !scope.includes(query.municipality))
      return sendPage(reply, "error", ctx, { code: 404, message: ctx.words.t("failure.not_found") }, 404);
    const municipalities = query.municipality ? [query.municipality] : scope;
    const rows = await deps.reports.summaries({ municipalities, since: query.since ? startOfDay(query.since, deps.timeZone) : undefined });
    const stats = reportStatistics(rows, deps.lifecycle, deps.clock.now(), deps.timeZone);
    const { words } = ctx;
    const rates = new Map<string, number>();
    const shown = deps.municipalities.list.filter((m) => !municipalities || municipalities.includes(m.cvegeo));
    for (const m of shown) rates.set(m.cvegeo, m.population > 0 ? ((stats.byMunicipality[m.cvegeo] ?? 0) * 10_000) / m.population : 0);
    const levels = shadeLevels(rates);
    const shaded: Shaded[] = deps.municipalities.list.flatMap((m) => {
      const boundary = deps.municipalities.boundary(m.cvegeo);
      if (!boundary) return [];
      const rate = rates.get(m.cvegeo);
      const title =
        rate === undefined ? m.name : words.t("statistics.map_title", { name: m.name, count: stats.byMunicipality[m.cvegeo] ?? 0, rate: rateText(rate) });
      return [{ key: m.cvegeo, boundary, level: levels.get(m.cvegeo) ?? 0, title }];
    });
    const label = (rec: Record<string, number>, name: (k: string) => string) =>
      Object.entries(rec)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => ({ key: k, label: name(k), count: n }));
    const tables = {
      status: deps.lifecycle.all.map((s) => ({ key: s, label: words.status(s), count: stats.byStatus[s] ?? 0 })),
      category: label(stats.byCategory, words.category),
      channel: label(stats.byChannel, words.channel),
      month: stats.byMonth.map((m) => ({ key: m.month, label: m.month, count: m.count })),
    };
    const ranking = shown
      .map((m) => ({ name: m.name, count: stats.byMunicipality[m.cvegeo] ?? 0, rate: rates.get(m.cvegeo) ?? 0 }))
      .filter((r) => r.count > 0)
      .sort((a, b) => b.rate - a.rate)
      .slice(0, 10)
      .map((r) => ({ ...r, rateText: rateText(r.rate) }));
    return sendPage(reply, "statistics", ctx, {
      query,
      stats,
      tables,
      ranking,
      municipalities: (scope ? scope.map((k) => deps.municipalities.get(k)).filter((m) => m !== undefined) : [...deps.municipalities.list]).sort((a, b) =>
        a.name.localeCompare(b.name, "es"),
      ),
      map: choropleth(shaded, words.t("statistics.map_label")),
      chartData: scriptJson({
        charts: Object.entries(tables).map(([name, rows]) => ({
          id: `chart-${name}`,
          title: words.t(`statistics.by_${name}`),
          labels: rows.map((r) => r.label),
          values: rows.map((r) => r.count),
        })),
      }),
      hours: (h: number | null) =>
        h === null ? "—" : h < 48 ? words.t("statistics.hours", { count: Math.round(h) }) : words.t("statistics.days", { count: Math.round(h / 24) }),
    });
  });
}

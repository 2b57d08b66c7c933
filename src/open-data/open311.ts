/**
 * Open data, read-only: Open311 GeoReport v2 under `/open311/v2/` (discovery, services, a service's
 * definition, requests with the specification's filters, one request) in JSON and XML, and the same
 * requests as CSV and GeoJSON under `/open-data/`. Every format shows the one de-identified projection of
 * domain/open-data.ts. Limited per address (OPEN_DATA_MAX_PER_MINUTE); nothing here writes.
 */
import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Categories } from "../domain/categories.js";
import { parseFolio } from "../domain/folio.js";
import type { Municipalities } from "../domain/municipalities.js";
import { minuteOf, type OpenDataContext, type OpenRequest, openRequest, openRequestsCsv, openRequestsGeoJson, publishedPhoto } from "../domain/open-data.js";
import type { Lifecycle } from "../domain/statuses.js";
import type { MediaRepository, ReportFilter, ReportRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { daysBefore } from "../util/clock.js";
import { xmlDocument } from "./xml.js";

export const OPEN311_PATH = "/open311/v2";
export const OPEN_DATA_PATH = "/open-data";
/** The specification's defaults: the last 90 days, at most 1,000 requests. */
export const DEFAULT_DAYS = 90;
export const MAX_REQUESTS = 1000;
/** When this endpoint's behaviour last changed (Open311 discovery's `changeset`). */
const CHANGESET = "2026-11-28T00:00:00Z";

export interface Open311Options {
  reports: ReportRepository;
  media: MediaRepository;
  lifecycle: Lifecycle;
  categories: Categories;
  municipalities: Municipalities;
  context: Omit<OpenDataContext, "mediaUrl">;
  clock: Clock;
  publicUrl: string;
  /** Discovery's `contact`: who answers for this data. */
  contact: string;
  folioDigits: number;
  /** Requests a minute per address. */
  perMinute: number;
}

type Format = "json" | "xml";
type ErrorBody = { code: number; description: string }[];

/** `requests.json` → ["requests", "json"]; anything else is not a document here. */
function splitFile(file: string): { name: string; format: Format } | undefined {
  const m = /^(.{1,120})\.(json|xml)$/.exec(file);
  return m ? { name: m[1], format: m[2] as Format } : undefined;
}

function send(reply: FastifyReply, format: Format, root: string, value: unknown, code = 200): FastifyReply {
  reply.code(code).header("access-control-allow-origin", "*");
  if (format === "xml") return reply.type("text/xml; charset=utf-8").send(xmlDocument(root, value as never));
  return reply.type("application/json; charset=utf-8").send(JSON.stringify(value));
}

function fail(reply: FastifyReply, format: Format, code: number, description: string): FastifyReply {
  const body: ErrorBody = [{ code, description }];
  return send(reply, format, "errors", body, code);
}

const list = z
  .string()
  .max(2000)
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );
const requestsQuery = z.object({
  service_request_id: list.optional(),
  service_code: list.optional(),
  start_date: z.string().max(40).optional(),
  end_date: z.string().max(40).optional(),
  status: list.optional(),
  jurisdiction_id: z.string().max(20).optional(),
});

const W3C_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function date(text: string | undefined): Date | null | undefined {
  if (text === undefined || text === "") return undefined;
  // A W3C date or date-time only ("2026-11-28", "2026-11-28T06:00:00-06:00"), not whatever Date.parse takes.
  const [, y, m, d] = W3C_DATE.exec(text) ?? [];
  const ms = Date.parse(text);
  if (y === undefined || Number.isNaN(ms)) return null;
  // Date.parse rolls a day the month does not have over into the next ("2026-02-31" is 3 March): refused.
  if (new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))).getUTCDate() !== Number(d)) return null;
  return new Date(ms);
}

export const open311Plugin: FastifyPluginAsync<Open311Options> = async (app, options) => {
  const { reports, lifecycle, categories, municipalities, clock, publicUrl } = options;
  const ctx: OpenDataContext = { ...options.context, mediaUrl: (folio, n) => `${publicUrl}${OPEN311_PATH}/media/${folio}/${n}.jpg` };
  await app.register(rateLimit, {
    global: true,
    max: options.perMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `open-data:${normalizeIP(req.ip, 64)}`,
    errorResponseBuilder: () => Object.assign(new Error("too many requests"), { statusCode: 429 }),
  });

  const allCategories = () => [...new Set([...categories.forMunicipality(""), ...municipalities.list.flatMap((m) => categories.forMunicipality(m.cvegeo))])];
  const service = (code: string) => ({
    service_code: code,
    service_name: ctx.categoryName(code),
    description: ctx.categoryName(code),
    metadata: false,
    type: "realtime",
    keywords: "",
    group: "",
  });

  /** The requests a query asks for, or why it cannot be answered. */
  async function find(query: z.infer<typeof requestsQuery>): Promise<{ ok: true; requests: OpenRequest[] } | { ok: false; code: number; description: string }> {
    const filter: ReportFilter = {};
    if (query.jurisdiction_id) {
      if (!municipalities.get(query.jurisdiction_id)) return { ok: false, code: 404, description: "jurisdiction_id not found" };
      filter.municipality = query.jurisdiction_id;
    }
    if (query.service_request_id?.length) {
      const folios = query.service_request_id.slice(0, MAX_REQUESTS).flatMap((id) => parseFolio(id, options.folioDigits) ?? []);
      // Asked by id, a request is given whatever its date (the specification: other filters are then ignored).
      const found = folios.length ? await reports.list({ folios, municipality: filter.municipality }, MAX_REQUESTS) : [];
      return { ok: true, requests: found.map((r) => openRequest(r, ctx)) };
    }
    if (query.service_code?.length) filter.categories = query.service_code;
    if (query.status?.length) {
      const wanted = new Set(query.status.map((s) => s.toLowerCase()));
      if ([...wanted].some((s) => s !== "open" && s !== "closed")) return { ok: false, code: 400, description: "status must be open or closed" };
      filter.statuses = lifecycle.all.filter((s) => wanted.has(lifecycle.isOpen(s) ? "open" : "closed"));
    }
    const start = date(query.start_date);
    const end = date(query.end_date);
    if (start === null || end === null) return { ok: false, code: 400, description: "start_date and end_date must be w3c dates (2026-11-28T00:00:00Z)" };
    const until = end ?? clock.now();
    // Whole minutes, as times are published: bounds of seconds and milliseconds would find the instant a
    // report was filed by halving the window. end_date is inclusive: its whole minute counts.
    filter.since = minuteOf(start ?? daysBefore(until, DEFAULT_DAYS));
    filter.until = end ? new Date(minuteOf(end).getTime() + 60_000) : until;
    const found = await reports.list(filter, MAX_REQUESTS);
    return { ok: true, requests: found.map((r) => openRequest(r, ctx)) };
  }

  app.get(`${OPEN311_PATH}/:file`, async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const doc = splitFile(req.params.file);
    if (!doc) return fail(reply, "json", 404, "not found: ask for discovery, services or requests with .json or .xml");
    if (doc.name === "discovery") {
      return send(reply, doc.format, "discovery", {
        changeset: CHANGESET,
        contact: options.contact,
        key_service: "",
        endpoints: [
          {
            specification: "http://wiki.open311.org/GeoReport_v2",
            url: `${publicUrl}${OPEN311_PATH}`,
            changeset: CHANGESET,
            type: "production",
            formats: ["text/xml", "application/json"],
          },
        ],
      });
    }
    if (doc.name === "services") {
      const jurisdiction = (req.query as { jurisdiction_id?: unknown }).jurisdiction_id;
      if (typeof jurisdiction === "string" && jurisdiction && !municipalities.get(jurisdiction))
        return fail(reply, doc.format, 404, "jurisdiction_id not found");
      const codes = typeof jurisdiction === "string" && jurisdiction ? categories.forMunicipality(jurisdiction) : allCategories();
      return send(reply, doc.format, "services", codes.map(service));
    }
    if (doc.name === "requests") {
      const parsed = requestsQuery.safeParse(req.query);
      if (!parsed.success) return fail(reply, doc.format, 400, `bad parameter: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
      const found = await find(parsed.data);
      if (!found.ok) return fail(reply, doc.format, found.code, found.description);
      return send(reply, doc.format, "service_requests", found.requests);
    }
    return fail(reply, doc.format, 404, "not found: ask for discovery, services or requests");
  });

  app.get(`${OPEN311_PATH}/services/:file`, async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const doc = splitFile(req.params.file);
    if (!doc) return fail(reply, "json", 404, "not found: services/{service_code}.json or .xml");
    if (!allCategories().includes(doc.name)) return fail(reply, doc.format, 404, "service_code not found");
    // No service asks extra questions through Open311 (metadata false): its definition lists none.
    return send(reply, doc.format, "service_definition", { service_code: doc.name, attributes: [] });
  });

  app.get(`${OPEN311_PATH}/requests/:file`, async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const doc = splitFile(req.params.file);
    if (!doc) return fail(reply, "json", 404, "not found: requests/{service_request_id}.json or .xml");
    const folio = parseFolio(doc.name, options.folioDigits);
    const report = folio ? await reports.byFolio(folio) : null;
    if (!report) return fail(reply, doc.format, 404, "service_request_id not found");
    return send(reply, doc.format, "service_requests", [openRequest(report, ctx)]);
  });

  app.get(`${OPEN311_PATH}/media/:folio/:file`, async (req: FastifyRequest<{ Params: { folio: string; file: string } }>, reply) => {
    const n = /^(\d{1,2})\.jpg$/.exec(req.params.file);
    const folio = parseFolio(req.params.folio, options.folioDigits);
    const report = folio && n ? await reports.byFolio(folio) : null;
    const id = report && n ? publishedPhoto(report, Number(n[1])) : undefined;
    const media = id ? await options.media.get(id) : null;
    if (!media)
      return reply
        .code(404)
        .type("application/json; charset=utf-8")
        .send(JSON.stringify([{ code: 404, description: "not found" }]));
    return reply.type(media.mimeType).header("access-control-allow-origin", "*").header("cache-control", "public, max-age=3600").send(media.data);
  });

  app.get(`${OPEN_DATA_PATH}/:file`, async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const m = /^requests\.(csv|geojson)$/.exec(req.params.file);
    if (!m)
      return reply
        .code(404)
        .type("application/json; charset=utf-8")
        .send(JSON.stringify([{ code: 404, description: "not found: requests.csv or requests.geojson" }]));
    const parsed = requestsQuery.safeParse(req.query);
    if (!parsed.success) return fail(reply, "json", 400, `bad parameter: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
    const found = await find(parsed.data);
    if (!found.ok) return fail(reply, "json", found.code, found.description);
    reply.header("access-control-allow-origin", "*").header("content-disposition", `attachment; filename="reportes.${m[1]}"`);
    if (m[1] === "csv") return reply.type("text/csv; charset=utf-8").send(openRequestsCsv(found.requests));
    return reply.type("application/geo+json; charset=utf-8").send(JSON.stringify(openRequestsGeoJson(found.requests)));
  });
};

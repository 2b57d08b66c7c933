/**
 * Open data: Open311 GeoReport v2 under /open311/v2/ in JSON and XML, and the same requests as CSV and
 * GeoJSON, checked against the specification's field lists; and what they never show — the citizen's own
 * description, the typed address, the chat, internal notes, an unpublished photo, a location closer than
 * about 100 m.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Report } from "../src/domain/model/report.js";
import { GEOREPORT_REQUEST_FIELDS, OPEN_REQUEST_FIELDS } from "../src/domain/open-data.js";
import { contribution } from "../src/http/server.js";
import { open311Plugin } from "../src/open-data/open311.js";
import { open311Options } from "../src/service.js";
import { httpServer, startBot, type TestBot } from "./helpers/app.js";
import { sampleReport } from "./helpers/reports.js";

const DAY = 24 * 60 * 60 * 1000;

/** GeoReport v2's service request, field by field (strings may be empty; lat/long numbers when a location is known). */
const georeportRequest = z.object({
  service_request_id: z.string().regex(/^[A-Z]{3}-\d{4}-\d{6}$/),
  status: z.enum(["open", "closed"]),
  status_notes: z.string(),
  service_name: z.string().min(1),
  service_code: z.string().min(1),
  description: z.string(),
  agency_responsible: z.string(),
  service_notice: z.string(),
  requested_datetime: z.iso.datetime(),
  updated_datetime: z.iso.datetime(),
  expected_datetime: z.union([z.literal(""), z.iso.datetime()]),
  address: z.string(),
  address_id: z.string(),
  zipcode: z.string(),
  lat: z.number().min(-90).max(90).nullable(),
  long: z.number().min(-180).max(180).nullable(),
  media_url: z.union([z.literal(""), z.url()]),
});
const ourRequest = georeportRequest.extend({
  detailed_status: z.string(),
  jurisdiction_id: z.string().regex(/^15\d{3}$/),
  municipality: z.string().min(1),
  followers: z.number().int().min(0),
});
const georeportService = z.strictObject({
  service_code: z.string().min(1),
  service_name: z.string().min(1),
  description: z.string(),
  metadata: z.boolean(),
  type: z.enum(["realtime", "batch", "blackbox"]),
  keywords: z.string(),
  group: z.string(),
});

const SECRET = {
  description: "Soy Rosalinda Quintero Barragán, mi cel 722 555 0199, CURP QUBR800101MMCNRS09, rosalinda@example.com",
  address: "Calle Privada Los Fresnos 14, casa de Rosalinda",
  note: "La vecina Rosalinda es quien llamó",
  answer: "Listo, Rosalinda: si vuelve a fallar márcanos al 722 555 0199",
};

describe("Open311 GeoReport v2", () => {
  let bot: TestBot;
  let server: FastifyInstance;
  const reports: Record<string, Report> = {};

  async function add(name: string, over: Partial<Report>): Promise<Report> {
    const r = sampleReport(over);
    reports[name] = r;
    await bot.app.store.reports.insert(r);
    return r;
  }

  const get = (url: string) => server.inject({ method: "GET", url });
  const xml = new XMLParser({ parseTagValue: false, isArray: (name) => ["request", "service", "endpoint", "format", "error"].includes(name) });

  beforeAll(async () => {
    bot = await startBot();
    const now = bot.app.clock.now();
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const photoId = (await bot.app.secretariat.photos.save(tinyJpeg(), "test")) as { ok: true; mediaId: string };
    const hidden = (await bot.app.secretariat.photos.save(tinyJpeg(), "test")) as { ok: true; mediaId: string };
    await add("fresh", {
      folio: "MET-2026-000001",
      createdAt: ago(1),
      updatedAt: ago(1),
      description: SECRET.description,
      address: SECRET.address,
      location: { latitude: 19.256_649, longitude: -99.604_749 },
      notes: [{ at: ago(1), by: "m1", text: SECRET.note }],
      photos: [hidden.mediaId],
    });
    await add("published", {
      folio: "MET-2026-000002",
      category: "alumbrado",
      createdAt: ago(10),
      updatedAt: ago(2),
      status: "canalizado",
      area: "obras_publicas",
      history: [
        { status: "recibido", at: ago(10), by: "system", note: null, kind: "status", area: null, version: 1 },
        { status: "canalizado", at: ago(2), by: "m1", note: "Lo atiende Obras Públicas", kind: "status", area: "obras_publicas", version: 2 },
      ],
      photos: [hidden.mediaId, photoId.mediaId],
      publication: { description: "Luminaria apagada en la esquina", photos: [photoId.mediaId], by: "m1", at: ago(2) },
    });
    await add("closed", {
      folio: "MET-2026-000003",
      status: "resuelto",
      createdAt: ago(30),
      updatedAt: ago(5),
      location: null,
      // A public answer written to the citizen, with their phone number: not for everyone.
      history: [
        { status: "recibido", at: ago(30), by: "system", note: null, kind: "status", area: null, version: 1 },
        { status: "resuelto", at: ago(5), by: "m1", note: SECRET.answer, kind: "status", area: null, version: 2 },
      ],
    });
    await add("old", { folio: "MET-2026-000004", createdAt: ago(120), updatedAt: ago(120) });
    await add("toluca", { folio: "TOL-2026-000001", municipality: "15106", createdAt: ago(3), updatedAt: ago(3), citizenId: "whatsapp:5217225550199@c.us" });
    server = await httpServer(bot, [contribution(open311Plugin, open311Options(bot.app))]);
  });
  afterAll(async () => {
    await server?.close();
    await bot?.close();
  });

  it("discovery names the GeoReport v2 endpoint and its formats", async () => {
    const res = await get("/open311/v2/discovery.json");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.endpoints[0]).toMatchObject({ specification: "http://wiki.open311.org/GeoReport_v2", type: "production" });
    expect(body.endpoints[0].url).toMatch(/\/open311\/v2$/);
    expect(body.endpoints[0].formats).toEqual(["text/xml", "application/json"]);
    const asXml = xml.parse((await get("/open311/v2/discovery.xml")).body);
    expect(asXml.discovery.endpoints.endpoint[0].formats.format).toEqual(["text/xml", "application/json"]);
  });

  it("services are our categories, each with GeoReport v2's fields; a municipality's own list by jurisdiction_id", async () => {
    const res = await get("/open311/v2/services.json");
    const services = z.array(georeportService).parse(res.json());
    expect(services.map((s) => s.service_code)).toEqual(expect.arrayContaining(["alumbrado", "baches", "agua", "otro"]));
    expect(services.find((s) => s.service_code === "baches")?.service_name).toBe("Baches y calles");
    expect((await get("/open311/v2/services.json?jurisdiction_id=15054")).json().length).toBe(bot.app.categories.forMunicipality("15054").length);
    expect((await get("/open311/v2/services.json?jurisdiction_id=99999")).statusCode).toBe(404);
    const def = await get("/open311/v2/services/baches.json");
    expect(def.json()).toEqual({ service_code: "baches", attributes: [] });
    expect((await get("/open311/v2/services/nada.json")).json()).toEqual([{ code: 404, description: "service_code not found" }]);
    const asXml = xml.parse((await get("/open311/v2/services.xml")).body);
    expect(asXml.services.service.map((s: { service_code: string }) => s.service_code)).toEqual(services.map((s) => s.service_code));
  });

  it("requests: the last 90 days by default, every field of the specification, newest first", async () => {
    const res = await get("/open311/v2/requests.json");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    const list = z.array(ourRequest).parse(res.json());
    expect(list.map((r) => r.service_request_id)).toEqual(["MET-2026-000001", "TOL-2026-000001", "MET-2026-000002", "MET-2026-000003"]);
    for (const r of res.json()) expect(Object.keys(r).sort()).toEqual([...OPEN_REQUEST_FIELDS].sort());
    for (const field of GEOREPORT_REQUEST_FIELDS) expect(res.json()[0]).toHaveProperty(field);
    const published = list.find((r) => r.service_request_id === "MET-2026-000002");
    expect(published).toMatchObject({
      status: "open",
      detailed_status: "canalizado",
      status_notes: "Lo atiende Obras Públicas",
      service_code: "alumbrado",
      service_name: "Alumbrado público",
      description: "Luminaria apagada en la esquina",
      jurisdiction_id: "15054",
      municipality: "Metepec",
    });
    expect(published?.agency_responsible).not.toBe("");
    expect(list.find((r) => r.service_request_id === "MET-2026-000003")).toMatchObject({ status: "closed", status_notes: "", lat: null, long: null });
  });

  it("never shows the citizen's own description, address, chat, notes, an answer with their phone, an unpublished photo or the exact place", async () => {
    const everything = [
      (await get("/open311/v2/requests.json")).body,
      (await get("/open311/v2/requests.xml")).body,
      (await get("/open311/v2/requests/MET-2026-000001.json")).body,
      (await get("/open-data/requests.csv")).body,
      (await get("/open-data/requests.geojson")).body,
    ].join("\n");
    for (const secret of [
      "Rosalinda",
      "555 0199",
      "5550199",
      "QUBR800101",
      "rosalinda@example.com",
      "Fresnos",
      "llamó",
      "console:ana",
      "whatsapp:",
      "Bache profundo",
    ]) {
      expect(everything).not.toContain(secret);
    }
    const fresh = (await get("/open311/v2/requests/MET-2026-000001.json")).json()[0];
    expect(fresh).toMatchObject({ description: "", address: "", media_url: "", lat: 19.257, long: -99.605 });
    // Times to the minute: the millisecond a report was filed would help tie it to a message seen elsewhere.
    const filed = (await bot.app.store.reports.byFolio("MET-2026-000001"))?.createdAt as Date;
    expect(fresh.requested_datetime).toBe(new Date(Math.floor(filed.getTime() / 60_000) * 60_000).toISOString());
    expect(fresh.updated_datetime).toMatch(/:00\.000Z$/);
  });

  it("a photo is shown only once a member published it", async () => {
    const published = (await get("/open311/v2/requests/MET-2026-000002.json")).json()[0];
    expect(published.media_url).toMatch(/\/open311\/v2\/media\/MET-2026-000002\/0\.jpg$/);
    const photo = await get(new URL(published.media_url).pathname);
    expect(photo.statusCode).toBe(200);
    expect(photo.headers["content-type"]).toBe("image/jpeg");
    expect((await get("/open311/v2/media/MET-2026-000002/1.jpg")).statusCode).toBe(404);
    expect((await get("/open311/v2/media/MET-2026-000001/0.jpg")).statusCode).toBe(404);
  });

  it("filters: service_code, status, jurisdiction_id, dates, service_request_id", async () => {
    const ids = async (query: string) =>
      ((await get(`/open311/v2/requests.json?${query}`)).json() as { service_request_id: string }[]).map((r) => r.service_request_id);
    expect(await ids("service_code=alumbrado")).toEqual(["MET-2026-000002"]);
    expect(await ids("service_code=alumbrado,baches&jurisdiction_id=15106")).toEqual(["TOL-2026-000001"]);
    expect(await ids("status=closed")).toEqual(["MET-2026-000003"]);
    expect(await ids("status=open&jurisdiction_id=15054")).toEqual(["MET-2026-000001", "MET-2026-000002"]);
    const now = bot.app.clock.now().getTime();
    const iso = (days: number) => encodeURIComponent(new Date(now - days * DAY).toISOString());
    expect(await ids(`start_date=${iso(200)}&end_date=${iso(100)}`)).toEqual(["MET-2026-000004"]);
    expect(await ids(`start_date=${iso(11)}&end_date=${iso(2)}`)).toEqual(["TOL-2026-000001", "MET-2026-000002"]);
    // Within a minute, bounds tell nothing: the instant a report was filed cannot be found by halving the window.
    const first = await bot.app.store.reports.byFolio("MET-2026-000001");
    if (!first) throw new Error("MET-2026-000001 is not stored");
    const filed = first.createdAt.getTime();
    const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    expect(new Date(filed).getUTCSeconds() + new Date(filed).getUTCMilliseconds()).toBeGreaterThan(0);
    expect(await ids(`start_date=${at(filed + 1)}&end_date=${at(filed + 2)}`)).toContain("MET-2026-000001");
    expect(await ids(`start_date=${at(filed - 2)}&end_date=${at(filed - 1)}`)).toContain("MET-2026-000001");
    // Asked by id, a request older than 90 days is given too.
    expect(await ids("service_request_id=MET-2026-000004,met 2026 1")).toEqual(["MET-2026-000001", "MET-2026-000004"]);
    expect((await get("/open311/v2/requests.json?status=maybe")).statusCode).toBe(400);
    expect((await get("/open311/v2/requests.json?start_date=ayer")).json()[0].code).toBe(400);
    // A day the month does not have is refused, not rolled over into the next month.
    expect((await get("/open311/v2/requests.json?start_date=2026-02-31")).json()[0].code).toBe(400);
    expect((await get("/open311/v2/requests.json?end_date=2026-04-31T00:00:00Z")).json()[0].code).toBe(400);
    for (const loose of ["2026-2-28", "2026/02/28", "02/28/2026", "28 Feb 2026"]) {
      expect((await get(`/open311/v2/requests.json?start_date=${encodeURIComponent(loose)}`)).json()[0].code, loose).toBe(400);
    }
    expect((await get("/open311/v2/requests.json?jurisdiction_id=15999")).statusCode).toBe(404);
    expect((await get("/open311/v2/requests/MET-2026-000999.json")).json()).toEqual([{ code: 404, description: "service_request_id not found" }]);
    expect((await get("/open311/v2/requests/MET-2026-000999.xml")).body).toContain("<errors><error><code>404</code>");
  });

  it("XML carries the same requests as JSON, field for field", async () => {
    const json = (await get("/open311/v2/requests.json")).json() as Record<string, unknown>[];
    const res = await get("/open311/v2/requests.xml");
    expect(res.headers["content-type"]).toMatch(/text\/xml/);
    const parsed = xml.parse(res.body).service_requests.request as Record<string, string>[];
    expect(parsed.length).toBe(json.length);
    parsed.forEach((r, i) => {
      for (const field of GEOREPORT_REQUEST_FIELDS) {
        const value = json[i][field];
        expect(r[field] ?? "", field).toBe(value === null ? "" : String(value));
      }
    });
  });

  it("CSV and GeoJSON downloads hold the same de-identified requests", async () => {
    const json = (await get("/open311/v2/requests.json")).json() as Record<string, unknown>[];
    const csv = await get("/open-data/requests.csv");
    expect(csv.headers["content-type"]).toMatch(/text\/csv/);
    // UTF-8's byte-order mark first, so Excel reads «Alumbrado público» and not «Alumbrado pÃºblico».
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe(OPEN_REQUEST_FIELDS.join(","));
    expect(lines.length).toBe(json.length + 1);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(json.map((r) => r.service_request_id));
    const geo = (await get("/open-data/requests.geojson")).json();
    expect(geo.type).toBe("FeatureCollection");
    expect(geo.features.map((f: { properties: unknown }) => f.properties)).toEqual(json);
    const fresh = geo.features.find((f: { id: string }) => f.id === "MET-2026-000001");
    expect(fresh.geometry).toEqual({ type: "Point", coordinates: [-99.605, 19.257] });
    expect(geo.features.find((f: { id: string }) => f.id === "MET-2026-000003").geometry).toBeNull();
  });

  it("a public note that starts like a formula is never a formula in the CSV", async () => {
    await add("formula", {
      folio: "MET-2026-000010",
      status: "no_procede",
      history: [{ status: "no_procede", at: bot.app.clock.now(), by: "m1", note: '=HYPERLINK("http://x","y")', kind: "status", area: null, version: 2 }],
    });
    const csv = (await get("/open-data/requests.csv?service_request_id=MET-2026-000010")).body;
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it("at most 1,000 requests, the newest", async () => {
    const now = bot.app.clock.now().getTime();
    for (let i = 0; i < 1005; i++) {
      const at = new Date(now - 60 * DAY + i * 60_000);
      await bot.app.store.reports.insert(
        sampleReport({ folio: `ZIN-2026-${String(i + 1).padStart(6, "0")}`, municipality: "15121", createdAt: at, updatedAt: at }),
      );
    }
    const list = (await get("/open311/v2/requests.json?jurisdiction_id=15121")).json() as { service_request_id: string }[];
    expect(list.length).toBe(1000);
    expect(list[0].service_request_id).toBe("ZIN-2026-001005");
  });
});

/** A real photo with GPS and camera data (test/fixtures/photos): the store keeps it without them. */
function tinyJpeg(): Buffer {
  return readFileSync(join(import.meta.dirname, "fixtures", "photos", "photo.jpg"));
}

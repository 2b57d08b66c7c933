/**
 * The de-identified face of a report that anyone may download and reuse: Open311 GeoReport v2, CSV and
 * GeoJSON all show this one projection (and the web panel's exports reuse it), so no format can show more
 * than another. What it never carries: the citizen's own description (only the text a member moderated and
 * published), the typed address, the chat or channel id, internal notes, a photo no member published, a
 * location closer than about 100 m.
 */

import { inertText } from "../util/csv.js";
import type { Areas } from "./areas.js";
import type { GeoPoint, Report } from "./model/report.js";
import type { Municipalities } from "./municipalities.js";
import { holdsContactData } from "./sensitive.js";
import type { Lifecycle } from "./statuses.js";

/**
 * Decimal places a published location keeps: 0.001° is 111 m of latitude and, at the Estado de
 * México's 19–20° N, about 105 m of longitude — a block, never a door.
 */
export const OPEN_DATA_DECIMALS = 3;

/** Rounds a point to about 100 m (OPEN_DATA_DECIMALS). */
export function roundedPoint(p: GeoPoint): GeoPoint {
  const f = 10 ** OPEN_DATA_DECIMALS;
  return { latitude: Math.round(p.latitude * f) / f, longitude: Math.round(p.longitude * f) / f };
}

/** One report as open data. Field names are Open311 GeoReport v2's, plus the municipality and our own status. */
export interface OpenRequest {
  /** The folio. */
  service_request_id: string;
  /** Open311's meaning of the status (config/statuses.yaml `open311`). */
  status: "open" | "closed";
  /** Our own status (recibido, en_revision…), which Open311 implementations call the detailed status. */
  detailed_status: string;
  /** The latest public note: a reason or a public answer (never an internal note; empty when it holds a phone number, e-mail or CURP). */
  status_notes: string;
  service_code: string;
  service_name: string;
  /** The moderated description a member published, or "". */
  description: string;
  /** The office the report was channelled to, or "". */
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string;
  /** Never the typed address: it may name a person or a home. */
  address: string;
  address_id: string;
  zipcode: string;
  lat: number | null;
  long: number | null;
  /** A photo a member published, or "". */
  media_url: string;
  /** The municipality's INEGI key (Open311's jurisdiction). */
  jurisdiction_id: string;
  municipality: string;
  /** How many citizens said it affects them too. */
  followers: number;
}

/** The Open311 GeoReport v2 field list of a service request (the specification's "requests" response). */
export const GEOREPORT_REQUEST_FIELDS = [
  "service_request_id",
  "status",
  "status_notes",
  "service_name",
  "service_code",
  "description",
  "agency_responsible",
  "service_notice",
  "requested_datetime",
  "updated_datetime",
  "expected_datetime",
  "address",
  "address_id",
  "zipcode",
  "lat",
  "long",
  "media_url",
] as const;

/** Every column of the CSV and every property of the GeoJSON, in order. */
export const OPEN_REQUEST_FIELDS = [
  ...GEOREPORT_REQUEST_FIELDS,
  "detailed_status",
  "jurisdiction_id",
  "municipality",
  "followers",
] as const satisfies readonly (keyof OpenRequest)[];

export interface OpenDataContext {
  lifecycle: Lifecycle;
  municipalities: Municipalities;
  areas: Areas;
  /** The public name of a category (the deployment's default language). */
  categoryName: (category: string) => string;
  /** The address of a published photo (`n`: its place among the published ones). */
  mediaUrl: (folio: string, n: number) => string;
}

/**
 * A time as published, and as a query may name it: to the minute. The millisecond a report was filed would
 * help tie it to a message seen elsewhere (a shared phone, the platform's own records); the minute is all
 * the public needs.
 */
export function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

const toTheMinute = (at: Date) => minuteOf(at).toISOString();

/** The de-identified projection of a report. */
export function openRequest(report: Report, ctx: OpenDataContext): OpenRequest {
  const point = report.location ? roundedPoint(report.location) : null;
  const lastNote = publicNote(report);
  const area = report.area ? ctx.areas.get(report.municipality, report.area) : undefined;
  const published = report.publication;
  const photo = published?.photos.find((id) => report.photos.includes(id));
  return {
    service_request_id: report.folio,
    status: ctx.lifecycle.isOpen(report.status) ? "open" : "closed",
    detailed_status: report.status,
    status_notes: lastNote,
    service_code: report.category,
    service_name: ctx.categoryName(report.category),
    description: published?.description ?? "",
    agency_responsible: area?.name ?? "",
    service_notice: "",
    requested_datetime: toTheMinute(report.createdAt),
    updated_datetime: toTheMinute(report.updatedAt),
    expected_datetime: "",
    address: "",
    address_id: "",
    zipcode: "",
    lat: point?.latitude ?? null,
    long: point?.longitude ?? null,
    media_url: photo ? ctx.mediaUrl(report.folio, published?.photos.indexOf(photo) ?? 0) : "",
    jurisdiction_id: report.municipality,
    municipality: ctx.municipalities.get(report.municipality)?.name ?? report.municipality,
    followers: report.followers,
  };
}

/** The published photo `n` of a report, if a member published it and the report still has it. */
export function publishedPhoto(report: Report, n: number): string | undefined {
  const id = report.publication?.photos[n];
  return id && report.photos.includes(id) ? id : undefined;
}

function csvCell(value: string | number | null): string {
  if (value === null) return "";
  const text = typeof value === "string" ? inertText(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The requests as CSV (RFC 4180, a header row, CRLF), with cells a spreadsheet never runs as formulas.
 * It starts with UTF-8's byte-order mark: without it Excel, where most municipal offices open it,
 * reads the file in the system's code page and shows «Alumbrado pÃºblico».
 */
export function openRequestsCsv(requests: readonly OpenRequest[]): string {
  const rows = [OPEN_REQUEST_FIELDS.join(",")];
  for (const r of requests) rows.push(OPEN_REQUEST_FIELDS.map((f) => csvCell(r[f])).join(","));
  return `\uFEFF${rows.join("\r\n")}\r\n`;
}

/** The requests as a GeoJSON FeatureCollection (RFC 7946): a Point each, null geometry when no location was shared. */
export function openRequestsGeoJson(requests: readonly OpenRequest[]): {
  type: "FeatureCollection";
  features: { type: "Feature"; id: string; geometry: { type: "Point"; coordinates: [number, number] } | null; properties: OpenRequest }[];
} {
  return {
    type: "FeatureCollection",
    features: requests.map((r) => ({
      type: "Feature",
      id: r.service_request_id,
      geometry: r.lat !== null && r.long !== null ? { type: "Point", coordinates: [r.long, r.lat] } : null,
      properties: r,
    })),
  };
}

/**
 * The latest note of the report's history (a reason, a public answer) as open data may show it: withheld
 * when it holds a phone number, an e-mail or a CURP, the check a published description passes. It was
 * written to the citizen ("te llamamos al 55…"), not moderated for everyone.
 */
function publicNote(report: Report): string {
  const note = [...report.history].reverse().find((h) => h.note)?.note ?? "";
  return holdsContactData(note) ? "" : note;
}

/**
 * What a member is offered to publish as a report's public text: the text published already, else the
 * citizen's description when it holds no phone number, e-mail or CURP (a member still reads it first);
 * otherwise nothing to suggest. The domain's `triage.publish` checks whatever is published again.
 */
export function publicSuggestion(report: Report): string | undefined {
  if (report.publication?.description) return report.publication.description;
  const text = report.description.trim();
  return text && !holdsContactData(text) ? text : undefined;
}

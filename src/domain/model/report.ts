/** A public problem reported by a citizen, and the steps of its life. */
import type { Language } from "../../locale/languages.js";
import type { ChannelName } from "./channel.js";

/** A status of config/statuses.yaml (recibido, en_revision…): the lifecycle is data, checked by domain/statuses.ts. */
export type ReportStatus = string;

/** One public step in a report's life: a change of status, or an answer from the secretariat. */
export interface StatusChange {
  /** The status after this step. */
  status: ReportStatus;
  at: Date;
  /** "citizen", "system" or a secretariat member id. */
  by: string;
  /** Public note shown to the citizen (Open311 status_notes): the reason, or the answer. */
  note: string | null;
  /**
   * "status" (the status changed), "answer" (a public answer, the status unchanged), "reopened" (by the
   * citizen), or "disputed" (someone holding an anonymous report's folio said it is not solved: the
   * status unchanged, the secretariat decides).
   */
  kind: "status" | "answer" | "reopened" | "disputed";
  /** The office the report was channelled to at this step (config/areas.yaml), if any. */
  area: string | null;
  /** The report's version after this step. */
  version: number;
}

/**
 * The last step that changed the report: a dispute (someone holding the folio said it is not solved)
 * changes nothing of it, so it neither renews how long a closed report is kept nor asks again those
 * who confirmed it.
 */
export function lastChange(history: readonly StatusChange[]): StatusChange | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (history[i].kind !== "disputed") return history[i];
  return undefined;
}

/** What the secretariat writes for itself: never shown to the citizen nor in open data. */
export interface InternalNote {
  at: Date;
  /** The member's id. */
  by: string;
  text: string;
}

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/** Mean radius of the Earth in metres (the sphere MongoDB's 2dsphere queries measure on). */
export const EARTH_RADIUS_M = 6_378_100;

/** Metres between two points along the Earth's surface (haversine): enough for "within 150 m". */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Report {
  id: string;
  /** Readable over the phone: MET-2026-000123. */
  folio: string;
  municipality: string;
  category: string;
  description: string;
  location: GeoPoint | null;
  /** The place as the citizen typed it ("Av. Juárez 12, col. Centro"), when they did not share a location. */
  address: string | null;
  photos: string[];
  channel: ChannelName;
  /** The reporting citizen; null when the report is anonymous (nothing links it to them). */
  citizenId: string | null;
  anonymous: boolean;
  contactable: boolean;
  language: Language;
  status: ReportStatus;
  history: StatusChange[];
  /** The office the report is channelled to (config/areas.yaml). */
  area: string | null;
  /** The folio of the report this one repeats, when it was marked duplicado. */
  duplicateOf: string | null;
  notes: InternalNote[];
  /** Citizens who said "a mí también me afecta" and follow it. */
  followers: number;
  /** Grows by one with every change: a card or a form showing an older version is outdated. */
  version: number;
  /**
   * The version through which what a change sets off (the citizens' notices, the group's card) has
   * been queued; `dispatchPending` while it is behind `version`.
   */
  dispatched: number;
  dispatchPending: boolean;
  /**
   * What a member made public for open data (Open311, CSV, GeoJSON): the moderated description and the
   * photos they published. Absent until a member publishes: open data then shows no description and no photo.
   */
  publication?: Publication;
  /**
   * When the retention job removed what could name the citizen (the description, the typed address,
   * the photos, the link to the chat) from this closed report: the de-identified report stays.
   */
  purgedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A report's public face for open data, set by a member of the secretariat (moderation). */
export interface Publication {
  /** The moderated description anyone may read, or null: the citizen's own text is never published as it is. */
  description: string | null;
  /** Ids of the report's photos a member published. */
  photos: string[];
  /** The member who published it, and when. */
  by: string;
  at: Date;
}

/** A report as stored by any version of the bot, with what older versions did not keep filled in. */
export function reportWithDefaults(
  stored: Omit<Report, "address" | "area" | "duplicateOf" | "notes" | "followers" | "version" | "dispatched" | "dispatchPending"> & Partial<Report>,
): Report {
  const version = typeof stored.version === "number" ? stored.version : stored.history.length;
  return {
    ...stored,
    address: typeof stored.address === "string" ? stored.address : null,
    history: stored.history.map((h, i) => ({ ...h, kind: h.kind ?? "status", area: h.area ?? null, version: h.version ?? i + 1 })),
    area: stored.area ?? null,
    duplicateOf: stored.duplicateOf ?? null,
    notes: stored.notes ?? [],
    followers: stored.followers ?? 0,
    version,
    dispatched: typeof stored.dispatched === "number" ? stored.dispatched : version,
    dispatchPending: stored.dispatchPending ?? false,
  };
}

/** A public problem reported by a citizen, and the steps of its life. */
import type { Language } from "../../locale/languages.js";
import type { ChannelName } from "./channel.js";

/** A status of config/statuses.yaml (recibido, en_revision…): the lifecycle is data, checked by domain/statuses.ts. */
export type ReportStatus = string;

export interface StatusChange {
  status: ReportStatus;
  at: Date;
  /** "citizen", "system" or a secretariat member id. */
  by: string;
  /** Public note shown to the citizen (Open311 status_notes). */
  note: string | null;
}

export interface GeoPoint {
  latitude: number;
  longitude: number;
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
  createdAt: Date;
  updatedAt: Date;
}

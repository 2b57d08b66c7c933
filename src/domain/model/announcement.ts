/**
 * Announcements of a municipality (sessions of the Secretariado Técnico, co-creation workshops, the
 * plan's progress) and the citizens subscribed to them. An announcement is composed once, waits for
 * its time, and is then written to the outbox as one row per recipient.
 */
import type { Consent } from "./citizen.js";

/** Who an announcement reaches: the municipality's linked public groups and channels, its subscribers. */
export const AUDIENCES = ["groups", "subscribers"] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * scheduled: waiting for its time; queued: every recipient's row is in the outbox (the outbox tells
 * what was sent); cancelled: withdrawn before its time.
 */
export type AnnouncementState = "scheduled" | "queued" | "cancelled";

export interface Announcement {
  /** `A-<n>`, from a counter: short enough to type in `/avisos_estado` or `announce status`. */
  id: string;
  municipality: string;
  /** As the secretariat wrote it; the same words reach every recipient. */
  text: string;
  /** A photo in the store's media (id), or null. */
  photo: string | null;
  audiences: Audience[];
  /** When it goes out (now, for one sent at once). */
  at: Date;
  state: AnnouncementState;
  /** A member's id, or "admin" (the command line). */
  createdBy: string;
  createdAt: Date;
  /** When its rows were written to the outbox, and how many. */
  queuedAt: Date | null;
  recipients: number | null;
}

/** A citizen who asked for a municipality's announcements, with the consent it was given under. */
export interface Subscription {
  /** The citizen's id (`channel:chatId`). */
  citizen: string;
  municipality: string;
  since: Date;
  consent: Consent;
}

/** Where an announcement's rows stand in the outbox. */
export interface DeliveryCounts {
  sent: number;
  pending: number;
  failed: number;
}

/**
 * The store's ports: what the domain and the runtime need from persistence, and nothing of how.
 * Implemented by the embedded store (store/embedded, @seald-io/nedb) and, in production, MongoDB.
 */
import type { ConversationState, Language } from "../engine/types.js";

export type ChannelName = "console" | "web" | "telegram" | "whatsapp";

export interface Consent {
  version: string;
  at: Date;
}

/** A citizen as one channel knows them: nothing more than the flows need. */
export interface Citizen {
  /** `${channel}:${chatId}` */
  id: string;
  channel: ChannelName;
  chatId: string;
  language: Language;
  consent: Consent | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CitizenRepository {
  get(id: string): Promise<Citizen | null>;
  save(citizen: Citizen): Promise<void>;
}

/** An outbound message already rendered, kept until the channel has accepted it. */
export interface PendingReply {
  id: string;
  /** The language the text is in, for the channel's own labels (buttons, hints). */
  lang: Language;
  text: string;
  choices?: { value: string; label: string }[];
  request?: "location" | "photo";
}

export interface ConversationRecord {
  /** `${channel}:${chatId}` */
  id: string;
  state: ConversationState;
  /** Replies decided but not yet confirmed as sent: resent after a crash, never twice. */
  pending: PendingReply[];
  updatedAt: Date;
}

export interface ConversationRepository {
  get(id: string): Promise<ConversationRecord | null>;
  save(record: ConversationRecord): Promise<void>;
  /** Conversations of one channel with replies not yet delivered, updated since `since`; oldest first. */
  withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]>;
}

export const REPORT_STATUSES = ["recibido", "en_revision", "canalizado", "en_atencion", "resuelto", "no_procede", "duplicado"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

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

/** A public problem reported by a citizen. */
export interface Report {
  id: string;
  /** Readable over the phone: MET-2026-000123. */
  folio: string;
  municipality: string;
  category: string;
  description: string;
  location: GeoPoint | null;
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

export interface ReportRepository {
  insert(report: Report): Promise<void>;
  byFolio(folio: string): Promise<Report | null>;
  /** Newest first. */
  byCitizen(citizenId: string, limit: number): Promise<Report[]>;
  count(): Promise<number>;
}

export type ClaimResult = "claimed" | "duplicate";

/**
 * A message as it is kept with its claim until processed, so that one a crashed process never
 * finished is processed after all (the platform already considers it delivered). Plain JSON.
 */
export interface JournaledMessage {
  channel: ChannelName;
  chatId: string;
  messageId: string;
  content: Record<string, unknown>;
  languageHint?: string;
}

/** Inbound message ids, so a redelivered message is processed once, and none is lost in a crash. */
export interface InboundRepository {
  /**
   * Claims an id for processing, keeping `message` with the claim until it completes. A claim older
   * than `leaseMs` that never finished (a crash) may be claimed again.
   */
  claim(id: string, now: Date, leaseMs: number, message?: JournaledMessage): Promise<ClaimResult>;
  /** Marks a claimed id as processed: it is a duplicate from now on, and the kept message is dropped. */
  complete(id: string, now: Date): Promise<void>;
  /** Gives a claim back after a failure, so a redelivery is processed. */
  release(id: string): Promise<void>;
  /** Messages claimed before `claimedBefore` and never completed: left by a process that died. Oldest first. */
  unfinished(claimedBefore: Date, limit: number): Promise<JournaledMessage[]>;
}

/** Named counters that never hand out the same number twice. */
export interface CounterRepository {
  next(name: string): Promise<number>;
}

export interface StoredMedia {
  data: Buffer;
  mimeType: string;
}

/** A media id: what the domain hands out (a UUID), and all a store accepts as a name. */
export const MEDIA_ID = /^[a-zA-Z0-9-]{8,64}$/;

export interface MediaRepository {
  put(id: string, media: StoredMedia): Promise<void>;
  get(id: string): Promise<StoredMedia | null>;
}

export interface Store {
  kind: "embedded" | "mongodb";
  citizens: CitizenRepository;
  conversations: ConversationRepository;
  reports: ReportRepository;
  inbound: InboundRepository;
  counters: CounterRepository;
  media: MediaRepository;
  /** Resolves when the store answers (the health check). */
  ping(): Promise<void>;
  /** Whether an error means the store is away for now (a dropped connection), so the message should wait, not fail. */
  unavailable(err: unknown): boolean;
  close(): Promise<void>;
}

/**
 * The store's ports: what the domain and the runtime need from persistence, and nothing of how.
 * Implemented by the embedded store (store/embedded, @seald-io/nedb) and, in production, MongoDB.
 */
import type { ChannelName } from "../domain/model/channel.js";
import type { Citizen } from "../domain/model/citizen.js";
import type { OutboundMessage } from "../domain/model/message.js";
import type { Report } from "../domain/model/report.js";

export interface CitizenRepository {
  get(id: string): Promise<Citizen | null>;
  save(citizen: Citizen): Promise<void>;
}

export interface ConversationRecord {
  /** `${channel}:${chatId}` */
  id: string;
  /** The conversation layer's state: plain data, checked by its reader. */
  state: unknown;
  /** Replies decided but not yet confirmed as sent: resent after a crash, never twice. */
  pending: OutboundMessage[];
  updatedAt: Date;
}

export interface ConversationRepository {
  get(id: string): Promise<ConversationRecord | null>;
  save(record: ConversationRecord): Promise<void>;
  /** Conversations of one channel with replies not yet delivered, updated since `since`; oldest first. */
  withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]>;
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

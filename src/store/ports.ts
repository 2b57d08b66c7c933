/**
 * The store's ports: what the domain and the runtime need from persistence, and nothing of how.
 * Implemented by the embedded store (store/embedded, @seald-io/nedb) and, in production, MongoDB.
 */

import type { Announcement, Subscription } from "../domain/model/announcement.js";
import type { GroupPrompt, ReportCard } from "../domain/model/card.js";
import type { ChannelName } from "../domain/model/channel.js";
import type { Citizen } from "../domain/model/citizen.js";
import type { RecordedEvent } from "../domain/model/events.js";
import type { Follow, FollowKind } from "../domain/model/follow.js";
import type { Handoff } from "../domain/model/handoff.js";
import type { ChatPurpose, LinkedChat } from "../domain/model/linked-chat.js";
import type { Member } from "../domain/model/member.js";
import type { OutboundMessage } from "../domain/model/message.js";
import type { Commitment, CommitmentFollow, Plan } from "../domain/model/plan.js";
import type { GeoPoint, Report, StatusChange } from "../domain/model/report.js";

export interface CitizenRepository {
  get(id: string): Promise<Citizen | null>;
  save(citizen: Citizen): Promise<void>;
  /** Erases the citizen's record (their data deleted at their request); false when there was none. */
  remove(id: string): Promise<boolean>;
}

export interface ConversationRecord {
  /** `${channel}:${chatId}` */
  id: string;
  /** The conversation layer's state: plain data, checked by its reader. */
  state: unknown;
  /** Replies decided but not yet confirmed as sent: resent after a crash, never twice. */
  pending: OutboundMessage[];
  updatedAt: Date;
  /**
   * The inbound ids of the last messages whose step this record saved, oldest first: a message
   * found here again (its claim never completed) is not run a second time against the newer state.
   */
  handled?: string[];
  /** When the citizen last wrote (WhatsApp's Cloud API may answer freely for 24 hours after). */
  inboundAt?: Date;
  /**
   * The state holds a report not sent (being written or kept aside): forgotten after DRAFT_DAYS of
   * silence. Absent on records saved before 0.6.10: they may hold one (withDraftBefore finds them).
   */
  holdsDraft?: boolean;
}

export interface ConversationRepository {
  get(id: string): Promise<ConversationRecord | null>;
  save(record: ConversationRecord): Promise<void>;
  /** Erases the conversation (its state, its replies); false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Conversations of one channel with replies not yet delivered, updated since `since`; oldest first. */
  withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]>;
  /** Every conversation's state, as saved, in no order. */
  states(): AsyncIterable<unknown>;
  /** Conversations holding a report not sent (`holdsDraft` true, or absent: not known) last saved before `before`; oldest first. */
  withDraftBefore(before: Date, limit: number): Promise<ConversationRecord[]>;
  /**
   * Conversations known to hold no report unsent (`holdsDraft` false) last saved before `before` (and
   * after `after`, when given: the next page of a pass); oldest first.
   */
  idleBefore(before: Date, limit: number, after?: Date): Promise<ConversationRecord[]>;
  /** Erases the conversation only if it is still as `read` (see replaceIf). False when it was not, or was not there. */
  removeIf(id: string, read: Pick<ConversationRecord, "updatedAt" | "pending">): Promise<boolean>;
  /**
   * Replaces the conversation only if it is still as `read` (saved at the same time with as many replies
   * pending: nothing saved since, its replies not marked sent, not erased): a change made from outside its
   * turns (the sweep of draft photos), safe against another process's. False when it was not, and nothing
   * is written.
   */
  replaceIf(record: ConversationRecord, read: Pick<ConversationRecord, "updatedAt" | "pending">): Promise<boolean>;
  /**
   * Takes the conversation's turn for `owner` until `until` (a lease), or extends it when `owner` holds it
   * already: one turn at a time per conversation across every process on the store (conversation/chat-turns.ts).
   * False while another owner holds it and its lease has not run out at `now`.
   */
  hold(id: string, owner: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Moves the end of `owner`'s turn to `until`; false when `owner` does not hold it (given back, or taken
   * over once its lease ran out). Never takes a turn: an extension that arrives after the release is nothing.
   */
  extend(id: string, owner: string, until: Date): Promise<boolean>;
  /** Gives the turn back, if `owner` still holds it. */
  release(id: string, owner: string): Promise<void>;
}

/** Which reports a list shows: all the fields given must match. */
export interface ReportFilter {
  municipality?: string;
  statuses?: string[];
  category?: string;
  /** Any of these categories. */
  categories?: string[];
  /** Only reports the retention job has not de-identified yet. */
  unpurged?: boolean;
  /** Any of these folios. */
  folios?: string[];
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
  /** `list` gives the oldest first (the retention job walks forward); the newest first otherwise. */
  oldestFirst?: boolean;
}

/** What the secretariat's inbox looks for: all the fields given must match. */
export interface InboxFilter {
  /** The municipalities looked in (a member's own); absent: every one. */
  municipalities?: string[];
  statuses?: string[];
  category?: string;
  channel?: ChannelName;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
  /** Words in the description, as typed (case aside). */
  text?: string;
  /** Only reports in one of these statuses created before its date: those that may be overdue. */
  createdBeforeIn?: { status: string; before: Date }[];
}

export type InboxSort = "newest" | "oldest" | "updated";

export interface InboxPage {
  sort: InboxSort;
  offset: number;
  limit: number;
}

/** What statistics need of a step of a report's life: no note. */
export type SummaryStep = Pick<StatusChange, "status" | "at" | "by" | "kind">;

/** What statistics need of a report: no description, no citizen, no notes. */
export type ReportSummary = Pick<Report, "id" | "municipality" | "category" | "status" | "channel" | "createdAt"> & { history: SummaryStep[] };

/**
 * Open reports of one category that may be the problem a citizen is about to report: within
 * `meters` of a shared point (whatever the municipality), or in a municipality when no point was shared.
 */
export interface NearbyQuery {
  category: string;
  /** The statuses that count as open (config/statuses.yaml). */
  statuses: string[];
  /** Created at or after. */
  since: Date;
  where: { point: GeoPoint; meters: number } | { municipality: string };
  /** At most this many (below 1: none). */
  limit: number;
}

export interface ReportRepository {
  insert(report: Report): Promise<void>;
  byId(id: string): Promise<Report | null>;
  byFolio(folio: string): Promise<Report | null>;
  /** Newest first. */
  byCitizen(citizenId: string, limit: number): Promise<Report[]>;
  count(): Promise<number>;
  /**
   * Replaces the report if it is still at `expectedVersion` (nobody changed it meanwhile); false
   * otherwise, and nothing is written. The report given carries its next version.
   */
  update(report: Report, expectedVersion: number): Promise<boolean>;
  /** Reports whose changes have not all been dispatched (notices, cards), oldest change first. */
  undispatched(limit: number): Promise<Report[]>;
  /** Records that what `version` set off is queued; pending stays if the report changed meanwhile. */
  markDispatched(id: string, version: number): Promise<void>;
  /** Newest first. */
  list(filter: ReportFilter, limit: number): Promise<Report[]>;
  /** How many reports of the filter there are per status. */
  countByStatus(filter: ReportFilter): Promise<Record<string, number>>;
  /** A page of the inbox, and how many reports the filter finds in all. */
  inbox(filter: InboxFilter, page: InboxPage): Promise<{ reports: Report[]; total: number }>;
  /** How many reports of the inbox's filter there are per status. */
  inboxCounts(filter: InboxFilter): Promise<Record<string, number>>;
  /** The reports of the filter as statistics see them. */
  summaries(filter: InboxFilter): Promise<ReportSummary[]>;
  /** Reports a citizen may follow instead of filing a new one: nearest first near a point, newest first in a municipality. */
  nearby(query: NearbyQuery): Promise<Report[]>;
  /** Every photo (media id) a report holds, de-identified ones included; an id may come more than once. */
  photoIds(): AsyncIterable<string>;
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
  /**
   * Marks a claimed id as finished (processed, or failed and told so): it is a duplicate from now
   * on, and the kept message is dropped.
   */
  complete(id: string, now: Date): Promise<void>;
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

/** A photo that belongs to a conversation's unsent report: whose, and since when. */
export interface MediaDraft {
  id: string;
  /** The conversation (`channel:chatId`) that holds it. */
  owner: string;
  at: Date;
}

export interface MediaRepository {
  /** Stores a photo; with `draft`, as a draft of that conversation until `keep` or `discard`. */
  put(id: string, media: StoredMedia, draft?: Omit<MediaDraft, "id">): Promise<void>;
  get(id: string): Promise<StoredMedia | null>;
  /** Keeps photos for good (a report holds them): they are drafts no more. Resolves with the ids that exist. */
  keep(ids: string[]): Promise<string[]>;
  /** Deletes a photo that is still a draft; a kept one stays. */
  discard(id: string): Promise<void>;
  /** Deletes a photo, kept or not (a report de-identified: erasure, retention). Nothing stored under `id`: nothing happens. */
  remove(id: string): Promise<void>;
  /** Drafts stored before `before`, oldest first. */
  drafts(before: Date, limit: number): Promise<MediaDraft[]>;
  /** The photos kept for good (no drafts) stored before `before`, in no order. */
  kept(before: Date): AsyncIterable<string>;
}

/** Where an outbound message stands: waiting (or waiting again after a failure), being sent under a lease, sent, or given up. */
export type OutboxState = "pending" | "sending" | "sent" | "failed";

/**
 * A message the bot sends on its own initiative (a reply a channel could not take, a status notice,
 * an announcement), kept until the platform accepted it. The producer chooses the id, so adding the
 * same message twice (a retried operation) keeps one row.
 */
export interface OutboxItem {
  id: string;
  channel: ChannelName;
  chatId: string;
  /** What it is: "reply", "notice", "announcement", "digest"… */
  kind: string;
  /** What it is about (a report id, an announcement id), to follow a delivery. */
  ref: string | null;
  /** What is sent; null once it is sent or given up (what went to a chat is not kept). */
  payload: OutboundMessage | null;
  state: OutboxState;
  attempts: number;
  /** Not sent before this time (a retry's backoff, or a scheduled message). */
  notBefore: Date;
  /** Who is sending it and until when; after that another worker may take it over. */
  owner: string | null;
  leaseUntil: Date | null;
  sentAt: Date | null;
  /** When it was given up (state `failed`); kept 30 days from then, as a sent one from `sentAt`. */
  failedAt?: Date;
  /** The platform's id for the sent message (to edit it, or to match delivery receipts). */
  platformId: string | null;
  /** Why the last attempt failed: a short code, never a message text. */
  error: string | null;
  /** What the platform reported after accepting it (WhatsApp's statuses): only ever moves forward. */
  receipt?: OutboxReceipt;
  createdAt: Date;
  /** Order among items created at the same instant (the replies of one step). */
  seq: number;
}

/** An item still to be sent (pending, or being sent): what it sends is there. */
export type UnsentOutboxItem = OutboxItem & { payload: OutboundMessage };

/** Delivery receipts in the order they can follow one another; `failed` ends it (the platform could not deliver). */
export const OUTBOX_RECEIPTS = ["sent", "delivered", "read", "failed"] as const;
export type OutboxReceipt = (typeof OUTBOX_RECEIPTS)[number];

export type NewOutboxItem = Pick<OutboxItem, "id" | "channel" | "chatId" | "kind"> & { payload: OutboundMessage } & Partial<
    Pick<OutboxItem, "ref" | "notBefore" | "seq">
  > & { createdAt: Date };

/**
 * The durable outbox. Messages of one chat go out in order: only the oldest unsent item of a chat
 * can be claimed, so a later one never overtakes an earlier one that is waiting for a retry.
 */
export interface OutboxRepository {
  /** Adds items; an id already present is left as it is. Resolves with how many were new. */
  add(items: NewOutboxItem[]): Promise<number>;
  /**
   * Claims up to `limit` items of `channel` that are due at `now`, at most one per chat (its oldest
   * unsent), leasing them to `owner` until `now + leaseMs`. An item whose lease ran out (its worker died)
   * is due again. Two workers never hold the same item.
   */
  claim(channel: ChannelName, owner: string, now: Date, leaseMs: number, limit: number): Promise<UnsentOutboxItem[]>;
  /**
   * Claims, oldest first, the unsent items of one chat that may go now (a conversation turn answers
   * that chat live and sends them first), stopping at the first that may not: scheduled for later or
   * held by another worker. A retry's backoff does not count: the chat is reachable now.
   */
  claimChat(channel: ChannelName, chatId: string, owner: string, now: Date, leaseMs: number): Promise<UnsentOutboxItem[]>;
  /** Records the send and drops its payload; false when `owner` no longer held the item (its lease was taken over). */
  markSent(id: string, owner: string, at: Date, platformId: string | null): Promise<boolean>;
  /** Gives the item back for another attempt not before `notBefore`. */
  markRetry(id: string, owner: string, notBefore: Date, error: string): Promise<void>;
  /** A channel is back: its items waiting out a retry's pause may go now (scheduled ones keep their time). */
  retryNow(channel: ChannelName, now: Date): Promise<void>;
  /**
   * Records a receipt for the item sent with `platformId` on `channel` (and `error`, a short code, for
   * `failed`), unless it already has a later one (receipts may arrive out of order). False when no
   * item matched, or it already knew better.
   */
  markReceipt(channel: ChannelName, platformId: string, receipt: OutboxReceipt, error: string | null): Promise<boolean>;
  /** Gives up on the item at `at` (the chat blocked the bot, the attempts ran out) and drops its payload. */
  markFailed(id: string, owner: string, error: string, at: Date): Promise<void>;
  /**
   * Gives up, at `at`, every item created before `before` and not sent (a web chat whose page never opened
   * again, a WhatsApp chat that never wrote again), unless a worker may still hold it (its lease ran out less
   * than HELD_PAST_LEASE_MS before `at`) or it was never tried and is scheduled for later than `before`, and drops its payload (error `never_reached`; kept 30 days as any item
   * given up). Resolves with how many.
   */
  giveUpWaiting(before: Date, at: Date): Promise<number>;
  /**
   * Drops an item its producer no longer wants sent, before it goes (an announcement to a chat that
   * unsubscribed or erased its data after the item was written): nothing of it is kept. False when
   * `owner` does not hold it (its lease was taken over, it is gone).
   */
  withdraw(id: string, owner: string): Promise<boolean>;
  /**
   * Drops every item of one chat (the citizen's data deleted at their request): what was sent or given up,
   * what still waits, and one being sent right now (its worker's record of the send then finds nothing, and a
   * failed attempt leaves nothing to try again). Resolves with how many went.
   */
  forgetChat(channel: ChannelName, chatId: string): Promise<number>;
  get(id: string): Promise<OutboxItem | null>;
  /** The unsent items of one chat, oldest first. */
  unsentFor(channel: ChannelName, chatId: string): Promise<UnsentOutboxItem[]>;
  /** How many items are not sent yet (pending or sending), and the creation time of the oldest. */
  depth(): Promise<{ unsent: number; oldest: Date | null }>;
  /** How many items about `ref` (an announcement) are in each state. */
  countByRef(ref: string): Promise<Record<OutboxState, number>>;
}

/** The audit trail: what happened, when and by whom; never message text. */
export interface EventRepository {
  /** Records events; an id already recorded is left as it is. */
  append(events: RecordedEvent[]): Promise<void>;
  /** Newest first. */
  list(filter: { report?: string; municipality?: string; citizen?: string; type?: string }, limit: number): Promise<RecordedEvent[]>;
  /**
   * The trail keeps what happened but no longer who: every entry about the citizen loses their id
   * (their data deleted at their request). Resolves with how many entries changed.
   */
  forgetCitizen(citizen: string): Promise<number>;
  /**
   * Entries that still name their citizen by chat id (written before the trail used pseudonyms) get
   * `pseudonym(id)` instead, in the lifted field and the event's own copy. Resolves with how many changed.
   */
  pseudonymizeCitizens(pseudonym: (id: string) => string): Promise<number>;
}

/** Citizens following reports they did not file under their name. */
export interface FollowRepository {
  /** Adds a follow; false when this citizen already follows this report. */
  add(follow: Follow): Promise<boolean>;
  forReport(report: string): Promise<Follow[]>;
  forCitizen(citizen: string): Promise<Follow[]>;
  /** Drops follows of a report, of one kind or all; resolves with how many went. */
  drop(report: string, kind?: FollowKind): Promise<number>;
  /** Drops every follow of a citizen (their data deleted); resolves with how many went. */
  dropCitizen(citizen: string): Promise<number>;
}

/** Members of the secretariats. */
export interface MemberRepository {
  get(id: string): Promise<Member | null>;
  byTelegramId(telegramId: string): Promise<Member | null>;
  /** Members who act on `municipality` (admins of every municipality included), or everyone; by name. */
  list(municipality?: string): Promise<Member[]>;
  /** Adds or replaces a member; a Telegram id another member has is refused (DuplicateError). */
  save(member: Member): Promise<void>;
  /**
   * Sets the member's panel password hash, in one change of that field alone: a logout at the same
   * moment is not undone. False when there is no such member.
   */
  setPasswordHash(id: string, hash: string, at: Date): Promise<boolean>;
  /** Adds one to the member's `sessionEpoch`, in one change (two logouts at once count two). False when there is no such member. */
  endSessions(id: string, at: Date): Promise<boolean>;
  remove(id: string): Promise<boolean>;
}

/** Telegram chats linked to municipalities. One chat has at most one link per purpose. */
export interface LinkedChatRepository {
  get(chatId: string, purpose: ChatPurpose): Promise<LinkedChat | null>;
  /** The chats of a municipality for a purpose, oldest link first. */
  byMunicipality(municipality: string, purpose: ChatPurpose): Promise<LinkedChat[]>;
  /** Every chat linked for a purpose, oldest link first. */
  list(purpose: ChatPurpose): Promise<LinkedChat[]>;
  save(chat: LinkedChat): Promise<void>;
  remove(chatId: string, purpose: ChatPurpose): Promise<boolean>;
}

/** Where each report's card is in its secretariat group. One card per report: a new one replaces the old. */
export interface CardRepository {
  get(report: string): Promise<ReportCard | null>;
  save(card: ReportCard): Promise<void>;
}

/** The bot's questions in groups, found by the message a member replies to; forgotten after PROMPT_TTL_S (domain/model/card.ts). */
export interface PromptRepository {
  save(prompt: GroupPrompt): Promise<void>;
  get(chatId: string, messageId: number): Promise<GroupPrompt | null>;
  remove(chatId: string, messageId: number): Promise<boolean>;
}

/** Conversations of citizens with a person of the secretariat. */
export interface HandoffRepository {
  get(id: string): Promise<Handoff | null>;
  /** The citizen's open conversation, if any (at most one is open at a time). */
  openFor(citizen: string): Promise<Handoff | null>;
  save(handoff: Handoff): Promise<void>;
  /** Every conversation with a person the citizen had, oldest first. */
  forCitizen(citizen: string): Promise<Handoff[]>;
  /** Erases them all (their data deleted); resolves with how many went. */
  dropCitizen(citizen: string): Promise<number>;
}

/** The Planes de Acción Municipales: one per municipality. */
export interface PlanRepository {
  get(municipality: string): Promise<Plan | null>;
  save(plan: Plan): Promise<void>;
  /** Every plan, by municipality key. */
  list(): Promise<Plan[]>;
}

/** The commitments of the plans, each written on the version it was read at (as reports are). */
export interface CommitmentRepository {
  get(id: string): Promise<Commitment | null>;
  /** A municipality's commitments, by number. */
  forMunicipality(municipality: string): Promise<Commitment[]>;
  /** The commitments a report is linked to. */
  withReport(report: string): Promise<Commitment[]>;
  /** Adds a new commitment; one with its id already there is refused (DuplicateError). */
  insert(commitment: Commitment): Promise<void>;
  /** Replaces it if still at `expectedVersion`; false otherwise, and nothing is written. */
  update(commitment: Commitment, expectedVersion: number): Promise<boolean>;
  /** Commitments whose changes are not all queued as notices yet, oldest change first. */
  undispatched(limit: number): Promise<Commitment[]>;
  /** Records that the notices of `version` are queued; pending stays if it changed meanwhile. */
  markDispatched(id: string, version: number): Promise<void>;
}

/** Citizens following commitments. */
export interface CommitmentFollowRepository {
  /** False when this citizen already follows it. */
  add(follow: CommitmentFollow): Promise<boolean>;
  /** False when they did not follow it. */
  remove(commitment: string, citizen: string): Promise<boolean>;
  get(commitment: string, citizen: string): Promise<CommitmentFollow | null>;
  forCommitment(commitment: string): Promise<CommitmentFollow[]>;
  forCitizen(citizen: string): Promise<CommitmentFollow[]>;
  /** Drops every follow of a citizen ("baja"); resolves with how many went. */
  dropCitizen(citizen: string): Promise<number>;
}

/** The announcements of the municipalities. */
export interface AnnouncementRepository {
  /** Adds a new one; one with its id already there is refused (DuplicateError). */
  insert(announcement: Announcement): Promise<void>;
  get(id: string): Promise<Announcement | null>;
  /** Replaces it if it is still in `expectedState`; false otherwise, and nothing is written. */
  update(announcement: Announcement, expectedState: Announcement["state"]): Promise<boolean>;
  /** Scheduled ones whose time is at or before `now`, oldest time first. */
  due(now: Date, limit: number): Promise<Announcement[]>;
  /** Newest first; of one municipality, or all. */
  list(municipality: string | undefined, limit: number): Promise<Announcement[]>;
  /**
   * The one of `municipality` that went out to its subscribers (queued, with that audience) latest at a time
   * between `since` and `now`; of two at the same time, the one created last.
   */
  latestSent(municipality: string, since: Date, now: Date): Promise<Announcement | null>;
  /** Every photo (media id) an announcement holds, whatever its state. */
  photoIds(): AsyncIterable<string>;
}

/** Citizens subscribed to municipalities' announcements: one row per citizen and municipality. */
export interface SubscriptionRepository {
  /** False when the citizen was already subscribed to it. */
  add(subscription: Subscription): Promise<boolean>;
  /** False when they were not. */
  remove(citizen: string, municipality: string): Promise<boolean>;
  forCitizen(citizen: string): Promise<Subscription[]>;
  /** Oldest first. */
  forMunicipality(municipality: string): Promise<Subscription[]>;
  /** Drops every subscription of a citizen ("baja", a blocked bot); resolves with how many went. */
  dropCitizen(citizen: string): Promise<number>;
}

/** A write refused because it would repeat a unique value (a folio, a Telegram id). */
export class DuplicateError extends Error {}

/**
 * Files kept by name where every process of the bot reaches them (the WhatsApp Web session, so the
 * process that runs WhatsApp restores it without a new QR). Only a store shared between machines
 * has them (MongoDB); the embedded store's process keeps such files on its own disk.
 */
export interface SharedFiles {
  exists(name: string): Promise<boolean>;
  /** Stores the file at `fromPath` under `name`; the previous version goes only once the new one is complete. */
  upload(name: string, fromPath: string): Promise<void>;
  /** Writes the newest version to `toPath`; false when there is none. */
  download(name: string, toPath: string): Promise<boolean>;
  /**
   * Stores the file at `fromPath` as `name`'s first version unless one was stored so already, and
   * writes the first version to `toPath`: processes doing this at the same time all get the same file.
   */
  createOnce(name: string, fromPath: string, toPath: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export interface Store {
  kind: "embedded" | "mongodb";
  /**
   * Finishes what opening in the background left for later (the embedded audit trail): once, later
   * calls get the same promise; rejects with why it cannot be (the process cannot go on). The
   * service calls it once it listens; a call that needs what it makes waits for it anyway.
   */
  finishLoading?(): Promise<void>;
  citizens: CitizenRepository;
  conversations: ConversationRepository;
  reports: ReportRepository;
  inbound: InboundRepository;
  counters: CounterRepository;
  media: MediaRepository;
  outbox: OutboxRepository;
  events: EventRepository;
  members: MemberRepository;
  follows: FollowRepository;
  chats: LinkedChatRepository;
  cards: CardRepository;
  prompts: PromptRepository;
  handoffs: HandoffRepository;
  plans: PlanRepository;
  commitments: CommitmentRepository;
  commitmentFollows: CommitmentFollowRepository;
  announcements: AnnouncementRepository;
  subscriptions: SubscriptionRepository;
  /** Present when the store is shared between machines (MongoDB). */
  sharedFiles?: SharedFiles;
  /** Resolves when the store answers (the health check). */
  ping(): Promise<void>;
  /** Whether an error means the store is away for now (a dropped connection), so the message should wait, not fail. */
  unavailable(err: unknown): boolean;
  close(): Promise<void>;
}

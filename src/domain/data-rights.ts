/**
 * A citizen's rights over their personal data (derechos ARCO), exercised from the chat with "mis datos":
 * see everything held about them, take it as a file, correct their language and municipality, stop every
 * notice, delete it all. Their reports stay, de-identified: a public problem is not personal data once
 * nothing in it leads to who reported it. Each request is recorded for the secretariat with its legal
 * deadline (20 business days) and no trace of who asked; the retention job de-identifies closed reports
 * the same way after RETENTION_DAYS.
 */

import { createHash } from "node:crypto";
import type {
  CitizenRepository,
  CommitmentFollowRepository,
  ConversationRepository,
  EventRepository,
  FollowRepository,
  HandoffRepository,
  MediaRepository,
  OutboxRepository,
  ReportRepository,
  SubscriptionRepository,
} from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { daysBefore } from "../util/clock.js";
import { addressOf, type Citizen } from "./model/citizen.js";
import { type DomainEvent, type RecordedEvent, recordEvent } from "./model/events.js";
import { handoffCode } from "./model/handoff.js";
import type { Member } from "./model/member.js";
import type { CalendarDate } from "./model/plan.js";
import { lastChange, type Report } from "./model/report.js";
import { roundedPoint } from "./open-data.js";
import { calendarDate } from "./plan/progress.js";
import type { Lifecycle } from "./statuses.js";
import { CITIZEN } from "./triage.js";

/** The rights a citizen exercises in the chat: access (see), portability (the file), rectification, opposition (no notices), cancellation (delete). */
export const DATA_RIGHTS = ["access", "portability", "rectification", "opposition", "cancellation"] as const;
export type DataRight = (typeof DATA_RIGHTS)[number];

/** Días hábiles the law gives the responsible party to answer an ARCO request. */
export const LEGAL_BUSINESS_DAYS = 20;

/** The most of one citizen's reports the chat deals with at once (a citizen has a handful). */
const MAX_REPORTS = 1000;

/** `n` business days (Monday to Friday) after a calendar date. Public holidays are not counted out. */
export function addBusinessDays(date: CalendarDate, n: number): CalendarDate {
  const d = new Date(`${date}T12:00:00Z`);
  let left = n;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

/** Everything the bot holds about one citizen, as they may see it and take it away. */
export interface HeldData {
  citizen: {
    channel: string;
    language: string;
    municipality: string | null;
    consent: { version: string; at: string } | null;
    noticesStoppedAt: string | null;
    since: string;
  } | null;
  reports: {
    folio: string;
    municipality: string;
    category: string;
    description: string;
    address: string | null;
    location: { latitude: number; longitude: number } | null;
    photos: number;
    status: string;
    created: string;
    /** What they answered the secretariat on it (flows/reply.yaml). */
    replies: { at: string; text: string }[];
  }[];
  /** Reports followed ("a mí también me afecta"), or anonymous reports of theirs they hear about. */
  follows: { folio: string; kind: string; since: string }[];
  commitments: { commitment: string; since: string }[];
  /** Municipalities whose announcements they receive. */
  subscriptions: { municipality: string; since: string }[];
  handoffs: { code: string; municipality: string; state: string; opened: string; closed: string | null }[];
  /**
   * The conversation: where it is, and a report not sent kept in it (`unsent`: its answers as they are
   * kept — what was typed, the address, the point — until sent or forgotten after DRAFT_DAYS).
   */
  conversation: { flow: string | null; updated: string; unsent: Record<string, unknown> | null } | null;
  /** The audit trail's entries about them: what, when (never a text). */
  events: { type: string; at: string }[];
}

/** How a request is recorded (the audit trail's `data_request`): a code, the right, the dates; never who. */
export interface DataRequest {
  code: string;
  right: DataRight;
  municipality: string | null;
  at: Date;
  deadline: CalendarDate;
  /** Answered in the chat at once ("atendida"), or still to be answered by the secretariat. */
  state: "done" | "pending";
  /** For a request a member marked done: when, and which member (their id). */
  done?: { at: Date; by: string };
}

/** How marking a request done went. */
export type MarkDoneResult = { ok: true; request: DataRequest } | { ok: false; problem: "not_found" | "already_done" };

/** The requests a trail holds at most (they are few: one per "mis datos" choice). */
const MAX_REQUESTS = 10_000;

export interface DataRightsDeps {
  citizens: CitizenRepository;
  conversations: ConversationRepository;
  reports: ReportRepository;
  follows: FollowRepository;
  commitmentFollows: CommitmentFollowRepository;
  /** Subscriptions to municipalities' announcements ("Avisos de mi municipio"). */
  subscriptions: SubscriptionRepository;
  handoffs: HandoffRepository;
  events: EventRepository;
  media: MediaRepository;
  /** What was sent to their chat, or waits to be (notices, announcements): forgotten with the rest. */
  outbox: Pick<OutboxRepository, "forgetChat">;
  lifecycle: Lifecycle;
  clock: Clock;
  timeZone: string;
  /** Told after a report was de-identified (its card in the group is refreshed). */
  changed?: () => void;
  /** Told after a citizen's data was erased: what is remembered in memory of texts people wrote is forgotten. */
  erased?: () => void;
}

/**
 * Reports the retention job reads at a time: each page is one query over the closed reports (the
 * embedded store matches and sorts them all for each), so a backlog of 40,000 takes 20 of them, not 200.
 */
const PURGE_BATCH = 2000;

/** What a report keeps once its citizen's data is gone: no text of theirs, no address, no chat, a rounded place. */
export function deidentified(report: Report, at: Date): Report {
  const published = report.publication?.photos ?? [];
  return {
    ...report,
    description: "",
    // Its replies to the secretariat are its words too; the members' own notes stay.
    notes: report.notes.filter((n) => n.by !== CITIZEN),
    address: null,
    location: report.location ? roundedPoint(report.location) : null,
    photos: report.photos.filter((id) => published.includes(id)),
    citizenId: null,
    contactable: false,
    purgedAt: at,
    version: report.version + 1,
    dispatchPending: true,
    updatedAt: at,
  };
}

export class DataRights {
  constructor(private readonly deps: DataRightsDeps) {}

  /** Everything held about the citizen of `id` (`channel:chatId`). */
  async held(id: string): Promise<HeldData> {
    const d = this.deps;
    const [citizen, reports, follows, commitments, subscriptions, handoffs, conversation, events] = await Promise.all([
      d.citizens.get(id),
      d.reports.byCitizen(id, MAX_REPORTS),
      d.follows.forCitizen(id),
      d.commitmentFollows.forCitizen(id),
      d.subscriptions.forCitizen(id),
      d.handoffs.forCitizen(id),
      d.conversations.get(id),
      d.events.list({ citizen: id }, 1000),
    ]);
    const folios = await Promise.all(follows.map(async (f) => (await d.reports.byId(f.report))?.folio ?? ""));
    const iso = (at: Date | null | undefined) => (at ? new Date(at).toISOString() : null);
    return {
      citizen: citizen
        ? {
            channel: citizen.channel,
            language: citizen.language,
            municipality: citizen.municipality ?? null,
            consent: citizen.consent ? { version: citizen.consent.version, at: new Date(citizen.consent.at).toISOString() } : null,
            noticesStoppedAt: iso(citizen.noticesStoppedAt),
            since: new Date(citizen.createdAt).toISOString(),
          }
        : null,
      reports: reports.map((r) => ({
        folio: r.folio,
        municipality: r.municipality,
        category: r.category,
        description: r.description,
        address: r.address,
        location: r.location,
        photos: r.photos.length,
        status: r.status,
        created: r.createdAt.toISOString(),
        replies: r.notes.filter((n) => n.by === CITIZEN).map((n) => ({ at: n.at.toISOString(), text: n.text })),
      })),
      follows: follows.map((f, i) => ({ folio: folios[i], kind: f.kind, since: new Date(f.since).toISOString() })),
      commitments: commitments.map((c) => ({ commitment: c.commitment, since: new Date(c.since).toISOString() })),
      subscriptions: subscriptions.map((x) => ({ municipality: x.municipality, since: new Date(x.since).toISOString() })),
      handoffs: handoffs.map((h) => ({
        code: handoffCode(h),
        municipality: h.municipality,
        state: h.state,
        opened: new Date(h.openedAt).toISOString(),
        closed: iso(h.closedAt),
      })),
      conversation: conversation
        ? { flow: flowOf(conversation.state), updated: new Date(conversation.updatedAt).toISOString(), unsent: unsentOf(conversation.state) }
        : null,
      events: events.map((e) => ({ type: e.type, at: new Date(e.at).toISOString() })),
    };
  }

  /**
   * Deletes the citizen's data: the citizen record, their conversation, every follow (reports and
   * commitments), their subscriptions to announcements, their conversations with a person, what the
   * outbox holds for their chat (sent, given up, waiting or being sent), and their id in the audit trail;
   * their reports stay, de-identified. The conversation runtime saves a fresh conversation after this turn.
   */
  async erase(id: string): Promise<{ reports: number; follows: number; commitments: number; handoffs: number }> {
    const d = this.deps;
    const at = d.clock.now();
    const reports = await d.reports.byCitizen(id, MAX_REPORTS);
    // Their anonymous reports «con avisos» are theirs too, told only by the follow that brings the notices:
    // their words go with the rest, before that last link to them does.
    for (const follow of await d.follows.forCitizen(id)) {
      if (follow.kind !== "anonymous_author") continue;
      const report = await d.reports.byId(follow.report);
      if (report && !reports.some((r) => r.id === report.id)) reports.push(report);
    }
    for (const report of reports) await this.deidentify(report, at);
    const follows = await d.follows.dropCitizen(id);
    const commitments = await d.commitmentFollows.dropCitizen(id);
    await d.subscriptions.dropCitizen(id);
    const handoffs = await d.handoffs.dropCitizen(id);
    await d.events.forgetCitizen(id);
    await d.citizens.remove(id);
    // Once the record is gone: a notice written from what was read before is dropped here, and one
    // written after is withdrawn before it goes (notify/wanted.ts: no record, no notice).
    const address = addressOf(id);
    if (address) await d.outbox.forgetChat(address.channel, address.chatId);
    // The conversation last: should a step before fail, it still waits at «¿Borramos tus datos?» and a
    // «sí» again erases what is left.
    await d.conversations.remove(id);
    d.erased?.();
    if (reports.length) d.changed?.();
    return { reports: reports.length, follows, commitments, handoffs };
  }

  /**
   * The retention job: closed reports whose last change is older than `days` lose what could name their
   * citizen, and their follows go — every one that is due, oldest first, `batch` at a time (a report
   * created long ago but changed lately is passed over, never stops the walk). Resolves with how many
   * were de-identified.
   */
  async purgeClosed(days: number, batch = PURGE_BATCH): Promise<number> {
    const d = this.deps;
    const now = d.clock.now();
    const cutoff = daysBefore(now, days);
    const closed = d.lifecycle.all.filter((s) => !d.lifecycle.isOpen(s));
    let purged = 0;
    let since: Date | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await d.reports.list({ statuses: closed, until: cutoff, unpurged: true, oldestFirst: true, ...(since ? { since } : {}) }, batch);
      const fresh = page.filter((r) => !seen.has(r.id));
      for (const report of fresh) {
        seen.add(report.id);
        const last = lastChange(report.history)?.at ?? report.updatedAt;
        if (new Date(last).getTime() > cutoff.getTime()) continue;
        if (!(await this.deidentify(report, now))) continue;
        await d.follows.drop(report.id);
        purged++;
      }
      // The next page starts where this one ended (`since` is inclusive: those seen are skipped).
      if (page.length < batch || fresh.length === 0) break;
      since = page.at(-1)?.createdAt;
      // Messages waiting meanwhile go first.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (purged) d.changed?.();
    return purged;
  }

  /** Records a request with its legal deadline in the audit trail, naming nobody. */
  async record(right: DataRight, citizen: Pick<Citizen, "id" | "municipality">, state: DataRequest["state"] = "done"): Promise<DataRequest> {
    const at = this.deps.clock.now();
    const code = `A-${createHash("sha256").update(`${citizen.id}|${right}|${at.toISOString()}`).digest("hex").slice(0, 6).toUpperCase()}`;
    const deadline = addBusinessDays(calendarDate(at, this.deps.timeZone), LEGAL_BUSINESS_DAYS);
    const request: DataRequest = { code, right, municipality: citizen.municipality ?? null, at, deadline, state };
    const event: DomainEvent = { type: "data_request", code, right, municipality: request.municipality, deadline, state };
    await this.deps.events.append([recordEvent(event, `data-request:${code}`, at, "citizen")]);
    return request;
  }

  /** The requests recorded, newest first (the secretariat's list), with those a member marked done as done. */
  async requests(limit = 200, municipality?: string): Promise<DataRequest[]> {
    const scope = municipality ? { municipality } : {};
    const [found, done] = await Promise.all([
      this.deps.events.list({ type: "data_request", ...scope }, limit),
      this.deps.events.list({ type: "data_request_done", ...scope }, MAX_REQUESTS),
    ]);
    const closed = new Map(done.map((e) => [String(e.data.code), { at: new Date(e.at), by: e.actor }]));
    return found.map((e) => {
      const request = requestOf(e);
      const marked = closed.get(request.code);
      return marked ? { ...request, state: "done", done: marked } : request;
    });
  }

  /**
   * Requests still waiting for a person, oldest deadline first: of the municipalities in `scope`
   * (a member's), or of all (an admin of every one, `undefined`), which alone sees those of no municipality.
   */
  async pending(scope?: readonly string[]): Promise<DataRequest[]> {
    const all = await this.requests(MAX_REQUESTS);
    return all
      .filter((r) => r.state === "pending" && (scope === undefined || (r.municipality !== null && scope.includes(r.municipality))))
      .sort((a, b) => a.deadline.localeCompare(b.deadline) || a.at.getTime() - b.at.getTime());
  }

  /** A member marks a pending request done (it was answered outside the chat); recorded in the audit trail as theirs. */
  async markDone(code: string, by: Pick<Member, "id">, mayAct: (municipality: string | null) => boolean): Promise<MarkDoneResult> {
    const request = (await this.requests(MAX_REQUESTS)).find((r) => r.code === code);
    if (!request || !mayAct(request.municipality)) return { ok: false, problem: "not_found" };
    if (request.state === "done") return { ok: false, problem: "already_done" };
    const at = this.deps.clock.now();
    const event: DomainEvent = { type: "data_request_done", code, municipality: request.municipality };
    await this.deps.events.append([recordEvent(event, `data-request:${code}:done`, at, by.id)]);
    return { ok: true, request: { ...request, state: "done", done: { at, by: by.id } } };
  }

  private async deidentify(report: Report, at: Date): Promise<boolean> {
    const d = this.deps;
    let current: Report | null = report;
    // Written on the version read; one retry if a member changed it meanwhile.
    for (let attempt = 0; current && attempt < 3; attempt++) {
      const next = deidentified(current, at);
      // The photos go first, kept ones too (`discard` leaves a report's photos): once the report no longer
      // names them, nothing would find them again if their removal failed. A removal that fails stops
      // here, with the report as it was, and the request is tried again whole.
      for (const id of current.photos.filter((p) => !next.photos.includes(p))) await d.media.remove(id);
      if (await d.reports.update(next, current.version)) return true;
      current = await d.reports.byId(report.id);
    }
    return false;
  }
}

/** The answers of a report not sent the conversation keeps aside (`vars.draft.vars`), without who the citizen is (given above). */
function unsentOf(state: unknown): Record<string, unknown> | null {
  const answers = (state as { vars?: { draft?: { vars?: unknown } } } | null)?.vars?.draft?.vars;
  if (typeof answers !== "object" || answers === null || Array.isArray(answers)) return null;
  const { citizen: _citizen, ...rest } = answers as Record<string, unknown>;
  return rest;
}

function flowOf(state: unknown): string | null {
  const flow = (state as { engine?: { flow?: unknown }; flow?: unknown } | null)?.flow;
  return typeof flow === "string" ? flow : null;
}

function requestOf(e: RecordedEvent): DataRequest {
  return {
    code: String(e.data.code),
    right: e.data.right as DataRight,
    municipality: (e.data.municipality as string | null) ?? null,
    at: new Date(e.at),
    deadline: String(e.data.deadline),
    state: e.data.state === "pending" ? "pending" : "done",
  };
}

/**
 * The MongoDB schemas against the records they store. The schemas are strict (`strict: "throw"`):
 * a field the domain writes and its schema does not name is refused by mongoose on every save — on
 * MongoDB only, never on the embedded store. Each record type's keys are listed here for the compiler
 * (`keys<T>`: a key added to the type and not here does not compile), and each must be a path of its
 * schema. A conversation with a question on top (`aside`) and a reply carrying a file are saved
 * through the driver too (test/mongo-wire.test.ts).
 */
import type { Schema } from "mongoose";
import { describe, expect, it } from "vitest";
import type { Announcement, Subscription } from "../src/domain/model/announcement.js";
import type { GroupPrompt, ReportCard } from "../src/domain/model/card.js";
import type { Citizen } from "../src/domain/model/citizen.js";
import type { RecordedEvent } from "../src/domain/model/events.js";
import type { Follow } from "../src/domain/model/follow.js";
import type { Handoff } from "../src/domain/model/handoff.js";
import type { LinkedChat } from "../src/domain/model/linked-chat.js";
import type { Member } from "../src/domain/model/member.js";
import type { OutboundMessage } from "../src/domain/model/message.js";
import type { Commitment, CommitmentFollow, Indicator, Milestone, Plan } from "../src/domain/model/plan.js";
import type { InternalNote, Publication, Report, StatusChange } from "../src/domain/model/report.js";
import type { ConversationState } from "../src/engine/types.js";
import { announcementSchema, subscriptionSchema } from "../src/store/mongo/announcements.js";
import { citizenSchema } from "../src/store/mongo/citizens.js";
import { conversationSchema, pendingSchema } from "../src/store/mongo/conversations.js";
import { eventSchema } from "../src/store/mongo/events.js";
import { followSchema } from "../src/store/mongo/follows.js";
import { linkedChatSchema, memberSchema } from "../src/store/mongo/members.js";
import { outboxSchema } from "../src/store/mongo/outbox.js";
import { commitmentFollowSchema, commitmentSchema, planSchema } from "../src/store/mongo/plans.js";
import { reportSchema } from "../src/store/mongo/reports.js";
import { cardSchema, handoffSchema, promptSchema } from "../src/store/mongo/secretariat.js";
import type { ConversationRecord, OutboxItem } from "../src/store/ports.js";

/** Every key of `T`, optional ones too: the compiler refuses a list with one missing or one too many. */
function keys<T>(list: { [K in keyof Required<T>]: true }): string[] {
  return Object.keys(list);
}

/** The keys of `expected` the schema has no path for (`id` may be stored as `_id`). */
function missing(schema: Schema | undefined, expected: string[]): string[] {
  return expected.filter((key) => !schema?.path(key) && !(key === "id" && schema?.path("_id")));
}

/** The schema of a subdocument or of an array of them at `path`; none when there is no such path. */
function sub(schema: Schema, path: string): Schema | undefined {
  return (schema.path(path) as unknown as { schema?: Schema } | undefined)?.schema;
}

const outbound = keys<OutboundMessage>({
  id: true,
  lang: true,
  text: true,
  choices: true,
  request: true,
  takesPhoto: true,
  notice: true,
  photo: true,
  file: true,
  threadId: true,
});

describe("every field a record can hold has its place in the MongoDB schema", () => {
  it.each<[string, Schema | undefined, string[]]>([
    [
      "citizen",
      citizenSchema,
      keys<Citizen>({
        id: true,
        channel: true,
        chatId: true,
        language: true,
        consent: true,
        municipality: true,
        noticesStoppedAt: true,
        createdAt: true,
        updatedAt: true,
      }),
    ],
    [
      "conversation",
      conversationSchema,
      keys<ConversationRecord>({ id: true, state: true, pending: true, updatedAt: true, handled: true, inboundAt: true, holdsDraft: true }),
    ],
    [
      "conversation's state",
      sub(conversationSchema, "state"),
      keys<ConversationState>({ flow: true, flowVersion: true, step: true, waiting: true, vars: true, attempts: true, lang: true, aside: true }),
    ],
    ["reply pending", pendingSchema, outbound],
    ["reply pending's file", sub(pendingSchema, "file"), keys<NonNullable<OutboundMessage["file"]>>({ ref: true, name: true, mime: true, fallback: true })],
    [
      "outbox item",
      outboxSchema,
      keys<OutboxItem>({
        id: true,
        channel: true,
        chatId: true,
        kind: true,
        ref: true,
        payload: true,
        state: true,
        attempts: true,
        notBefore: true,
        owner: true,
        leaseUntil: true,
        sentAt: true,
        failedAt: true,
        platformId: true,
        error: true,
        receipt: true,
        createdAt: true,
        seq: true,
      }),
    ],
    ["outbox item's message", sub(outboxSchema, "payload"), outbound],
    [
      "report",
      reportSchema,
      keys<Report>({
        id: true,
        folio: true,
        municipality: true,
        category: true,
        description: true,
        location: true,
        address: true,
        photos: true,
        channel: true,
        citizenId: true,
        anonymous: true,
        contactable: true,
        language: true,
        status: true,
        history: true,
        area: true,
        duplicateOf: true,
        notes: true,
        followers: true,
        version: true,
        dispatched: true,
        dispatchPending: true,
        publication: true,
        purgedAt: true,
        createdAt: true,
        updatedAt: true,
      }),
    ],
    [
      "report's history",
      sub(reportSchema, "history"),
      keys<StatusChange>({ status: true, at: true, by: true, note: true, kind: true, area: true, version: true }),
    ],
    ["report's notes", sub(reportSchema, "notes"), keys<InternalNote>({ at: true, by: true, text: true })],
    ["report's publication", sub(reportSchema, "publication"), keys<Publication>({ description: true, photos: true, by: true, at: true })],
    [
      "announcement",
      announcementSchema,
      keys<Announcement>({
        id: true,
        municipality: true,
        text: true,
        photo: true,
        audiences: true,
        at: true,
        state: true,
        createdBy: true,
        createdAt: true,
        queuedAt: true,
        recipients: true,
      }),
    ],
    ["subscription", subscriptionSchema, keys<Subscription>({ citizen: true, municipality: true, since: true, consent: true })],
    ["follow", followSchema, keys<Follow>({ report: true, citizen: true, kind: true, since: true })],
    ["event", eventSchema, keys<RecordedEvent>({ id: true, type: true, at: true, actor: true, report: true, municipality: true, citizen: true, data: true })],
    [
      "member",
      memberSchema,
      keys<Member>({
        id: true,
        name: true,
        role: true,
        municipalities: true,
        telegramId: true,
        passwordHash: true,
        sessionEpoch: true,
        createdAt: true,
        updatedAt: true,
      }),
    ],
    [
      "linked chat",
      linkedChatSchema,
      keys<LinkedChat>({ chatId: true, purpose: true, municipality: true, title: true, linkedBy: true, linkedAt: true, problem: true, threadId: true }),
    ],
    ["report card", cardSchema, keys<ReportCard>({ report: true, chatId: true, messageId: true, version: true, photo: true, postedAt: true, updatedAt: true })],
    [
      "group prompt",
      promptSchema,
      keys<GroupPrompt>({
        chatId: true,
        messageId: true,
        kind: true,
        report: true,
        version: true,
        status: true,
        handoff: true,
        commitment: true,
        item: true,
        view: true,
        draft: true,
        createdAt: true,
      }),
    ],
    [
      "handoff",
      handoffSchema,
      keys<Handoff>({
        id: true,
        citizen: true,
        municipality: true,
        chatId: true,
        messageId: true,
        lang: true,
        state: true,
        openedAt: true,
        closedAt: true,
        closedBy: true,
      }),
    ],
    ["plan", planSchema, keys<Plan>({ municipality: true, title: true, period: true, state: true, example: true, createdAt: true, updatedAt: true })],
    [
      "commitment",
      commitmentSchema,
      keys<Commitment>({
        id: true,
        municipality: true,
        number: true,
        title: true,
        problem: true,
        baseline: true,
        objective: true,
        actions: true,
        responsible: true,
        coResponsible: true,
        principles: true,
        start: true,
        end: true,
        state: true,
        milestones: true,
        indicators: true,
        reports: true,
        changes: true,
        version: true,
        dispatched: true,
        dispatchPending: true,
        createdAt: true,
        updatedAt: true,
      }),
    ],
    [
      "commitment's milestones",
      sub(commitmentSchema, "milestones"),
      keys<Milestone>({ number: true, title: true, due: true, done: true, evidence: true, weight: true, reason: true }),
    ],
    [
      "commitment's indicators",
      sub(commitmentSchema, "indicators"),
      keys<Indicator>({ number: true, name: true, unit: true, baseline: true, target: true, current: true, date: true }),
    ],
    ["commitment follow", commitmentFollowSchema, keys<CommitmentFollow>({ commitment: true, citizen: true, since: true })],
  ])("%s", (_name, schema, expected) => {
    expect(missing(schema, expected)).toEqual([]);
  });
});

/**
 * Conversations are not kept for ever.
 *
 * - A report never sent, half written or set aside, waits in its conversation to be offered back; once the
 *   conversation has been silent for DRAFT_DAYS, an hourly pass forgets it — what was typed, the address,
 *   the point, the photo — and the citizen is told when they come back (`draft.forgotten`, flows/menu.yaml
 *   and report.yaml). Only conversations saved as holding one are read (`holdsDraft`), oldest first, and
 *   those saved before that mark existed.
 * - A conversation holding none, silent for CONVERSATION_DAYS (at least DRAFT_DAYS, so the citizen is told
 *   of a forgotten report first), is deleted whole: where it was, its language, its messages' ids. The
 *   chat's id goes with it: a visitor who never accepted the privacy notice leaves nothing. Reports,
 *   consent and follows are not in it (their retention is domain/retention.ts and «Borrar mis datos»).
 * - What the bot says on its own waits in the outbox for its chat; one that has waited CONVERSATION_DAYS
 *   (a web chat whose page is never opened again, a WhatsApp chat that never writes again to open its 24
 *   hours) is given up, its text dropped — what is kept of a message given up is kept 30 days more, as of any other.
 *
 * Each change is made in the conversation's own turn, and only if nothing saved it meanwhile.
 */
import type { Engine } from "../engine/engine.js";
import type { Delivery } from "../notify/delivery.js";
import type { ConversationRecord, ConversationRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { daysBefore } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { ChatTurns } from "./chat-turns.js";
import type { DraftPhotos } from "./draft-photos.js";
import { madeByEngine, readState } from "./state.js";

const PASS_EVERY_MS = 60 * 60 * 1000;
/** The first pass, a minute after start-up (not during it). */
const FIRST_PASS_MS = 60 * 1000;
/** Conversations read at a time; a pass reads on while each read is full, up to MAX_BATCHES. */
const BATCH = 500;
const MAX_BATCHES = 40;

export interface ConversationRetentionDeps {
  engine: Engine;
  conversations: ConversationRepository;
  /** Where what the bot says on its own waits for its chat: given up after CONVERSATION_DAYS. */
  delivery: Pick<Delivery, "giveUpWaiting">;
  /** The conversations' queue: a draft is forgotten in its conversation's turn, never during one of its messages. */
  queue: ChatTurns;
  /** Deletes the photos the forgotten report held. */
  photos: DraftPhotos;
  clock: Clock;
  logger: Logger;
  /** Days of silence after which a report never sent is forgotten (DRAFT_DAYS). */
  draftDays: number;
  /** Days of silence after which a conversation holding none is deleted (CONVERSATION_DAYS). */
  conversationDays: number;
}

export class ConversationRetention {
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: ConversationRetentionDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      void this.pass();
      this.timer = setInterval(() => void this.pass(), PASS_EVERY_MS);
      this.timer.unref();
    }, FIRST_PASS_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Every pass, drafts first. A conversation whose report is forgotten is kept CONVERSATION_DAYS from
   * then, for the citizen to be told when back. Never rejects.
   */
  async pass(): Promise<void> {
    await this.forgetDrafts();
    await this.deleteIdle();
    await this.giveUpWaiting();
  }

  /** Gives up what has waited in the outbox for its chat longer than CONVERSATION_DAYS; resolves with how many. Never rejects. */
  async giveUpWaiting(): Promise<number> {
    const { deps } = this;
    try {
      const given = await deps.delivery.giveUpWaiting(daysBefore(deps.clock.now(), deps.conversationDays));
      if (given) deps.logger.info({ messages: given, days: deps.conversationDays }, "messages never delivered given up");
      return given;
    } catch (err) {
      deps.logger.warn({ err: errorInfo(err) }, "messages never delivered not given up");
      return 0;
    }
  }

  /** Forgets every report not sent in a conversation silent for longer than DRAFT_DAYS; resolves with how many. Never rejects. */
  async forgetDrafts(): Promise<number> {
    const { deps } = this;
    const before = daysBefore(deps.clock.now(), deps.draftDays);
    const forgotten = await this.inBatches(
      () => deps.conversations.withDraftBefore(before, BATCH),
      (id) => this.forget(id, before),
      "reports never sent not forgotten",
    );
    if (forgotten) deps.logger.info({ conversations: forgotten, days: deps.draftDays }, "reports never sent forgotten");
    return forgotten;
  }

  /**
   * Deletes every conversation holding no report unsent, silent for longer than CONVERSATION_DAYS; resolves
   * with how many. One waiting where nothing expires (a conversation with a person: the Secretariado may
   * still answer) stays; the pass reads on past it (page by page, by time), so it never holds the others up.
   * Never rejects.
   */
  async deleteIdle(): Promise<number> {
    const { deps } = this;
    const before = daysBefore(deps.clock.now(), deps.conversationDays);
    let after: Date | undefined;
    const deleted = await this.inBatches(
      async () => {
        const found = await deps.conversations.idleBefore(before, BATCH, after);
        const last = found.at(-1);
        if (last) after = new Date(last.updatedAt);
        return found;
      },
      (id) => this.deleteIfIdle(id, before),
      "silent conversations not deleted",
    );
    if (deleted) deps.logger.info({ conversations: deleted, days: deps.conversationDays }, "silent conversations deleted");
    return deleted;
  }

  /**
   * Reads conversations in batches (oldest first) and hands each to `each`; resolves with how many it
   * changed. Stops at a batch that was not full, or in which nothing moved (all written meanwhile).
   */
  private async inBatches(
    read: () => Promise<{ id: string }[]>,
    each: (id: string) => Promise<"forgotten" | "checked" | "kept" | "left">,
    failed: string,
  ): Promise<number> {
    let changed = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const found = await read();
        let moved = 0;
        for (const { id } of found) {
          const outcome = await each(id);
          if (outcome !== "left") moved++;
          if (outcome === "forgotten") changed++;
        }
        // A conversation that wrote meanwhile (or another process's pass) is left: never read it again here.
        if (found.length < BATCH || moved === 0) break;
      }
    } catch (err) {
      this.deps.logger.warn({ err: errorInfo(err) }, failed);
    }
    return changed;
  }

  /**
   * In the conversation's turn: deletes it if it still holds no report unsent, silent since before
   * `before`, and neither waits where nothing expires nor holds a forgotten report not yet told.
   */
  private deleteIfIdle(id: string, before: Date): Promise<"forgotten" | "kept" | "left"> {
    const { deps } = this;
    return deps.queue.run(id, async () => {
      const record = await deps.conversations.get(id);
      if (record?.holdsDraft !== false || new Date(record.updatedAt).getTime() >= before.getTime()) return "left";
      const state = readState(record.state);
      if (state && !deps.engine.expires(state)) return "kept";
      // A report forgotten less than CONVERSATION_DAYS ago, not yet told: kept for the citizen to hear of it.
      const forgotten = state ? deps.engine.draftForgottenAt(state) : undefined;
      if (forgotten && forgotten.getTime() >= before.getTime()) return "kept";
      return (await deps.conversations.removeIf(id, record)) ? "forgotten" : "left";
    });
  }

  /**
   * In the conversation's turn: forgets its report if it is still silent since before `before`. One
   * saved before the mark existed and holding none is marked (`checked`), so it is not read again.
   */
  private forget(id: string, before: Date): Promise<"forgotten" | "checked" | "left"> {
    const { deps } = this;
    return deps.queue.run(id, async () => {
      const record = await deps.conversations.get(id);
      if (!record || record.holdsDraft === false || new Date(record.updatedAt).getTime() >= before.getTime()) return "left";
      const state = readState(record.state);
      const after = state && deps.engine.keepsDraft(state) ? deps.engine.forgetDraft(state, deps.draftDays, deps.clock.now()) : null;
      const changed: ConversationRecord = after ? { ...record, state: madeByEngine(after), holdsDraft: false } : { ...record, holdsDraft: false };
      // Saved only if nothing changed it meanwhile (another process's turn, an erasure): otherwise the next pass.
      if (!(await deps.conversations.replaceIf(changed, record))) return "left";
      if (!after) return "checked";
      await deps.photos.release(state, after);
      return "forgotten";
    });
  }
}

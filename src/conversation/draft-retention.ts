/**
 * Reports never sent are not kept for ever. A report half written, or set aside, waits in its
 * conversation to be offered back; once the conversation has been silent for DRAFT_DAYS, an hourly
 * pass forgets it — what was typed, the address, the point, the photo — and the citizen is told
 * when they come back (`draft.forgotten`, flows/menu.yaml and report.yaml). Only conversations saved
 * as holding one are read (`holdsDraft`), oldest first, and those saved before that mark existed.
 */
import type { Engine } from "../engine/engine.js";
import type { ConversationRecord, ConversationRepository } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { DraftPhotos } from "./draft-photos.js";
import type { KeyedQueue } from "./keyed-queue.js";
import { madeByEngine, readState } from "./state.js";

const PASS_EVERY_MS = 60 * 60 * 1000;
/** The first pass, a minute after start-up (not during it). */
const FIRST_PASS_MS = 60 * 1000;
/** Conversations read at a time; a pass reads on while each read is full, up to MAX_BATCHES. */
const BATCH = 500;
const MAX_BATCHES = 40;

export interface DraftRetentionDeps {
  engine: Engine;
  conversations: ConversationRepository;
  /** The conversations' queue: a draft is forgotten in its conversation's turn, never during one of its messages. */
  queue: KeyedQueue;
  /** Deletes the photos the forgotten report held. */
  photos: DraftPhotos;
  clock: Clock;
  logger: Logger;
  days: number;
}

export class DraftRetention {
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: DraftRetentionDeps) {}

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

  /** Forgets every report not sent in a conversation silent for longer than `days`; resolves with how many. Never rejects. */
  async pass(): Promise<number> {
    const { deps } = this;
    const before = new Date(deps.clock.now().getTime() - deps.days * 24 * 60 * 60 * 1000);
    let forgotten = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const found = await deps.conversations.withDraftBefore(before, BATCH);
        let moved = 0;
        for (const { id } of found) {
          const outcome = await this.forget(id, before);
          if (outcome !== "left") moved++;
          if (outcome === "forgotten") forgotten++;
        }
        // A conversation that wrote meanwhile (or another process's pass) is left: never read it again here.
        if (found.length < BATCH || moved === 0) break;
      }
    } catch (err) {
      deps.logger.warn({ err: errorInfo(err) }, "reports never sent not forgotten");
    }
    if (forgotten) deps.logger.info({ conversations: forgotten, days: deps.days }, "reports never sent forgotten");
    return forgotten;
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
      const after = state && deps.engine.keepsDraft(state) ? deps.engine.forgetDraft(state, deps.days) : null;
      const changed: ConversationRecord = after ? { ...record, state: madeByEngine(after), holdsDraft: false } : { ...record, holdsDraft: false };
      // Saved only if nothing changed it meanwhile (another process's turn, an erasure): otherwise the next pass.
      if (!(await deps.conversations.replaceIf(changed, record))) return "left";
      if (!after) return "checked";
      await deps.photos.release(state, after);
      return "forgotten";
    });
  }
}

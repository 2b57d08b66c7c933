/**
 * Photos of reports never sent are not kept. A photo is stored as a draft of its conversation; it
 * is deleted as soon as the conversation lets go of it (the report discarded or cancelled, a kept
 * draft declined) unless a report kept it. A sweep every minute deletes the drafts no conversation
 * holds any more (a message that failed after the photo was stored), and those of conversations
 * silent for longer than `keepMs`: an expired report is offered back for a while, not for ever.
 */
import type { Photos } from "../domain/photos.js";
import type { Engine } from "../engine/engine.js";
import type { ConversationState } from "../engine/types.js";
import type { ConversationRepository, MediaDraft } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { ChatTurns } from "./chat-turns.js";
import { madeByEngine, readState } from "./state.js";

/** How often drafts are swept, and how old a draft must be before a sweep looks at it. */
const SWEEP_EVERY_MS = 60 * 1000;
/** Drafts read at a time; a sweep reads BATCH more while each read is full, up to MAX_PAGES times (`oldDrafts`). */
const BATCH = 500;
const MAX_PAGES = 20;

export interface DraftPhotosDeps {
  photos: Photos;
  engine: Engine;
  conversations: ConversationRepository;
  /** The conversations' queue: a draft is judged in its conversation's turn, never during one of its messages. */
  queue: ChatTurns;
  clock: Clock;
  logger: Logger;
  /** Silence after which the photos of an unsent report are deleted, even if it is kept to be offered back. */
  keepMs: number;
}

export class DraftPhotos {
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: DraftPhotosDeps) {}

  /**
   * After a message: the photos `before` held (and `added`, stored by this very message) that
   * `after` no longer holds are deleted, unless a report kept them.
   */
  async release(before: ConversationState | null, after: ConversationState, added: readonly string[] = []): Promise<void> {
    const { engine, photos } = this.deps;
    const held = new Set(engine.media(after));
    const dropped = [...engine.media(before), ...added].filter((id) => !held.has(id));
    if (dropped.length) await photos.discard(new Set(dropped));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * The drafts stored before `before`, oldest first, each once, BATCH more at a time up to MAX_PAGES
   * times: many still held (recent conversations, announcements being written) never hide newer ones.
   */
  private async *oldDrafts(before: Date): AsyncIterable<MediaDraft> {
    const seen = new Set<string>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const drafts = await this.deps.photos.drafts(before, page * BATCH);
      let fresh = 0;
      for (const draft of drafts) {
        if (seen.has(draft.id)) continue;
        seen.add(draft.id);
        fresh++;
        yield draft;
      }
      if (drafts.length < page * BATCH || fresh === 0) return;
    }
  }

  /** Deletes the drafts no live conversation holds; resolves with how many. Never rejects. */
  async sweep(): Promise<number> {
    const { deps } = this;
    const now = deps.clock.now().getTime();
    let deleted = 0;
    try {
      for await (const draft of this.oldDrafts(new Date(now - SWEEP_EVERY_MS))) {
        const until = deps.photos.keptUntil(draft);
        if (until && until.getTime() > now) continue;
        await deps.queue.run(draft.owner, async () => {
          const record = draft.owner ? await deps.conversations.get(draft.owner) : null;
          const state = record ? readState(record.state) : null;
          if (record && state && deps.engine.media(state).includes(draft.id)) {
            if (now - new Date(record.updatedAt).getTime() <= deps.keepMs) return;
            // A report kept aside too long goes on without it, and says so. Saved first: a failure here
            // leaves the photo for the next sweep, never a report naming a photo that is gone. Only if
            // nothing changed it meanwhile (another process's turn, an erasure): otherwise the next sweep.
            const forgotten = { ...record, state: madeByEngine(deps.engine.withoutMedia(state, [draft.id])) };
            if (!(await deps.conversations.replaceIf(forgotten, record))) return;
          }
          await deps.photos.discard([draft.id]);
          deleted++;
        });
      }
    } catch (err) {
      deps.logger.warn({ err: errorInfo(err) }, "draft photos not swept");
    }
    if (deleted) deps.logger.info({ photos: deleted }, "photos of reports never sent deleted");
    return deleted;
  }
}

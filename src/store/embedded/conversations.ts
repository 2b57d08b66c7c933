/**
 * Conversations on the embedded store (by-id.ts: in memory, each save one line of
 * `conversations.db`). A saved record names the inbound ids whose step it holds (`handled`): with
 * them, the line is the whole durable record of a message — its id, the new state and the replies —
 * and the inbound ids count those ids as finished (inbound.ts) without a write of their own, also
 * when the file is read again after a crash.
 */
import type { ChannelName } from "../../domain/model/channel.js";
import type { Logger } from "../../util/logger.js";
import type { ConversationRecord, ConversationRepository } from "../ports.js";
import { JournalById } from "./by-id.js";
import { dateJson } from "./journal.js";

/** Where the saved ids of a conversation's messages are told: they count as finished. */
export type HandledSink = (ids: readonly string[], at: Date) => void;

export class JournalConversations extends JournalById<ConversationRecord> implements ConversationRepository {
  /**
   * The JSON of the state of each conversation with replies pending, by the state object it was made
   * from: saving the same state again once its replies are sent costs nothing. Dropped then.
   */
  private readonly stateJson = new Map<string, { state: unknown; json: string }>();
  /** Turns held (`hold`): in memory, as the data folder has one process (lock.ts) and no turn outlives it. */
  private readonly turns = new Map<string, { owner: string; until: number }>();

  private constructor(
    dir: string | null,
    private readonly handled: HandledSink,
  ) {
    super(dir, "conversations");
  }

  /** Opens `conversations.db` in `dir` (null: memory only); every id a line names as handled goes to `handled`. */
  static open(dir: string | null, handled: HandledSink, logger?: Logger): Promise<JournalConversations> {
    // Every line, not only the last of each conversation: an id that has since left `handled` was still finished.
    return new JournalConversations(dir, handled).load(logger, (record) => {
      if (Array.isArray(record.handled)) handled(record.handled, new Date(record.updatedAt));
    });
  }

  async withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]> {
    const prefix = `${String(channel)}:`;
    const from = since.getTime();
    return this.oldestFirst((record, at) => record.id.startsWith(prefix) && record.pending.length > 0 && at >= from, limit);
  }

  async withDraftBefore(before: Date, limit: number): Promise<ConversationRecord[]> {
    const until = before.getTime();
    return this.oldestFirst((record, at) => record.holdsDraft !== false && at < until, limit);
  }

  async idleBefore(before: Date, limit: number, after?: Date): Promise<ConversationRecord[]> {
    const until = before.getTime();
    const from = after?.getTime() ?? Number.NEGATIVE_INFINITY;
    return this.oldestFirst((record, at) => record.holdsDraft === false && at < until && at > from, limit);
  }

  /** The first `limit` conversations that `keep` (given each one's time) takes, least recently saved first. */
  private oldestFirst(keep: (record: ConversationRecord, at: number) => boolean, limit: number): ConversationRecord[] {
    const found: { record: ConversationRecord; at: number }[] = [];
    for (const record of this.docs.values()) {
      const at = new Date(record.updatedAt).getTime();
      if (keep(record, at)) found.push({ record, at });
    }
    found.sort((a, b) => a.at - b.at);
    return found.slice(0, limit).map((f) => f.record);
  }

  async removeIf(id: string, read: Pick<ConversationRecord, "updatedAt" | "pending">): Promise<boolean> {
    return this.unchanged(id, read) ? this.remove(id) : false;
  }

  /** Whether the conversation is saved as `read` was: at the same time, with as many replies pending. */
  private unchanged(id: string, read: Pick<ConversationRecord, "updatedAt" | "pending">): boolean {
    const saved = this.docs.get(String(id));
    return saved !== undefined && new Date(saved.updatedAt).getTime() === new Date(read.updatedAt).getTime() && saved.pending.length === read.pending.length;
  }

  async replaceIf(record: ConversationRecord, read: Pick<ConversationRecord, "updatedAt" | "pending">): Promise<boolean> {
    if (!this.unchanged(record.id, read)) return false;
    await this.save(record);
    return true;
  }

  async hold(id: string, owner: string, until: Date, now: Date): Promise<boolean> {
    const held = this.turns.get(id);
    if (held && held.owner !== owner && held.until > now.getTime()) return false;
    this.turns.set(id, { owner, until: until.getTime() });
    return true;
  }

  async extend(id: string, owner: string, until: Date): Promise<boolean> {
    const held = this.turns.get(id);
    if (held?.owner !== owner) return false;
    held.until = until.getTime();
    return true;
  }

  async release(id: string, owner: string): Promise<void> {
    if (this.turns.get(id)?.owner === owner) this.turns.delete(id);
  }

  async *states(): AsyncIterable<unknown> {
    for (const record of this.all()) yield record.state;
  }

  override async remove(id: string): Promise<boolean> {
    this.stateJson.delete(String(id));
    return super.remove(id);
  }

  protected override applied(record: ConversationRecord): void {
    super.applied(record);
    if (record.handled?.length) this.handled(record.handled, new Date(record.updatedAt));
  }

  /** Written field by field: the state's JSON is made once per state. */
  protected override line(record: ConversationRecord): string {
    const { id, state, pending, updatedAt, handled, inboundAt, ...rest } = record;
    const known = this.stateJson.get(id);
    const stateJson = known && known.state === state ? known.json : (JSON.stringify(state) ?? "null");
    if (pending?.length) this.stateJson.set(id, { state, json: stateJson });
    else this.stateJson.delete(id);
    let line = `{"_id":${JSON.stringify(id)},"id":${JSON.stringify(id)},"state":${stateJson},"pending":${JSON.stringify(pending ?? [])},"updatedAt":${dateJson(updatedAt)}`;
    if (handled !== undefined) line += `,"handled":${JSON.stringify(handled)}`;
    if (inboundAt !== undefined) line += `,"inboundAt":${dateJson(inboundAt)}`;
    const more = JSON.stringify(rest);
    return more === "{}" ? `${line}}` : `${line},${more.slice(1)}`;
  }
}

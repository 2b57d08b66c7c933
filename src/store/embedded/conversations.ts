/**
 * Conversations on the embedded store: every conversation in memory, each save one line of
 * `conversations.db` (journal.ts: nedb's format, group commit). A saved record names the inbound
 * ids whose step it holds (`handled`): with it, the line is the whole durable record of a message —
 * its id, the new state and the replies — and the inbound ids count those ids as finished
 * (inbound.ts) without a write of their own, also when the file is read again after a crash.
 */
import { join } from "node:path";
import type { ChannelName } from "../../domain/model/channel.js";
import type { Logger } from "../../util/logger.js";
import type { ConversationRecord, ConversationRepository } from "../ports.js";
import { dateJson, JournalFile, readJournal } from "./journal.js";

/** Where the saved ids of a conversation's messages are told: they count as finished. */
export type HandledSink = (ids: readonly string[], at: Date) => void;

export class JournalConversations implements ConversationRepository {
  private readonly records = new Map<string, ConversationRecord>();
  /** The JSON of the last state saved per conversation, by the state object it was made from (saving the same state again costs nothing). */
  private readonly stateJson = new WeakMap<object, string>();

  private constructor(
    private readonly journal: JournalFile,
    private readonly handled: HandledSink,
  ) {}

  /** Opens `conversations.db` in `dir` (null: memory only); every id a line names as handled goes to `handled`. */
  static async open(dir: string | null, handled: HandledSink, logger?: Logger): Promise<JournalConversations> {
    const file = dir === null ? null : join(dir, "conversations.db");
    const out = new JournalConversations(new JournalFile(file), handled);
    if (file !== null) {
      await readJournal(
        file,
        (doc) => {
          const { _id, ...rest } = doc;
          const record = { ...rest, id: String(_id) } as ConversationRecord;
          out.records.set(record.id, record);
          // Every line, not only the last of each conversation: an id that has since left `handled` was still finished.
          if (Array.isArray(record.handled)) handled(record.handled, new Date(record.updatedAt));
        },
        (id) => out.records.delete(id),
        logger,
      );
    }
    return out;
  }

  get size(): number {
    return this.records.size;
  }

  async get(id: string): Promise<ConversationRecord | null> {
    return this.records.get(String(id)) ?? null;
  }

  save(record: ConversationRecord): Promise<void> {
    const id = String(record.id);
    const saved: ConversationRecord = { ...record, id };
    return this.journal.write(this.line(saved), () => {
      this.records.set(id, saved);
      if (saved.handled?.length) this.handled(saved.handled, new Date(saved.updatedAt));
    });
  }

  async remove(id: string): Promise<boolean> {
    const key = String(id);
    if (!this.records.has(key)) return false;
    await this.journal.write(JSON.stringify({ $$deleted: true, _id: key }), () => this.records.delete(key));
    return true;
  }

  async withPending(channel: ChannelName, since: Date, limit: number): Promise<ConversationRecord[]> {
    const prefix = `${String(channel)}:`;
    const from = since.getTime();
    const found: ConversationRecord[] = [];
    for (const record of this.records.values()) {
      if (record.id.startsWith(prefix) && record.pending.length && new Date(record.updatedAt).getTime() >= from) found.push(record);
    }
    found.sort((a, b) => new Date(a.updatedAt).getTime() - new Date(b.updatedAt).getTime());
    return found.slice(0, limit);
  }

  /** Rewrites the file with one line per conversation. */
  compact(): Promise<void> {
    return this.journal.compact(() => Array.from(this.records.values(), (r) => this.line(r)));
  }

  /** The record as nedb would write it: `_id` first, dates as `{"$$date": ms}`. */
  private line(record: ConversationRecord): string {
    const { id, state, pending, updatedAt, handled, inboundAt, ...rest } = record;
    let stateJson = typeof state === "object" && state !== null ? this.stateJson.get(state) : undefined;
    if (stateJson === undefined) {
      stateJson = JSON.stringify(state) ?? "null";
      if (typeof state === "object" && state !== null) this.stateJson.set(state, stateJson);
    }
    let line = `{"_id":${JSON.stringify(id)},"id":${JSON.stringify(id)},"state":${stateJson},"pending":${JSON.stringify(pending ?? [])},"updatedAt":${dateJson(updatedAt)}`;
    if (handled !== undefined) line += `,"handled":${JSON.stringify(handled)}`;
    if (inboundAt !== undefined) line += `,"inboundAt":${dateJson(inboundAt)}`;
    const more = JSON.stringify(rest);
    return more === "{}" ? `${line}}` : `${line},${more.slice(1)}`;
  }
}

/**
 * The conversation runtime: takes one inbound message from a channel, runs the pure engine on the
 * saved state, performs the actions it asks for, saves the new state with the replies it decided,
 * and hands those replies to the channel. One message per conversation at a time; each message once.
 */

import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { Citizens } from "../domain/citizens.js";
import { answersLater, CHANNELS, type ChannelName } from "../domain/model/channel.js";
import { type Citizen, citizenId, notified } from "../domain/model/citizen.js";
import { type DomainEvent, recordEvent } from "../domain/model/events.js";
import type { OutboundMessage } from "../domain/model/message.js";
import type { Photos } from "../domain/photos.js";
import { type Engine, unsupportedReply } from "../engine/engine.js";
import { MAX_LINK } from "../engine/flow.js";
import { type ConversationState, type EngineInput, GLOBAL_WORDS, type Reply, type StepResult } from "../engine/types.js";
import type { UnderstandOptions, Understood } from "../engine/understanding.js";
import { type Language, languageFromHint } from "../locale/languages.js";
import type { Delivery } from "../notify/delivery.js";
import type { ClaimResult, ConversationRecord, ConversationRepository, EventRepository, InboundRepository, NewOutboxItem } from "../store/ports.js";
import type { Clock } from "../util/clock.js";
import { errorInfo } from "../util/errors.js";
import type { Json } from "../util/json.js";
import type { Logger } from "../util/logger.js";
import type { Pseudonymizer } from "../util/pseudonym.js";
import { stripControl } from "../util/text.js";
import type { Action, ActionContext } from "./actions/index.js";
import { ChatTurns } from "./chat-turns.js";
import { ConversationRetention } from "./conversation-retention.js";
import { DraftPhotos } from "./draft-photos.js";
import { FloodGate, type FloodLimit } from "./flood.js";
import {
  captionOf,
  type InboundContent,
  type InboundMessage,
  MAX_CHOICE_VALUE,
  MAX_INBOUND_TEXT,
  PhotoTooLargeError,
  type RemotePhoto,
  type Sender,
  toJournal,
} from "./messages.js";
import type { ConversationObserver } from "./observer.js";
import { Recovery } from "./recovery.js";
import type { Renderer } from "./render.js";
import { madeByEngine, readState } from "./state.js";
import { StoreOutage } from "./store-outage.js";

/** Actions one message may trigger before the flow is declared to loop. */
const MAX_ACTIONS = 20;
/** A claim on a message id older than this belongs to a crashed process and may be taken over. */
const CLAIM_LEASE_MS = 2 * 60 * 1000;
/** Conversations whose pending replies are delivered per call when a channel comes back. */
const PENDING_BATCH = 1000;
/** First pause before messages kept during a store outage are tried again. */
const RETRY_FIRST_MS = 1000;
/** Inbound ids a conversation remembers as handled (ConversationRecord.handled). */
const HANDLED_KEPT = 8;

/**
 * What a message's id is known by where the chat must not be found from it (see `idKey`): the same on
 * every attempt, and nothing of the message id in it for whoever lacks the key.
 */
function keyed(idKey: KeyObject, source: string): string {
  return createHmac("sha256", idKey).update(source).digest("hex");
}

/** What the key for message ids in the inbound store is derived with: a key of its own, so those ids lead to no report id. */
const INBOUND_KEY_PURPOSE = "inbound message ids";

/** `make`, run the first time its result is asked for; kept for the times after. */
function lazily<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/** The audit trail's id of the `n`th event of a message (`source` already keyed). */
function eventId(source: string, n: number): string {
  return `${source.slice(0, 32)}#${n}`;
}

export interface ConversationDeps {
  /**
   * The key (from the data secret) behind the ids derived from a message's id: a report's id and its
   * audit trail's. Unkeyed, the message ids a conversation keeps (`handled`) led to its anonymous reports.
   */
  idKey: Buffer;
  engine: Engine;
  renderer: Renderer;
  actions: ReadonlyMap<string, Action>;
  citizens: Citizens;
  conversations: ConversationRepository;
  /** The outbox: what a channel could not take waits there. */
  delivery: Delivery;
  /** The audit trail the events of each message are recorded in. */
  events: EventRepository;
  /** Told of the events of each message once they are recorded (a new report sets off its card). */
  onEvents?: (events: readonly DomainEvent[]) => void;
  /** Told of each message handled and each reply sent (the metrics); never their text. */
  observer?: ConversationObserver;
  inbound: InboundRepository;
  photos: Photos;
  clock: Clock;
  logger: Logger;
  defaultLanguage: Language;
  timeoutMs: number;
  /** Whether an error means the store is away for now (the message is kept and retried), not that it failed. */
  storeUnavailable?: (err: unknown) => boolean;
  /** First pause before kept messages are tried again (tests shorten it). */
  retryMs?: number;
  /** How a conversation is named in the logs (never the chat id itself). */
  pseudonym: Pseudonymizer;
  /** The language understanding (src/nlu/): what a text message says, handed to the engine with it. */
  understand?: (text: string, lang: Language, options?: UnderstandOptions) => Promise<Understood>;
  /** The language a text is written in, when it says enough to tell (src/nlu/): a first message or one at the menu goes on in it. */
  writtenIn?: (text: string) => Promise<Language | undefined>;
  /** Most messages one conversation may send in a window before it is told to slow down (flood.ts). */
  flood: FloodLimit;
  /** Silence after which the photos of an unsent report are deleted (draft-photos.ts). */
  draftPhotoKeepMs: number;
  /** Days of silence after which an unsent report is forgotten, text and all (conversation-retention.ts). */
  draftKeepDays: number;
  /** Days of silence after which a conversation holding no unsent report is deleted whole (conversation-retention.ts). */
  conversationKeepDays: number;
}

/**
 * Each message has one outcome the citizen sees. `processed`: answered. `deferred` (Telegram and
 * WhatsApp only): the store is away; the citizen is told the message is kept, and it is processed
 * and answered when the store is back. `failed`: the citizen is told so and asked to try again, and
 * the message is never processed later. `duplicate`: a message already handled, ignored.
 * `dropped`: new, but the channel's `onNew` said it is not for the conversation (a press on an old question).
 * `limited`: the conversation sends too fast (flood.ts); the message was not handled.
 */
export const HANDLE_RESULTS = ["processed", "duplicate", "failed", "deferred", "dropped", "limited"] as const;
export type HandleResult = (typeof HANDLE_RESULTS)[number];

export interface HandleOptions {
  /**
   * Called once the message is known to be new (never for a redelivery), before the engine sees it:
   * where a channel changes what the citizen sees of earlier messages (Telegram's buttons), so a
   * redelivered message changes nothing. `"drop"` records the message as handled without answering it.
   */
  onNew?(): "drop" | undefined;
  /** The message's claim was made by `accept` (with its journal): it is this process's to finish. */
  journaled?: boolean;
}

export class ConversationService {
  /** One turn at a time per conversation, here and across processes on the store. */
  private readonly queue: ChatTurns;
  private readonly outage: StoreOutage;
  private readonly recovery: Recovery;
  private readonly drafts: DraftPhotos;
  private readonly retention: ConversationRetention;
  private readonly flood: FloodGate;

  /** The data secret's key for message ids, made once: a key given as bytes is prepared again on every HMAC (14 % of a message's CPU). */
  private readonly idKey: KeyObject;
  /** The key of the ids the inbound store and a conversation's `handled` know messages by (`storedId`). */
  private readonly inboundKey: KeyObject;

  constructor(private readonly deps: ConversationDeps) {
    this.idKey = createSecretKey(deps.idKey);
    this.inboundKey = createSecretKey(createHmac("sha256", this.idKey).update(INBOUND_KEY_PURPOSE).digest());
    this.flood = new FloodGate(deps.flood, deps.clock);
    this.queue = new ChatTurns({ conversations: deps.conversations, logger: deps.logger, pseudonym: deps.pseudonym });
    this.drafts = new DraftPhotos({ ...deps, queue: this.queue, keepMs: deps.draftPhotoKeepMs });
    this.retention = new ConversationRetention({
      ...deps,
      queue: this.queue,
      photos: this.drafts,
      draftDays: deps.draftKeepDays,
      conversationDays: deps.conversationKeepDays,
    });
    this.outage = new StoreOutage({
      queue: this.queue,
      retry: (key, message, send) => this.process(key, message, send, true),
      tell: (message, send, textKey) =>
        send(message.chatId, deps.renderer.text(languageFromHint(message.languageHint, deps.defaultLanguage), textKey)).then(
          () => undefined,
          () => undefined,
        ),
      logger: deps.logger,
      pseudonym: deps.pseudonym,
      firstRetryMs: deps.retryMs ?? RETRY_FIRST_MS,
    });
    this.recovery = new Recovery({
      inbound: deps.inbound,
      clock: deps.clock,
      logger: deps.logger,
      leaseMs: CLAIM_LEASE_MS,
      handle: async (message, send, leaseMs) => {
        const result = await this.enqueue(message, send, leaseMs);
        // A claim 0.6.17 or earlier left was made under the platform's id: finished too, or every sweep finds it again.
        if (result !== "deferred") await deps.inbound.complete(`${message.channel}:${message.messageId}`, deps.clock.now()).catch(() => undefined);
        return result;
      },
      // A recovered message has no live request: its replies go through the outbox.
      senderFor: (channel) => (chatId, message) => this.enqueueReplies(channel, chatId, [message]).then(() => undefined),
    });
  }

  /** Processes one inbound message; `send` delivers each reply. Never throws for one bad message. */
  handle(message: InboundMessage, send: Sender, options: HandleOptions = {}): Promise<HandleResult> {
    const observer = this.deps.observer;
    if (!observer) return this.admit(message, send, options);
    const started = performance.now();
    const counted: Sender = (chatId, reply) => {
      observer.sent(message.channel);
      return send(chatId, reply);
    };
    return this.admit(message, counted, options).then((result) => {
      observer.handled(message.channel, result, (performance.now() - started) / 1000);
      return result;
    });
  }

  /**
   * The id a message is known by in the inbound store (kept a week) and in its conversation's `handled`:
   * a keyed hash of the platform's id, which may hold the chat's address (a WhatsApp message id holds
   * the phone number). 128 bits, shorter than most platform ids; the same for every attempt.
   */
  private storedId(channel: ChannelName, messageId: string): string {
    return createHmac("sha256", this.inboundKey).update(`${channel}:${messageId}`).digest().subarray(0, 16).toString("base64url");
  }

  private admit(message: InboundMessage, send: Sender, options: HandleOptions): Promise<HandleResult> {
    const key = citizenId(message.channel, message.chatId);
    const pace = this.flood.check(key);
    if (pace === "pass") return this.enqueue(message, send, CLAIM_LEASE_MS, options);
    // Not handled, but finished: neither recovery nor a redelivery runs a journaled one later.
    const finished = options.journaled
      ? this.deps.inbound.complete(this.storedId(message.channel, message.messageId), this.deps.clock.now()).catch(() => undefined)
      : Promise.resolve();
    return finished.then(() => (pace === "notice" ? this.slowDown(key, message, send) : "limited"));
  }

  /**
   * For a platform that must be answered at once (WhatsApp's Cloud API webhook): claims the message
   * with its journal now, so it is in the store before the platform hears "received", then processes
   * it in the background, in order behind the same citizen's earlier messages. `duplicate`: already
   * claimed (a redelivery, or another process has it). Rejects when the store cannot keep it: the
   * platform should then deliver it again later.
   */
  async accept(message: InboundMessage, send: Sender): Promise<{ result: "duplicate" } | { result: "accepted"; done: Promise<HandleResult> }> {
    if ((await this.journal(message)) === "duplicate") {
      this.deps.observer?.handled(message.channel, "duplicate", 0);
      return { result: "duplicate" };
    }
    return { result: "accepted", done: this.handle(message, send, { journaled: true }) };
  }

  /**
   * Claims a message with its journal before it is handled, for a platform that forgets it once
   * told so (Telegram long polling: asking for the next updates confirms these, and grammY's runner
   * asks before it has handled them). `claimed`: handle it with `journaled: true`; a process killed
   * first leaves it to crash recovery. `duplicate`: claimed already (a redelivery); handled as usual, it is ignored.
   */
  journal(message: InboundMessage): Promise<ClaimResult> {
    return this.deps.inbound.claim(this.storedId(message.channel, message.messageId), this.deps.clock.now(), CLAIM_LEASE_MS, toJournal(message));
  }

  /** When the citizen of this chat last wrote (the conversation's last message processed), if ever. */
  async lastInboundAt(channel: ChannelName, chatId: string): Promise<Date | null> {
    const record = await this.deps.conversations.get(citizenId(channel, chatId));
    return record?.inboundAt ? new Date(record.inboundAt) : null;
  }

  /** The one notice a flooding conversation gets, in its language, after what it is still waiting for. */
  private slowDown(key: string, message: InboundMessage, send: Sender): Promise<HandleResult> {
    const { deps } = this;
    deps.logger.warn({ chat: deps.pseudonym(key) }, "too many messages: ignored until the pace drops");
    return this.queue.run(key, async () => {
      const saved = await deps.conversations.get(key).catch(() => null);
      const lang = readState(saved?.state)?.lang ?? languageFromHint(message.languageHint, deps.defaultLanguage);
      await send(message.chatId, deps.renderer.text(lang, "errors.flood")).catch(() => undefined);
      return "limited" as const;
    });
  }

  /** `leaseMs`: how old an unfinished claim of this message must be to be taken over. */
  private enqueue(message: InboundMessage, send: Sender, leaseMs: number, options: HandleOptions = {}): Promise<HandleResult> {
    const key = citizenId(message.channel, message.chatId);
    return this.queue.run(key, () => (this.outage.has(key) ? this.outage.keep(key, message, send) : this.process(key, message, send, false, leaseMs, options)));
  }

  /**
   * Whether a message that starts no conversation (a mention in a group) is seen for the first time.
   * It is recorded as handled, so a redelivery is not answered again; if the store cannot tell, it is.
   */
  async firstSeen(channel: ChannelName, messageId: string): Promise<boolean> {
    const { deps } = this;
    const id = this.storedId(channel, messageId);
    try {
      if ((await deps.inbound.claim(id, deps.clock.now(), CLAIM_LEASE_MS)) === "duplicate") return false;
      await deps.inbound.complete(id, deps.clock.now());
    } catch (err) {
      deps.logger.warn({ channel, err: errorInfo(err) }, "message id not recorded");
    }
    return true;
  }

  /**
   * Runs `run` for a message that starts no conversation (an update in a secretariat group) once:
   * the id is claimed first, so a redelivery does nothing; it counts as handled when `run` ends,
   * and a crash in between lets a redelivery after the lease (`leaseMs`) run it again. False for a redelivery.
   */
  async once(channel: ChannelName, messageId: string, run: () => Promise<void>, leaseMs = CLAIM_LEASE_MS): Promise<boolean> {
    const { deps } = this;
    const id = this.storedId(channel, messageId);
    if ((await deps.inbound.claim(id, deps.clock.now(), leaseMs)) === "duplicate") return false;
    try {
      await run();
    } finally {
      await deps.inbound.complete(id, deps.clock.now()).catch((err) => deps.logger.warn({ channel, err: errorInfo(err) }, "message id not recorded"));
    }
    return true;
  }

  /** Messages kept until the store is back. */
  get waiting(): number {
    return this.outage.size;
  }

  /** Resolves when every message received so far has been handled (messages kept for the store excepted). */
  async idle(): Promise<void> {
    await this.queue.idle();
  }

  /**
   * Replies a channel never took (a crash between saving a step and sending its replies) are handed
   * to the outbox at start-up, for conversations active within the timeout; older ones wait for the
   * citizen's next message. Resolves with how many conversations had some; never rejects.
   */
  async parkPending(channels: readonly ChannelName[]): Promise<number> {
    const { deps } = this;
    const since = new Date(deps.clock.now().getTime() - deps.timeoutMs);
    let parked = 0;
    for (const channel of channels) {
      let waiting: ConversationRecord[];
      try {
        waiting = await deps.conversations.withPending(channel, since, PENDING_BATCH);
      } catch (err) {
        deps.logger.warn({ channel, err: errorInfo(err) }, "pending replies not looked up");
        continue;
      }
      for (const { id } of waiting) {
        await this.queue.run(id, async () => {
          try {
            // Read again inside the conversation's turn: a message may have flushed them meanwhile.
            const record = await deps.conversations.get(id);
            if (!record?.pending.length) return;
            await this.park(record, channel, id.slice(channel.length + 1), record.pending);
            parked++;
          } catch (err) {
            deps.logger.warn({ chat: deps.pseudonym(id), err: errorInfo(err) }, "pending replies not handed to the outbox");
          }
        });
      }
    }
    if (parked) deps.logger.info({ conversations: parked }, "pending replies handed to the outbox");
    return parked;
  }

  /** Crash recovery: processes messages a process that died had claimed but never finished (see recovery.ts). */
  startRecovery(options: { soleProcess: boolean }): void {
    this.recovery.start(options);
    // Replies saved but never sent (a crash right after saving them) go to the outbox.
    void this.parkPending(CHANNELS.filter(answersLater));
  }

  /**
   * Deletes, every minute, photos of reports that were never sent (see draft-photos.ts); every hour,
   * forgets those reports once silent for DRAFT_DAYS, and deletes conversations silent for
   * CONVERSATION_DAYS (conversation-retention.ts).
   */
  startDraftSweep(): void {
    this.drafts.start();
    this.retention.start();
  }

  /** One sweep of draft photos now; resolves with how many were deleted. */
  sweepDrafts(): Promise<number> {
    return this.drafts.sweep();
  }

  /** One pass forgetting reports never sent, silent for DRAFT_DAYS; resolves with how many. */
  forgetOldDrafts(): Promise<number> {
    return this.retention.forgetDrafts();
  }

  /** The hourly pass now: unsent reports silent for DRAFT_DAYS forgotten, then conversations silent for CONVERSATION_DAYS deleted. */
  retentionPass(): Promise<void> {
    return this.retention.pass();
  }

  /** One pass deleting conversations holding no unsent report, silent for CONVERSATION_DAYS; resolves with how many. */
  deleteSilentConversations(): Promise<number> {
    return this.retention.deleteIdle();
  }

  /** Every photo a conversation holds: a report being written, kept aside, or whose sending is tried again. */
  async *photosHeld(): AsyncIterable<string> {
    for await (const state of this.deps.conversations.states()) yield* this.deps.engine.media(readState(state));
  }

  /** One recovery sweep now; resolves with how many messages it took over. */
  recover(): Promise<number> {
    return this.recovery.sweep();
  }

  /** Stops the timers (the process is stopping); says how many messages were still waiting for the store. */
  stop(): number {
    this.recovery.stop();
    this.drafts.stop();
    this.retention.stop();
    this.queue.stop();
    return this.outage.stop();
  }

  private isUnavailable(err: unknown): boolean {
    return this.deps.storeUnavailable?.(err) ?? false;
  }

  /**
   * One message through the engine. `replay` is a kept message tried again: a claim found
   * unfinished is its own (made before the store went away), and another failure keeps it waiting.
   */
  private async process(
    key: string,
    message: InboundMessage,
    send: Sender,
    replay: boolean,
    leaseMs = CLAIM_LEASE_MS,
    options: HandleOptions = {},
  ): Promise<HandleResult> {
    const { deps } = this;
    const inboundId = this.storedId(message.channel, message.messageId);
    // How 0.6.17 and earlier stored it: a claim they left unfinished, or a `handled` they saved, still counts.
    const earlierId = `${message.channel}:${message.messageId}`;
    const now = deps.clock.now();
    let claim: ClaimResult;
    try {
      // Only a message that can still be answered later is kept with its claim for crash recovery.
      claim =
        options.journaled && !replay
          ? "claimed"
          : await deps.inbound.claim(inboundId, now, leaseMs, answersLater(message.channel) ? toJournal(message) : undefined);
    } catch (err) {
      return this.notProcessed(key, message, send, replay, err, null);
    }
    if (claim === "duplicate" && !replay) {
      deps.logger.debug({ chat: deps.pseudonym(key), message: deps.pseudonym(inboundId) }, "duplicate message ignored");
      return "duplicate";
    }
    if (claim === "claimed" && options.onNew?.() === "drop") {
      await deps.inbound.complete(inboundId, deps.clock.now()).catch(() => undefined);
      return "dropped";
    }
    let record: ConversationRecord | null = null;
    let handledBefore = false;
    // Whether the engine ran on the message: a failure after that has said nothing yet.
    const progress = { stepped: false };
    try {
      let citizen = await deps.citizens.forChat(message.channel, message.chatId, languageFromHint(message.languageHint, deps.defaultLanguage));
      record = await deps.conversations.get(key);
      // Replies left pending since a crash go before this message is handled. What waits in the outbox goes
      // after its step and before its answer: what the message changes (an announcement after «baja», a
      // citizen's data erased) decides whether it still goes.
      record = await this.flush(record, message.channel, message.chatId, send, { outbox: false });
      // Its step was saved, but its claim was never completed (a failure, a crash): not run again on the newer state.
      handledBefore = record?.handled?.includes(inboundId) === true || record?.handled?.includes(earlierId) === true;
      if (!handledBefore) {
        const prelude: Reply[] = [];
        let state = record ? readState(record.state) : null;
        const idle = record ? now.getTime() - new Date(record.updatedAt).getTime() : 0;
        if (state && !deps.engine.rests(state) && idle > deps.timeoutMs && deps.engine.expires(state)) {
          prelude.push({ key: "global.expired" });
          state = deps.engine.expire(state);
        }

        const answered = await this.answerParts(key, message.content, inboundId, record?.handled?.at(-1) ?? inboundId, citizen, state, progress);
        citizen = answered.citizen;
        const { state: after, sentPhotos, erased } = answered;
        const pending = withPhotoTaken(deps.renderer.answer([...prelude, ...answered.replies], after.lang), deps.engine, after);
        // After «Borrar mis datos» the conversation keeps no trace of the messages before (their ids would tie
        // an anonymous report filed from it to this chat): only the one that erased, so it is not run twice.
        const handled = erased ? [inboundId] : [...(record?.handled ?? []), inboundId].slice(-HANDLED_KEPT);
        const holdsDraft = deps.engine.keepsDraft(after);
        record = { id: key, state: madeByEngine(after), pending, updatedAt: deps.clock.now(), handled, inboundAt: now, holdsDraft };
        await deps.conversations.save(record);
        await this.drafts.release(state, after, sentPhotos);
      }
    } catch (err) {
      return this.notProcessed(key, message, send, replay, err, record, { delivers: !progress.stepped });
    }
    // The step is saved with its replies: from here the message counts as processed, and replies
    // the channel fails to take stay pending until the conversation's next message.
    try {
      await deps.inbound.complete(inboundId, deps.clock.now());
    } catch (err) {
      // Left unfinished: recovery finds it later, and this record's `handled` keeps it from running again.
      deps.logger.warn(
        { chat: deps.pseudonym(key), message: deps.pseudonym(inboundId), err: errorInfo(err) },
        "message processed, its claim not completed yet",
      );
    }
    await this.flush(record as ConversationRecord, message.channel, message.chatId, send);
    return handledBefore ? "duplicate" : "processed";
  }

  /**
   * The engine's turns on a message's parts, each on the state the one before left: a photo's caption
   * read as typed, then the photo (kept for the report when its question is further on); at the photo
   * question, the photo first, then the caption if it tells the place asked next («en la calle Hidalgo
   * 23»); a photo where nothing is in progress opens the flow it belongs to first (a report). What
   * comes along a text is said before the question the text left waiting, or takes its place when it
   * answered it.
   */
  private async answerParts(
    key: string,
    content: InboundContent,
    inboundId: string,
    answering: string,
    citizen: Citizen,
    initial: ConversationState | null,
    progress: { stepped: boolean },
  ): Promise<{ citizen: Citizen; state: ConversationState; replies: Reply[]; sentPhotos: string[]; erased: boolean }> {
    const { deps } = this;
    let state = initial;
    const replies: Reply[] = [];
    const sentPhotos: string[] = [];
    // Only a message that came where nothing was in progress: a caption that ended or declined something
    // («cancelar», «no» at the notice, «enviar» at the summary) is not followed by a report the photo opens.
    let opens = content.type === "photo" ? deps.engine.photoOpens(initial) : undefined;
    const parts = withCaption(content, deps.engine.accepts(state) === "photo");
    for (let n = 0; n < parts.length; n++) {
      if (opens && parts[n].content.type === "photo" && deps.engine.photoOpens(state)) {
        parts.splice(n, 0, { content: { type: "open", link: opens } });
        opens = undefined;
      }
      const { content: part, onlyPlace } = parts[n];
      const along = n > 0;
      const input = await this.toEngineInput(part, key, state, along);
      if ("type" in input && input.type === "text") {
        const lang = state?.lang ?? citizen.language;
        // Where the language may change with what is written (a first message, the menu), the text is read in the one it is written in.
        const written = deps.engine.hearsLanguage(state) ? await this.writtenIn(input.text, key) : undefined;
        if (written && written !== lang) input.written = written;
        input.understood = await this.understand(input.text, input.written ?? lang, key, { weighGuess: deps.engine.hearsLanguage(state) });
        if (onlyPlace && !(input.understood?.address && deps.engine.accepts(state) === "location")) {
          // Not the place: not kept, and said so (an account meant for the description can be added at the summary).
          replies.splice(questionAt(replies, state), 0, { key: "channel.caption_not_kept" });
          continue;
        }
      }
      if (along && "reply" in input) {
        replies.splice(questionAt(replies, state), 0, { key: input.reply });
        continue;
      }
      // A message that could not be used (a photo too large, say) is answered and the question asked again.
      const first: StepResult | undefined =
        "reply" in input && state?.waiting === "answer" ? { state, replies: [{ key: input.reply }, ...deps.engine.reprompt(state)] } : undefined;
      progress.stepped = true;
      const turn = await this.turn(key, citizen, state, "reply" in input ? { type: "unsupported" } : input, {
        answering,
        eventIds: along ? `${inboundId}:${n}` : inboundId,
        first,
      });
      citizen = turn.citizen;
      if ("type" in input && input.type === "photo") sentPhotos.push(input.mediaId);
      if (along) replies.splice(questionAt(replies, state), movedOn(state, turn.result.state) ? 1 : 0, ...turn.result.replies);
      else replies.push(...turn.result.replies);
      state = turn.result.state;
      // After «Borrar mis datos» nothing more of the message is handled.
      if (turn.erased) return { citizen, state, replies, sentPhotos, erased: true };
    }
    return { citizen, state: state as ConversationState, replies, sentPhotos, erased: false };
  }

  /**
   * One step of the engine on `input` and the actions it calls, with the events they emit applied to
   * the citizen and recorded in the audit trail (once per `eventIds`, however often it is tried).
   * `first`: the engine's answer when the caller already has it (a message that could not be used).
   */
  private async turn(
    key: string,
    citizen: Citizen,
    state: ConversationState | null,
    input: EngineInput,
    options: { answering: string; eventIds: string; first?: StepResult },
  ): Promise<{ citizen: Citizen; result: StepResult; erased?: true }> {
    const { deps } = this;
    let result = options.first ?? deps.engine.step(state, input, citizen.language);
    const events: DomainEvent[] = [];
    // Keyed only when needed: most messages record no event and run no action that asks for them.
    const { idKey } = this;
    const eventIds = lazily(() => keyed(idKey, options.eventIds));
    const answering = lazily(() => keyed(idKey, options.answering));
    const ctx: ActionContext = {
      citizen,
      lang: result.state.lang,
      get answering() {
        return answering();
      },
      answeringUnkeyed: options.answering,
      emit: (event) => {
        events.push(event);
        ctx.citizen = deps.citizens.applied(ctx.citizen as Citizen, [event]);
      },
    };
    for (let n = 0; result.action; n++) {
      if (n >= MAX_ACTIONS) throw new Error(`too many actions in flow ${result.state.flow}`);
      const outcome = await this.runAction(result.action.name, result.action.args, ctx, key);
      const replies = result.replies;
      result = deps.engine.step(result.state, outcome, result.state.lang);
      result = { ...result, replies: [...replies, ...result.replies] };
    }
    if (events.some((e) => e.type === "data_erased")) {
      // "Borrar mis datos": nothing about the citizen is written again; the conversation goes on from a blank slate.
      result = { ...result, state: { ...result.state, vars: {} } };
      const fresh = await deps.citizens.forChat(citizen.channel, citizen.chatId, result.state.lang);
      await deps.events.append(events.map((e, i) => recordEvent(e, eventId(eventIds(), i), deps.clock.now(), "citizen")).filter((e) => e.citizen === null));
      return { citizen: fresh, result, erased: true };
    }
    if (result.state.lang !== ctx.citizen.language) ctx.emit({ type: "language_changed", citizen: citizen.id, language: result.state.lang });
    await deps.citizens.keep(citizen, ctx.citizen as Citizen);
    // The audit trail: once per message, however often it is tried again. The ids are keyed hashes: a
    // platform's message id may hold the chat's address (WhatsApp's does), and an anonymous report's
    // trail names nobody, also to whoever reads the message ids a conversation keeps.
    const at = deps.clock.now();
    await deps.events.append(events.map((e, i) => recordEvent(e, eventId(eventIds(), i), at, "citizen")));
    if (events.length) deps.onEvents?.(events);
    return { citizen: ctx.citizen as Citizen, result };
  }

  /**
   * A notice that asks the citizen something (was the report really solved?): when nothing is in
   * progress in their conversation (`Engine.rests`), `link` is opened there and its question goes
   * out right after `notice`, through the outbox. A conversation in the middle of something is never
   * taken over: then nothing is done and the caller sends its notice alone (saying how to answer
   * later). Resolves with whether it asked; a failure of its own is logged and counts as not asked.
   */
  async ask(link: string, notice: NewOutboxItem): Promise<boolean> {
    const { deps } = this;
    const { channel, chatId } = notice;
    const key = citizenId(channel, chatId);
    return this.queue.run(key, async () => {
      try {
        const record = await deps.conversations.get(key);
        const state = record ? readState(record.state) : null;
        if (record?.pending.length || !deps.engine.rests(state)) return false;
        const citizen = await deps.citizens.forChat(channel, chatId, state?.lang ?? deps.defaultLanguage);
        // A «baja» or an erasure handled since the notice was written (it waited in this queue): nothing to ask.
        if (!notified(deps.citizens.isStored(citizen) ? citizen : null, notice.createdAt)) return false;
        const now = deps.clock.now();
        const turn = await this.turn(key, citizen, state, { type: "open", link }, { answering: `${key}:${link}`, eventIds: `${notice.id}:${now.getTime()}` });
        const pending = deps.renderer.answer(turn.result.replies, turn.result.state.lang);
        // Saved with its question pending first: a crash before the outbox has them hands them over at start-up.
        const holdsDraft = deps.engine.keepsDraft(turn.result.state);
        const saved: ConversationRecord = {
          id: key,
          state: madeByEngine(turn.result.state),
          pending,
          updatedAt: now,
          handled: record?.handled ?? [],
          holdsDraft,
        };
        if (record?.inboundAt) saved.inboundAt = record.inboundAt;
        await deps.conversations.save(saved);
        // The question is part of the notice: what withdraws the notice (a "baja" since) withdraws it too.
        const question = this.replyItems(channel, chatId, pending, { createdAt: notice.createdAt, seq: (notice.seq ?? 0) + 1 }).map((item) => ({
          ...item,
          kind: notice.kind,
          ref: notice.ref ?? null,
        }));
        await deps.delivery.enqueue([notice, ...question]);
        await deps.conversations.save({ ...saved, pending: [] });
        return true;
      } catch (err) {
        deps.logger.warn({ chat: deps.pseudonym(key), err: errorInfo(err) }, "question after a notice not asked");
        return false;
      }
    });
  }

  /**
   * A message that could not be processed gets one outcome. With the store away on a channel that
   * can answer later, it is kept and processed when the store is back. Otherwise it failed: the
   * citizen is told to try again, and its claim is finished so nothing processes it later.
   */
  private async notProcessed(
    key: string,
    message: InboundMessage,
    send: Sender,
    replay: boolean,
    err: unknown,
    record: ConversationRecord | null,
    { delivers = false }: { delivers?: boolean } = {},
  ): Promise<HandleResult> {
    const { deps } = this;
    const unavailable = this.isUnavailable(err);
    if (unavailable && answersLater(message.channel)) return replay ? "deferred" : this.outage.keep(key, message, send);
    const inboundId = this.storedId(message.channel, message.messageId);
    await deps.inbound.complete(inboundId, deps.clock.now()).catch(() => undefined);
    const log = { chat: deps.pseudonym(key), message: deps.pseudonym(inboundId), err: errorInfo(err) };
    if (unavailable) deps.logger.warn(log, "store away: message not processed, the citizen is asked to send it again");
    else deps.logger.error(log, "message failed");
    const lang = (record && readState(record.state)?.lang) ?? languageFromHint(message.languageHint, deps.defaultLanguage);
    // What waited for this chat still goes (a WhatsApp message that waited for the citizen to write again),
    // unless the message's step began: what it changed half-way (a «baja», an erasure) may decide otherwise.
    if (delivers) await deps.delivery.deliverNow(message.channel, message.chatId, send).catch(() => undefined);
    await send(message.chatId, deps.renderer.text(lang, "errors.internal")).catch(() => undefined);
    return "failed";
  }

  /**
   * Sends what waits for this chat, in order: messages in the outbox (unless `outbox` is false), then
   * the record's pending replies, recording each as sent. What the channel does not take goes to the outbox, whose worker
   * delivers it when the channel is back (or this chat's next message does, on the web chat). A
   * crash in the middle resends the replies of that one message (at least once).
   */
  private async flush<R extends ConversationRecord | null>(
    record: R,
    channel: ChannelName,
    chatId: string,
    send: Sender,
    { outbox = true }: { outbox?: boolean } = {},
  ): Promise<R> {
    const { deps } = this;
    let sent = 0;
    try {
      if (outbox) await deps.delivery.deliverNow(channel, chatId, send);
      if (!record) return record;
      for (const reply of record.pending) {
        await send(chatId, reply);
        sent++;
      }
      if (sent > 0) await deps.conversations.save({ ...record, pending: [] });
      return (record.pending.length ? { ...record, pending: [] } : record) as R;
    } catch (err) {
      if (!record?.pending.length) {
        deps.logger.warn({ chat: deps.pseudonym(`${channel}:${chatId}`), err: errorInfo(err) }, "channel did not take a waiting message: left in the outbox");
        return record;
      }
      deps.logger.warn({ chat: deps.pseudonym(record.id), err: errorInfo(err) }, "channel did not take the replies: handed to the outbox");
      const parked = await this.park(record, channel, chatId, record.pending.slice(sent));
      return parked as R;
    }
  }

  /** Hands replies to the outbox and takes them off the conversation's pending list. */
  private async park(record: ConversationRecord, channel: ChannelName, chatId: string, replies: OutboundMessage[]): Promise<ConversationRecord> {
    await this.enqueueReplies(channel, chatId, replies);
    const parked = { ...record, pending: [] };
    await this.deps.conversations.save(parked);
    return parked;
  }

  /** Replies as outbox items: their ids are the replies' own, so handing them over twice keeps one. */
  private enqueueReplies(channel: ChannelName, chatId: string, replies: OutboundMessage[]): Promise<number> {
    return this.deps.delivery.enqueue(this.replyItems(channel, chatId, replies, { createdAt: this.deps.clock.now(), seq: 0 }));
  }

  /** Replies as outbox items, in order from `from`. */
  private replyItems(channel: ChannelName, chatId: string, replies: OutboundMessage[], from: { createdAt: Date; seq: number }): NewOutboxItem[] {
    return replies.map((payload, n) => ({
      id: `reply:${channel}:${chatId}:${payload.id}`,
      channel,
      chatId,
      kind: "reply",
      payload,
      createdAt: from.createdAt,
      seq: from.seq + n,
    }));
  }

  /** `along`: the content came with a text handled just before it (a photo's caption). */
  private async toEngineInput(c: InboundContent, key: string, state: ConversationState | null, along = false): Promise<EngineInput | { reply: string }> {
    switch (c.type) {
      case "text":
        return { type: "text", text: stripControl(String(c.text).slice(0, MAX_INBOUND_TEXT)) };
      case "choice":
        return { type: "choice", value: String(c.value).slice(0, MAX_CHOICE_VALUE) };
      case "location":
        if (!Number.isFinite(c.latitude) || !Number.isFinite(c.longitude) || Math.abs(c.latitude) > 90 || Math.abs(c.longitude) > 180) {
          return { reply: "errors.location" };
        }
        return { type: "location", latitude: c.latitude, longitude: c.longitude };
      case "photo": {
        const { engine } = this.deps;
        // Stored only when a question takes it: the one waiting, or one further on (`Engine.holdsPhoto`).
        if (engine.accepts(state) !== "photo" && !engine.holdsPhoto(state)) return { reply: engine.photoRefused(state) };
        const data = await this.readPhoto(c.data);
        if (!Buffer.isBuffer(data)) return data;
        const saved = await this.deps.photos.save(data, key);
        if (!saved.ok) return { reply: saved.reason === "too_large" ? "errors.photo_too_large" : "errors.photo_not_image" };
        return { type: "photo", mediaId: saved.mediaId, ...(along ? { along: true as const } : {}) };
      }
      case "open":
        return { type: "open", link: typeof c.link === "string" ? c.link.slice(0, MAX_LINK) : undefined };
      case "word":
        return GLOBAL_WORDS.includes(c.word) ? { type: "word", word: c.word } : { type: "unsupported" };
      default:
        if (along) return { reply: unsupportedReply(c.kind).key };
        return { type: "unsupported", kind: c.kind };
    }
  }

  /** What the understanding makes of a text; if it fails, the message goes on without it (numbers and labels still work). */
  private understand(text: string, lang: Language, key: string, options: UnderstandOptions): Promise<Understood | undefined> {
    const { understand } = this.deps;
    return this.askUnderstanding(key, understand && (() => understand(text, lang, options)), "message not understood: the understanding failed");
  }

  /** The language a text is written in, when the understanding can tell; undefined when it cannot or fails. */
  private writtenIn(text: string, key: string): Promise<Language | undefined> {
    const { writtenIn } = this.deps;
    return this.askUnderstanding(key, writtenIn && (() => writtenIn(text)), "message's language not read: the understanding failed");
  }

  /** What `ask` answers; undefined without an understanding, or when it fails (logged with `failed`, never the text). */
  private async askUnderstanding<T>(key: string, ask: (() => Promise<T | undefined>) | undefined, failed: string): Promise<T | undefined> {
    if (!ask) return undefined;
    try {
      return await ask();
    } catch (err) {
      this.deps.logger.warn({ chat: this.deps.pseudonym(key), err: errorInfo(err) }, failed);
      return undefined;
    }
  }

  /** A photo's bytes, fetched from the platform when they are not here yet. */
  private async readPhoto(data: Buffer | RemotePhoto): Promise<Buffer | { reply: string }> {
    if (Buffer.isBuffer(data)) return data;
    const max = this.deps.photos.maxBytes;
    if (data.size !== undefined && data.size > max) return { reply: "errors.photo_too_large" };
    try {
      return await data.read(max);
    } catch (err) {
      if (err instanceof PhotoTooLargeError) return { reply: "errors.photo_too_large" };
      this.deps.logger.warn({ err: errorInfo(err) }, "photo could not be downloaded");
      return { reply: "errors.photo_unavailable" };
    }
  }

  private async runAction(name: string, args: Json, ctx: ActionContext, key: string): Promise<EngineInput> {
    const action = this.deps.actions.get(name);
    if (!action) return { type: "action_result", ok: false, error: `unknown action ${name}` };
    const parsed = action.args.safeParse(args);
    if (!parsed.success) {
      this.deps.logger.warn({ chat: this.deps.pseudonym(key), action: name }, "action arguments rejected");
      return { type: "action_result", ok: false, error: "invalid arguments" };
    }
    try {
      return { type: "action_result", ok: true, value: await action.run(parsed.data, ctx) };
    } catch (err) {
      // The store away is not the action failing: the whole message waits (or fails) and is tried again.
      if (this.isUnavailable(err)) throw err;
      this.deps.logger.error({ chat: this.deps.pseudonym(key), action: name, err: errorInfo(err) }, "action failed");
      return { type: "action_result", ok: false, error: "action failed" };
    }
  }
}

/**
 * The parts of a message, read one after the other: a photo's caption before the photo, as if typed
 * first; where a photo is what is asked, the photo first, then its caption only if it tells the place
 * asked next (`onlyPlace`).
 */
function withCaption(content: InboundContent, photoAsked: boolean): { content: InboundContent; onlyPlace?: true }[] {
  const caption = captionOf(content);
  if (!caption) return [{ content }];
  const text: InboundContent = { type: "text", text: caption };
  // A photo lost in a crash too: at the photo question its caption is still only read for the place.
  return photoAsked ? [{ content }, { content: text, onlyPlace: true }] : [{ content: text }, { content }];
}

/** Where what came along a text goes among its replies: before the question the text left waiting (the last), or after them all. */
function questionAt(replies: Reply[], state: ConversationState | null): number {
  return state?.waiting === "answer" && replies.length ? replies.length - 1 : replies.length;
}

/** Whether the conversation left the question it waited at. */
function movedOn(before: ConversationState | null, after: ConversationState): boolean {
  return before?.waiting !== "answer" || after.waiting !== "answer" || before.flow !== after.flow || before.step !== after.step || after.aside !== before.aside;
}

/** The replies, the question last among them marked when a photo sent now is taken though not asked for (`OutboundMessage.takesPhoto`). */
function withPhotoTaken(replies: OutboundMessage[], engine: Engine, state: ConversationState): OutboundMessage[] {
  const last = replies.at(-1);
  if (!last || last.request === "photo" || !(engine.holdsPhoto(state) || engine.photoOpens(state) !== undefined)) return replies;
  return [...replies.slice(0, -1), { ...last, takesPhoto: true }];
}

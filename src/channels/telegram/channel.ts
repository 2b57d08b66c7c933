/**
 * The Telegram channel: grammY reads updates (long polling through @grammyjs/runner, or a
 * webhook), `readUpdate` turns them into neutral messages, the conversation runtime answers, and
 * `toTelegram` turns the answers back into messages with keyboards. Business rules live in flows.
 */
import { createHmac } from "node:crypto";
import { setMaxListeners } from "node:events";
import { type RunnerHandle, run, sequentialize } from "@grammyjs/runner";
import { type Api, type Bot, type Context, GrammyError, InputFile, type MiddlewareFn } from "grammy";
import type { InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update } from "grammy/types";
import type { Config } from "../../config/settings.js";
import type { ConversationService } from "../../conversation/conversations.js";
import type { OutboundMessage } from "../../conversation/messages.js";
import type { FlowCommand } from "../../engine/flow.js";
import type { Language } from "../../locale/languages.js";
import { languageFromHint } from "../../locale/languages.js";
import type { Texts } from "../../locale/texts.js";
import type { Delivery } from "../../notify/delivery.js";
import { errorInfo } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import { createBot, createOutboxApi } from "./bot.js";
import { type Command, commandTable, type MenuCommand, registerCommands } from "./commands.js";
import { telegramPhoto } from "./files.js";
import { toTelegram } from "./replies.js";
import { type PressedButton, readUpdate, type TelegramEvent } from "./updates.js";
import type { WebhookAnswerCall } from "./webhook.js";

type GrammySignal = Parameters<Bot["init"]>[0];

/** Chats remembered for tidying buttons; the oldest are forgotten beyond this (memory stays bounded). */
const REMEMBERED_CHATS = 100_000;

/** Sets `key` as the newest entry, forgetting the oldest one when full. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED_CHATS) map.delete(map.keys().next().value as string);
}

/** How long long polling waits for updates without a journal to be handled before asking for more (confirming them). */
const UNJOURNALED_WAIT_MS = 30_000;

/** The updates the bot asks Telegram for: nothing it would ignore anyway (`my_chat_member`: added to or removed from a group). */
const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;

export interface TelegramChannelOptions {
  config: Config & { TELEGRAM_BOT_TOKEN: string };
  /** The language of a user whose Telegram app says nothing we speak. */
  defaultLanguage: Language;
  conversations: ConversationService;
  /** The commands the flows declare (flows/*.yaml `command:`), for the menu and for reading commands. */
  flowCommands: readonly FlowCommand[];
  /** The outbox worker: this channel delivers what waits for Telegram chats while it is connected. */
  delivery: Delivery;
  texts: Texts;
  logger: Logger;
  /**
   * What the bot does in groups and channels (the secretariat's cards, commands and replies; their
   * buttons; being added or removed): run once per update, in order per chat. Whatever it passes on
   * (`next`) gets the channel's own answer (a mention gets an invitation to a private chat).
   */
  groups?: MiddlewareFn<Context>;
  /** The commands `groups` answers, for the groups' command menu. */
  groupCommands?: readonly MenuCommand[];
  /** A photo of the store by its id (an announcement's), for messages that carry one. */
  media?: (id: string) => Promise<{ data: Buffer; mimeType: string } | null>;
  /** The bytes of a file a reply carries (its `file.ref`), made when it is sent; undefined when it cannot be. */
  files?: (ref: string) => Promise<Buffer | undefined>;
}

export type TelegramMode = "polling" | "webhook";
export type TelegramStatus = "starting" | "polling" | "webhook" | "off";

export class TelegramChannel {
  readonly bot: Bot;
  private status: TelegramStatus = "starting";
  private runner?: RunnerHandle;
  private ready?: Promise<boolean>;
  private readonly aborter = new AbortController();
  /** Aborts API calls (and their retries) when the channel stops; grammY types it with its own shim. */
  private get signal(): GrammySignal {
    return this.aborter.signal as unknown as GrammySignal;
  }
  /** Per chat, the last message that carries inline buttons: pressing older ones is refused. */
  private readonly keyboards = new Map<string, number>();
  /** Photos of the store already uploaded, by their id: Telegram's file id for each. */
  private readonly photoIds = new Map<string, string>();
  /** Citizens' messages this process claimed with their journal on arrival, not handled yet: theirs to finish. */
  private readonly journaled = new Set<string>();
  /**
   * Updates long polling fetched that have no journal (a group's, or a citizen's the store could not
   * keep then), by id, until handled: Telegram is not asked for more, which would confirm them, before.
   */
  private readonly unjournaled = new Map<number, () => void>();
  private readonly unjournaledDone: Promise<void>[] = [];
  /** When this process started: in long polling, a claim older than this is a stopped process's. */
  private readonly startedAt = Date.now();
  /** Each update as read (updates.ts), while grammY holds it. */
  private readonly events = new WeakMap<Update, TelegramEvent>();
  /** Webhook updates claimed and answered 200, still being handled; more wait for a free place. */
  private readonly background = new Set<Promise<void>>();
  /** Webhook updates being handled, by chat: a press is acknowledged in the webhook's answer only in a chat with none. */
  private readonly handling = new Map<string, number>();
  /** Presses acknowledged in the webhook's answer, by query id, until handled: whether each was stale then. */
  private readonly acknowledged = new Map<string, boolean>();
  private readonly backgroundFree: (() => void)[] = [];

  /** Chats showing our reply keyboard (the location button), to be removed with the next plain message. */
  private readonly replyKeyboards = new Map<string, true>();

  private readonly commands: readonly Command[];

  constructor(private readonly options: TelegramChannelOptions) {
    this.commands = commandTable(options.flowCommands);
    const { config } = options;
    // Every call in flight listens on the one stop signal: thousands at once are expected.
    setMaxListeners(0, this.aborter.signal);
    this.bot = createBot({ token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT, throttle: config.TELEGRAM_THROTTLE, logger: options.logger });
    // An update without a journal counts as handled once all of its handling ended (waiting its turn included).
    this.bot.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        this.unjournaled.get(ctx.update.update_id)?.();
      }
    });
    // One update per chat at a time, in order, even while a photo downloads.
    this.bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
    // What waits in the outbox goes out through the same path as replies, once connected, paced by
    // the outbox itself under Telegram's limits (see createOutboxApi).
    const outboxApi = createOutboxApi({ token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT, logger: options.logger });
    options.delivery.register("telegram", {
      send: (chatId, message) => this.send(chatId, message, outboxApi),
      isPermanent: (err) =>
        err instanceof GrammyError &&
        (err.error_code === 403 || (err.error_code === 400 && /chat not found|not enough rights|have no rights|CHAT_WRITE_FORBIDDEN/i.test(err.description))),
      retryAfterMs: (err) =>
        err instanceof GrammyError && err.error_code === 429 && typeof err.parameters.retry_after === "number" ? err.parameters.retry_after * 1000 : undefined,
      limits: config.TELEGRAM_THROTTLE
        ? {
            perSecond: config.TELEGRAM_MAX_PER_SECOND,
            chatGapMs: config.TELEGRAM_CHAT_INTERVAL_MS,
            groupPerMinute: config.TELEGRAM_GROUP_MAX_PER_MINUTE,
            // Groups, supergroups and channels have negative ids.
            isGroup: (chatId) => chatId.startsWith("-"),
          }
        : undefined,
    });
    options.delivery.down("telegram");
    const groups = options.groups;
    if (groups) this.bot.drop((ctx) => !ctx.chat || ctx.chat.type === "private").use((ctx) => this.onGroupUpdate(ctx, groups));
    this.bot.use((ctx) => this.onUpdate(ctx.update));
    // Long polling: the runner asks for the next updates, which tells Telegram these are delivered,
    // before it has handled them. Each citizen's message is claimed with its journal as it arrives,
    // so a process killed before handling it leaves it to crash recovery instead of losing it; any
    // other update (a secretariat group's) is handled before the next updates are asked for, so a
    // process killed first gets it again from Telegram.
    this.bot.api.config.use(async (prev, method, payload, signal) => {
      if (method === "getUpdates") await this.untilHandled(signal as unknown as AbortSignal | undefined);
      const res = await prev(method, payload, signal);
      if (method === "getUpdates" && res.ok) await this.journal(res.result as Update[]);
      return res;
    });
    this.bot.catch((err) => this.options.logger.error({ channel: "telegram", err: errorInfo(err.error) }, "telegram update failed"));
  }

  get mode(): TelegramMode {
    return this.options.config.TELEGRAM_WEBHOOK_URL ? "webhook" : "polling";
  }

  get state(): TelegramStatus {
    return this.status;
  }

  /** Where the webhook listens and the secret Telegram must send; derived from the token unless configured. */
  get webhook(): { path: string; secret: string } | undefined {
    const { config } = this.options;
    if (!config.TELEGRAM_WEBHOOK_URL) return undefined;
    const secret = config.TELEGRAM_WEBHOOK_SECRET ?? createHmac("sha256", config.TELEGRAM_BOT_TOKEN).update("municipio-abierto webhook").digest("hex");
    return { path: new URL(config.TELEGRAM_WEBHOOK_URL).pathname, secret };
  }

  /**
   * Connects: checks the token (getMe), registers the command menu, then polls or sets the webhook.
   * Never throws: a token Telegram rejects turns the channel off with one log line.
   */
  start(): Promise<boolean> {
    this.ready ??= this.connect();
    return this.ready;
  }

  private async connect(): Promise<boolean> {
    const { logger, texts, config } = this.options;
    const api = this.bot.api;
    try {
      await this.bot.init(this.signal);
      await registerCommands(api, this.commands, texts, this.options.defaultLanguage, this.options.groupCommands).catch(() =>
        logger.warn({ channel: "telegram" }, "telegram command menu not registered"),
      );
      const webhook = this.webhook;
      if (webhook && config.TELEGRAM_WEBHOOK_URL) {
        await api.setWebhook(config.TELEGRAM_WEBHOOK_URL, { secret_token: webhook.secret, allowed_updates: ALLOWED_UPDATES }, this.signal);
      } else {
        // getUpdates is refused while a webhook is set; pending updates are kept.
        await api.deleteWebhook({ drop_pending_updates: false }, this.signal);
        this.runner = run(this.bot, { runner: { silent: true, fetch: { allowed_updates: ALLOWED_UPDATES, timeout: 30 } } });
        void this.runner.task()?.catch((err: unknown) => this.fail(err));
      }
    } catch (err) {
      this.fail(err);
      return false;
    }
    if (this.status === "off") return false;
    this.status = this.mode;
    logger.info({ channel: "telegram", bot: `@${this.bot.botInfo.username}`, mode: this.mode }, "telegram on");
    this.options.delivery.up("telegram");
    return true;
  }

  /** One clear line, and the channel stops; the rest of the bot keeps running. */
  private fail(err: unknown): void {
    if (this.aborter.signal.aborted) return;
    this.status = "off";
    this.options.delivery.down("telegram");
    const { logger } = this.options;
    if (err instanceof GrammyError && err.error_code === 401) {
      logger.error({ channel: "telegram" }, "telegram off: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); check the token with @BotFather");
    } else if (err instanceof GrammyError && err.error_code === 409) {
      logger.error({ channel: "telegram" }, "telegram off: another process is reading this bot's updates (409 Conflict)");
    } else {
      logger.error({ channel: "telegram", err: errorInfo(err) }, "telegram off: cannot reach the Bot API");
    }
    void this.runner?.stop();
  }

  /**
   * An update that came through the webhook. `off`: the channel could not start, so Telegram should
   * try again later. Anything else is `done`, even an update that failed (logged, never its content):
   * Telegram repeats an update answered with an error until it gets a 2xx.
   *
   * A citizen's message is answered `done` as soon as its claim is kept (with its journal, as in
   * long polling), and handled after: Telegram sends at most `max_connections` (40) updates at a
   * time and waits for each answer. At most TELEGRAM_WEBHOOK_HANDLING (500) are handled at once (the
   * runner's own bound in long polling); beyond, the answer waits for a place, so Telegram slows down
   * instead of the bot filling its memory. Any other update
   * (a redelivery, a group's, one the store could not keep now) is handled before the answer.
   */
  async handleWebhookUpdate(update: Update): Promise<"done" | "off" | WebhookAnswerCall> {
    if (!(await this.start())) return "off";
    await this.placeToHandle();
    if ((await this.claimOnArrival(update)) === "claimed") {
      const call = this.acknowledgeOnArrival(update);
      const handled: Promise<void> = this.handleInChat(update).finally(() => {
        this.background.delete(handled);
        this.backgroundFree.shift()?.();
      });
      this.background.add(handled);
      return call ?? "done";
    }
    // Not one of those handled after the answer: the place it waited for goes to the next in line.
    this.backgroundFree.shift()?.();
    await this.handleInChat(update);
    return "done";
  }

  /**
   * A press in a chat where nothing else is being handled is acknowledged in the webhook's answer:
   * one request to Telegram fewer per press. Whether it is stale is judged now, and kept for its
   * handling: nothing of this chat runs in between that could make it otherwise. The outbox may
   * still send a newer question meanwhile; the press then answers the question it was pressed on, as
   * it would have a moment earlier.
   */
  private acknowledgeOnArrival(update: Update): WebhookAnswerCall | undefined {
    const event = this.read(update);
    if (event.kind !== "citizen" || !event.button || this.handling.has(event.chatId)) return undefined;
    const stale = this.isStale(event.chatId, event.button);
    remember(this.acknowledged, event.button.queryId, stale);
    const call: WebhookAnswerCall = { method: "answerCallbackQuery", callback_query_id: event.button.queryId };
    if (stale) call.text = this.options.texts.t(languageFromHint(event.languageHint, this.options.defaultLanguage), "telegram.stale_button");
    return call;
  }

  /** Handles a webhook update, counted as being handled in its chat meanwhile. */
  private async handleInChat(update: Update): Promise<void> {
    const event = this.read(update);
    const chatId = event.kind === "citizen" ? event.chatId : undefined;
    if (chatId !== undefined) this.handling.set(chatId, (this.handling.get(chatId) ?? 0) + 1);
    try {
      await this.handleNow(update);
    } finally {
      if (chatId !== undefined) {
        const left = (this.handling.get(chatId) ?? 1) - 1;
        if (left > 0) this.handling.set(chatId, left);
        else this.handling.delete(chatId);
      }
    }
  }

  /** Resolves when the webhook updates answered so far have been handled. */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  /** Waits while TELEGRAM_WEBHOOK_HANDLING updates are being handled. */
  private async placeToHandle(): Promise<void> {
    while (this.background.size >= this.options.config.TELEGRAM_WEBHOOK_HANDLING) await new Promise<void>((resolve) => this.backgroundFree.push(resolve));
  }

  private async handleNow(update: Update): Promise<void> {
    try {
      await this.bot.handleUpdate(update);
    } catch (err) {
      this.options.logger.error({ channel: "telegram", err: errorInfo(err) }, "telegram update failed");
    }
  }

  /** Stops reading updates and waits for the ones being handled. */
  async stop(): Promise<void> {
    await this.runner?.stop();
    await this.idle();
    this.aborter.abort();
    if (this.status !== "off") this.status = "off";
  }

  /**
   * An update in a group or channel: to the groups' middleware once (a redelivery does nothing), then
   * the channel's own answer if passed on. In long polling only this process reads updates, so one
   * claimed before it started belongs to a process that stopped before finishing it: Telegram gives
   * it again (it was not confirmed), and it is handled.
   */
  private async onGroupUpdate(ctx: Context, groups: MiddlewareFn<Context>): Promise<void> {
    const run = async () => {
      let passed = false;
      await groups(ctx, async () => {
        passed = true;
      });
      if (passed) await this.onUpdate(ctx.update, true);
    };
    await this.options.conversations.once("telegram", `${this.bot.botInfo.id}:${ctx.update.update_id}`, run, this.groupLeaseMs());
  }

  /** What an update holds; read once per update (on arrival, then when handled). */
  private read(update: Update): TelegramEvent {
    let event = this.events.get(update);
    if (!event) {
      event = this.readNow(update);
      this.events.set(update, event);
    }
    return event;
  }

  private readNow(update: Update): TelegramEvent {
    return readUpdate(update, {
      commands: this.commands,
      username: this.bot.botInfo.username,
      photo: (fileId, size) => telegramPhoto(this.bot.api, this.options.config.TELEGRAM_API_ROOT, this.options.config.TELEGRAM_BOT_TOKEN, fileId, size),
    });
  }

  /** Claims the citizens' messages of a batch of updates with their journal; the others are waited for (see the constructor). */
  private async journal(updates: readonly Update[]): Promise<void> {
    await Promise.all(
      updates.map(async (update) => {
        if ((await this.claimOnArrival(update)) !== "no") return;
        this.unjournaledDone.push(
          new Promise<void>((resolve) =>
            this.unjournaled.set(update.update_id, () => {
              this.unjournaled.delete(update.update_id);
              resolve();
            }),
          ),
        );
      }),
    );
  }

  /** Waits (at most UNJOURNALED_WAIT_MS, or until the call is aborted) for the updates fetched without a journal to be handled. */
  private async untilHandled(signal: AbortSignal | undefined): Promise<void> {
    const pending = this.unjournaledDone.splice(0);
    if (!pending.length || signal?.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), UNJOURNALED_WAIT_MS);
      signal?.addEventListener("abort", () => resolve("late"), { once: true });
    });
    const outcome = await Promise.race([Promise.all(pending), late]);
    clearTimeout(timer);
    if (outcome === "late" && !signal?.aborted) {
      this.options.logger.warn({ channel: "telegram", updates: this.unjournaled.size }, "telegram updates still being handled are confirmed to Telegram");
    }
  }

  /** How long a claim of a group update must be held before it is taken over (see onGroupUpdate). */
  private groupLeaseMs(): number | undefined {
    return this.mode === "polling" ? Math.max(0, Date.now() - this.startedAt) : undefined;
  }

  /**
   * Claims a citizen's message with its journal as it arrives, before Telegram hears it was
   * received. `claimed`: this process holds it and handles it with `journaled: true`; `duplicate`:
   * claimed before (a redelivery); `no`: not a citizen's message, or a store that cannot keep it
   * now (logged; it is claimed when handled).
   */
  private async claimOnArrival(update: Update): Promise<"claimed" | "duplicate" | "no"> {
    const event = this.read(update);
    if (event.kind !== "citizen") return "no";
    const messageId = `${this.bot.botInfo.id}:${update.update_id}`;
    try {
      const message = { channel: "telegram" as const, chatId: event.chatId, messageId, content: event.content, languageHint: event.languageHint };
      const claim = await this.options.conversations.journal(message);
      if (claim === "claimed") this.journaled.add(messageId);
      return claim;
    } catch (err) {
      this.options.logger.warn({ channel: "telegram", err: errorInfo(err) }, "telegram update not journaled on arrival");
      return "no";
    }
  }

  /** `claimed`: the update's id is already recorded (a group update), so it is answered without asking again. */
  private async onUpdate(update: Update, claimed = false): Promise<void> {
    const event = this.read(update);
    if (event.kind === "malformed") {
      this.options.logger.warn({ channel: "telegram", field: event.path }, "telegram update ignored: not the shape Telegram documents");
      return;
    }
    if (event.kind === "group_mention") {
      if (claimed || (await this.options.conversations.firstSeen("telegram", `${this.bot.botInfo.id}:${update.update_id}`))) await this.inviteToPrivate(event);
      return;
    }
    if (event.kind !== "citizen") return;
    const lang = languageFromHint(event.languageHint, this.options.defaultLanguage);
    // Acknowledging the press and tidying old buttons run alongside the answer, not before it, and only
    // for an update seen for the first time: a redelivered one changes nothing the citizen sees.
    let tidied: Promise<unknown> = Promise.resolve();
    const messageId = `${this.bot.botInfo.id}:${update.update_id}`;
    await this.options.conversations.handle(
      {
        channel: "telegram",
        chatId: event.chatId,
        messageId,
        content: event.content,
        languageHint: event.languageHint,
      },
      (chatId, message) => this.send(chatId, message),
      {
        onNew: () => {
          const tidy = event.button ? this.acceptButton(event.chatId, event.button, lang) : { stale: false, done: this.retireKeyboard(event.chatId) };
          tidied = tidy.done;
          return tidy.stale ? "drop" : undefined;
        },
        journaled: this.journaled.delete(messageId),
      },
    );
    await tidied;
  }

  /**
   * Answers the button press, and marks the question answered: the buttons go and the chosen label
   * stays under it. A press on an older question's buttons is refused kindly (`stale`).
   */
  private acceptButton(chatId: string, button: PressedButton, lang: Language): { stale: boolean; done: Promise<unknown> } {
    const api = this.bot.api;
    const acknowledged = this.acknowledged.get(button.queryId);
    this.acknowledged.delete(button.queryId);
    const stale = acknowledged ?? this.isStale(chatId, button);
    if (!stale) this.keyboards.delete(chatId);
    const answered =
      acknowledged !== undefined
        ? Promise.resolve()
        : api.answerCallbackQuery(button.queryId, stale ? { text: this.options.texts.t(lang, "telegram.stale_button") } : {});
    const edited =
      button.text && button.label && !stale
        ? api.editMessageText(chatId, button.messageId, `${button.text}\n\n${this.options.texts.t(lang, "telegram.chosen", { label: button.label })}`, {
            link_preview_options: { is_disabled: true },
          })
        : api.editMessageReplyMarkup(chatId, button.messageId);
    return { stale, done: Promise.allSettled([answered, edited]) };
  }

  /**
   * Message ids grow within a chat: only a press on a message older than the newest question is stale.
   * (Another process behind the same webhook may have sent newer questions this one never saw.)
   */
  private isStale(chatId: string, button: PressedButton): boolean {
    const current = this.keyboards.get(chatId);
    return current !== undefined && button.messageId < current;
  }

  /** The citizen typed instead of pressing: the buttons of the question they answered go. */
  private retireKeyboard(chatId: string): Promise<unknown> {
    const messageId = this.keyboards.get(chatId);
    if (messageId === undefined) return Promise.resolve();
    this.keyboards.delete(chatId);
    return this.bot.api.editMessageReplyMarkup(chatId, messageId).catch(() => undefined);
  }

  /** Sends a message exactly as the outbox does (an announcement's preview in the secretariat's group). */
  deliver(chatId: string, message: OutboundMessage): Promise<string> {
    return this.send(chatId, message);
  }

  /** A file from Telegram's servers (a photo a member attached), refused beyond `maxBytes`. */
  download(fileId: string, maxBytes: number): Promise<Buffer> {
    const { config } = this.options;
    return telegramPhoto(this.bot.api, config.TELEGRAM_API_ROOT, config.TELEGRAM_BOT_TOKEN, fileId, undefined).read(maxBytes);
  }

  /** Sends a message (in several if long); resolves with the id of the last one sent. */
  private async send(chatId: string, message: OutboundMessage, api: Api = this.bot.api): Promise<string> {
    if (message.photo) return this.sendPhoto(chatId, message, api);
    if (message.file) return this.sendFile(chatId, message, message.file, api);
    const { chunks, keyboard } = toTelegram(message, this.options.texts);
    const signal = this.signal;
    const thread = message.threadId ? { message_thread_id: message.threadId } : {};
    let last = "";
    for (const [i, chunk] of chunks.entries()) {
      const isLast = i === chunks.length - 1;
      let reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | undefined = isLast ? keyboard?.markup : undefined;
      // A notice (a report's change, an announcement) comes between a question and its answer: the keyboard of the
      // question still open («📍 Enviar mi ubicación») stays; a reply of the conversation without one takes it away.
      if (!reply_markup && !message.notice && this.replyKeyboards.has(chatId) && (!isLast || !keyboard)) {
        reply_markup = { remove_keyboard: true };
        this.replyKeyboards.delete(chatId);
      }
      const sent = await api.sendMessage(chatId, chunk, { reply_markup, link_preview_options: { is_disabled: true }, ...thread }, signal);
      if (isLast && keyboard?.kind === "inline") remember(this.keyboards, chatId, sent.message_id);
      if (isLast && keyboard?.kind === "reply") remember(this.replyKeyboards, chatId, true);
      last = String(sent.message_id);
    }
    return last;
  }

  /**
   * A photo with the text as its caption (an announcement checks it fits). The photo is uploaded
   * once; later messages name Telegram's file id for it, so a broadcast uploads it once.
   */
  private async sendPhoto(chatId: string, message: OutboundMessage, api: Api): Promise<string> {
    const id = message.photo as string;
    const known = this.photoIds.get(id);
    let photo: string | InputFile;
    if (known) photo = known;
    else {
      const stored = await this.options.media?.(id);
      if (!stored) throw new Error(`photo ${id} is not in the store`);
      photo = new InputFile(stored.data, "photo.jpg");
    }
    const sent = await api.sendPhoto(
      chatId,
      photo,
      { caption: message.text, ...(message.threadId ? { message_thread_id: message.threadId } : {}) },
      this.signal,
    );
    const largest = sent.photo?.at(-1)?.file_id;
    if (!known && largest) remember(this.photoIds, id, largest);
    return String(sent.message_id);
  }

  /**
   * A file the bot made (the citizen's data) as a document with the text as its caption. Made when it
   * is sent; if it cannot be made any more (its link expired in the outbox), the fallback text goes.
   */
  private async sendFile(chatId: string, message: OutboundMessage, file: NonNullable<OutboundMessage["file"]>, api: Api): Promise<string> {
    const data = await this.options.files?.(file.ref);
    if (!data) return this.send(chatId, { ...message, file: undefined, text: file.fallback }, api);
    const thread = message.threadId ? { message_thread_id: message.threadId } : {};
    const sent = await api.sendDocument(chatId, new InputFile(data, file.name), { caption: message.text, ...thread }, this.signal);
    return String(sent.message_id);
  }

  /** In a group the bot runs no conversation: it offers a private chat, where privacy is possible. */
  private async inviteToPrivate(event: Extract<TelegramEvent, { kind: "group_mention" }>): Promise<void> {
    const { texts, defaultLanguage } = this.options;
    const lang = languageFromHint(event.languageHint, defaultLanguage);
    const url = `https://t.me/${this.bot.botInfo.username}?start=menu`;
    await this.bot.api.sendMessage(event.chatId, texts.t(lang, "telegram.group_hello"), {
      reply_parameters: { message_id: event.messageId, allow_sending_without_reply: true },
      reply_markup: { inline_keyboard: [[{ text: texts.t(lang, "telegram.talk_privately"), url }]] },
    });
  }
}

/**
 * The WhatsApp channel on Meta's Cloud API (WHATSAPP_MODE=cloud): Meta posts citizens' messages to
 * our webhook, each is kept in the store's inbound journal before Meta is answered (so a crash
 * loses none, a redelivery is processed once, and any process behind a load balancer may take it),
 * then the conversation runtime answers in order per citizen. Answers go out as buttons, lists or
 * text through the Graph API, within the account's throughput and one at a time per chat; rate
 * limits and Meta's server errors are waited out; a recipient who cannot be reached is given up; a
 * token Meta rejects turns the channel off with one line. What the bot sends on its own goes through
 * the outbox: as a message within 24 hours of the citizen's last one, as an approved template after,
 * or, without a template, when the citizen writes again.
 */
import Bottleneck from "bottleneck";
import type { Config } from "../../../config/settings.js";
import type { ConversationService } from "../../../conversation/conversations.js";
import type { InboundMessage, OutboundMessage, RemotePhoto } from "../../../conversation/messages.js";
import type { Texts } from "../../../locale/texts.js";
import type { Delivery } from "../../../notify/delivery.js";
import type { Clock } from "../../../util/clock.js";
import { errorInfo } from "../../../util/errors.js";
import type { Logger } from "../../../util/logger.js";
import type { Pseudonymizer } from "../../../util/pseudonym.js";
import { GraphApi, GraphError, type GraphMessage } from "./graph.js";
import { readPayload, waIdOf } from "./inbound.js";
import { toCloud } from "./replies.js";
import type { NoticeTemplates } from "./templates.js";
import type { WebhookOutcome } from "./webhook.js";

export type CloudStatus = "starting" | "on" | "off";

/** WhatsApp's customer-service window, less a minute for clocks that differ. */
export const SERVICE_WINDOW_MS = 24 * 3600 * 1000 - 60_000;

/** Why a message waits for the citizen's next one instead of going now (see Delivery's `waitsForChat`). */
export class WaitForChat extends Error {
  constructor(readonly reason: "outside_window" | "template_rejected") {
    super(`message waits for the citizen's next message (${reason})`);
  }
}

export interface CloudChannelOptions {
  config: Pick<Config, "WHATSAPP_GRAPH_API_ROOT" | "WHATSAPP_CLOUD_PER_SECOND" | "WHATSAPP_CHAT_INTERVAL_MS"> & {
    WHATSAPP_CLOUD_TOKEN: string;
    WHATSAPP_PHONE_NUMBER_ID: string;
  };
  conversations: ConversationService;
  delivery: Delivery;
  templates: NoticeTemplates;
  texts: Texts;
  clock: Clock;
  logger: Logger;
  pseudonym: Pseudonymizer;
  /** First pause after a rate limit or a server error, doubled at each of `retries` attempts (tests shorten it). */
  retryMs?: number;
  retries?: number;
}

export class CloudWhatsAppChannel {
  private status: CloudStatus = "starting";
  private ready?: Promise<boolean>;
  private readonly graph: GraphApi;
  private readonly global: Bottleneck;
  private readonly perChat: Bottleneck.Group;
  private readonly retryMs: number;
  private readonly retries: number;
  /** A rate limit for the whole account: every send waits until then. */
  private pausedUntil = 0;

  constructor(private readonly options: CloudChannelOptions) {
    const { config } = options;
    this.graph = new GraphApi({ root: config.WHATSAPP_GRAPH_API_ROOT, token: config.WHATSAPP_CLOUD_TOKEN, phoneNumberId: config.WHATSAPP_PHONE_NUMBER_ID });
    this.retryMs = options.retryMs ?? 1000;
    this.retries = options.retries ?? 4;
    const perSecond = config.WHATSAPP_CLOUD_PER_SECOND;
    // The account's throughput: at most `perSecond` calls started in any second.
    this.global = new Bottleneck({ reservoir: perSecond, reservoirRefreshAmount: perSecond, reservoirRefreshInterval: 1000 });
    // One message at a time per chat (its order), with the configured pause between two.
    this.perChat = new Bottleneck.Group({ maxConcurrent: 1, minTime: config.WHATSAPP_CHAT_INTERVAL_MS });
    this.perChat.on("created", (limiter) => limiter.chain(this.global));
    options.delivery.register("whatsapp", {
      send: (chatId, message) => this.deliver(chatId, message),
      // A rejected token is not the recipient's fault: the channel goes down and the message waits for a new token.
      isPermanent: (err) => err instanceof GraphError && err.unreachable,
      waitsForChat: (err) => (err instanceof WaitForChat ? err.reason : err instanceof GraphError && err.outsideWindow ? "outside_window" : undefined),
      perSecond,
    });
    options.delivery.down("whatsapp");
  }

  get state(): CloudStatus {
    return this.status;
  }

  /** Checks the token and the number with Meta. Never throws: a rejected token turns the channel off with one line. */
  start(): Promise<boolean> {
    this.ready ??= this.connect();
    return this.ready;
  }

  private async connect(): Promise<boolean> {
    const { logger } = this.options;
    try {
      const number = await this.graph.phoneNumber();
      logger.info({ channel: "whatsapp", mode: "cloud", number: number.verifiedName }, "whatsapp on (Cloud API)");
    } catch (err) {
      if (err instanceof GraphError && err.tokenRejected) {
        this.fail();
        return false;
      }
      // Meta away for now: messages still arrive by webhook, and sends are retried.
      logger.warn({ channel: "whatsapp", err: errorInfo(err) }, "whatsapp: Meta did not answer the start-up check; the channel runs and retries");
    }
    if (this.status === "off") return false;
    this.status = "on";
    this.options.delivery.up("whatsapp");
    return true;
  }

  /** One line, and the channel stops sending and taking messages (Meta keeps them); the rest of the bot runs on. */
  private fail(): void {
    if (this.status === "off") return;
    this.status = "off";
    this.options.delivery.down("whatsapp");
    this.options.logger.error(
      { channel: "whatsapp", mode: "cloud" },
      "whatsapp off: Meta rejected WHATSAPP_CLOUD_TOKEN (expired or revoked, code 190); set a permanent system-user token and restart",
    );
  }

  async stop(): Promise<void> {
    this.options.delivery.down("whatsapp");
    await this.global.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  /** A signed webhook payload: statuses recorded, messages kept in the journal, then answered in the background. */
  async handleWebhook(payload: unknown): Promise<WebhookOutcome> {
    const { conversations, delivery, logger, pseudonym } = this.options;
    if (this.status === "starting") await this.start();
    if (this.status === "off") return "off";
    const events = readPayload(payload, this.options.config.WHATSAPP_PHONE_NUMBER_ID, (mediaId) => this.photo(mediaId));
    if (events.skipped.length)
      logger.warn({ channel: "whatsapp", fields: events.skipped.slice(0, 5) }, "whatsapp webhook: parts not of the shape Meta documents were skipped");
    for (const status of events.statuses) {
      const error = status.errorCode !== undefined ? `whatsapp_${status.errorCode}` : null;
      if (status.receipt === "failed") logger.warn({ channel: "whatsapp", code: status.errorCode }, "whatsapp could not deliver a message");
      await delivery
        .receipt("whatsapp", status.messageId, status.receipt, error)
        .catch((err) => logger.warn({ channel: "whatsapp", err: errorInfo(err) }, "whatsapp status not recorded"));
    }
    for (const m of events.messages) {
      const message: InboundMessage = { channel: "whatsapp", chatId: m.chatId, messageId: m.messageId, content: m.content };
      let accepted: Awaited<ReturnType<ConversationService["accept"]>>;
      try {
        accepted = await conversations.accept(message, (chatId, reply) => this.send(chatId, reply));
      } catch (err) {
        // Not kept: Meta is told to deliver the payload again (what was kept is then a duplicate).
        logger.warn(
          { channel: "whatsapp", chat: pseudonym(`whatsapp:${m.chatId}`), err: errorInfo(err) },
          "whatsapp message not kept; Meta will send it again",
        );
        return "unavailable";
      }
      if (accepted.result === "duplicate") continue;
      void this.markRead(m.messageId);
      void accepted.done.catch((err) =>
        logger.error({ channel: "whatsapp", chat: pseudonym(`whatsapp:${m.chatId}`), err: errorInfo(err) }, "whatsapp message failed"),
      );
    }
    return "done";
  }

  private photo(mediaId: string): RemotePhoto {
    return { read: (maxBytes) => this.graph.media(mediaId, maxBytes) };
  }

  private async markRead(messageId: string): Promise<void> {
    try {
      await this.global.schedule(() => this.graph.markRead(messageId));
    } catch (err) {
      this.options.logger.debug({ channel: "whatsapp", err: errorInfo(err) }, "whatsapp message not marked read");
    }
  }

  /**
   * The outbox's way: within 24 hours of the citizen's last message, as any reply; after, a notice
   * goes as its template, and anything else waits for the citizen's next message.
   */
  private async deliver(chatId: string, message: OutboundMessage): Promise<string> {
    const { conversations, clock, templates } = this.options;
    const last = await conversations.lastInboundAt("whatsapp", chatId);
    if (last && clock.now().getTime() - last.getTime() < SERVICE_WINDOW_MS) return this.send(chatId, message);
    const template = templates.message(message.notice, message.lang);
    if (!template) throw new WaitForChat("outside_window");
    try {
      return await this.post(chatId, template);
    } catch (err) {
      if (err instanceof GraphError && err.templateRejected) {
        this.options.logger.warn(
          { channel: "whatsapp", template: message.notice?.kind, code: err.code },
          "whatsapp template refused by Meta; the notice waits",
        );
        throw new WaitForChat("template_rejected");
      }
      throw err;
    }
  }

  /** Sends a reply as one or more Cloud API messages, in order; resolves with the id of the last. */
  private async send(chatId: string, message: OutboundMessage): Promise<string> {
    let last = "";
    for (const part of toCloud(message, this.options.texts)) last = await this.post(chatId, part);
    return last;
  }

  /** One message through the pacing, waiting out rate limits and server errors a few times with doubling pauses. */
  private post(chatId: string, message: GraphMessage): Promise<string> {
    return this.perChat.key(chatId).schedule(async () => {
      for (let attempt = 0; ; attempt++) {
        const wait = this.pausedUntil - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.status === "off") throw new Error("whatsapp channel is off");
        try {
          return await this.graph.send(waIdOf(chatId), message);
        } catch (err) {
          if (!(err instanceof GraphError)) throw err;
          if (err.tokenRejected) this.fail();
          if (!err.passing || attempt >= this.retries) throw err;
          const pause = this.retryMs * 2 ** attempt;
          this.options.logger.info(
            { channel: "whatsapp", code: err.code, status: err.status, retryInMs: pause },
            "whatsapp: Meta asked to slow down or failed; trying again",
          );
          // The account's throughput holds every chat back; a pair limit or a server error only this one.
          if (err.code === 130429) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pause);
          else await sleep(pause);
        }
      }
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

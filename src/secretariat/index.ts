/**
 * The Secretariado Técnico's face in Telegram: the middleware the Telegram channel runs for groups
 * (commands, cards' buttons, replies), the cards the Dispatcher publishes, the conversations with a
 * person the domain relays, and the daily digest. Built before the bot exists (the channel takes its
 * middleware), then attached to the bot's API.
 */
import type { Api, Context, MiddlewareFn } from "grammy";
import { AnnounceDesk, type AnnounceTools } from "./announce-desk.js";
import { TelegramCards } from "./cards.js";
import { CommitmentDesk } from "./commitment-desk.js";
import type { SecretariatDeps } from "./deps.js";
import { DailyDigest } from "./digest.js";
import { groupComposer } from "./group.js";
import { GROUP_COMMANDS, type GroupCommand } from "./group-commands.js";
import { GroupPrivacy } from "./group-privacy.js";
import { HandoffDesk } from "./handoff-desk.js";
import { ReportDesk } from "./report-desk.js";

export type { SecretariatDeps } from "./deps.js";

export class SecretariatFace {
  /** For the Telegram channel's `groups` option. */
  readonly middleware: MiddlewareFn<Context>;
  /** The Dispatcher's CardPublisher. */
  readonly cards: TelegramCards;
  /** The domain's HandoffRelay. */
  readonly handoffs: HandoffDesk;
  /** The commands `middleware` answers in groups, for their command menu. */
  readonly commands: readonly GroupCommand[] = GROUP_COMMANDS;
  readonly digest: DailyDigest;
  private api?: Api;
  private tools?: AnnounceTools;

  constructor(deps: SecretariatDeps) {
    const api = () => {
      if (!this.api) throw new Error("the secretariat's Telegram face is not attached to a bot yet");
      return this.api;
    };
    const privacy = new GroupPrivacy(deps, api);
    this.cards = new TelegramCards(deps, api, privacy);
    this.handoffs = new HandoffDesk(deps, api, privacy);
    this.digest = new DailyDigest(deps);
    const announcements = new AnnounceDesk(deps, () => {
      if (!this.tools) throw new Error("the secretariat's Telegram face is not attached to a bot yet");
      return this.tools;
    });
    this.middleware = groupComposer(deps, {
      reports: new ReportDesk(deps, this.cards),
      handoffs: this.handoffs,
      commitments: new CommitmentDesk(deps),
      announcements,
    }).middleware();
  }

  /**
   * The bot's API (with its retries, throttling and failure logs) for what the face sends on its
   * own, and the channel's outbox send and photo download (announcements' previews and photos).
   */
  attach(api: Api, tools: AnnounceTools): void {
    this.api = api;
    this.tools = tools;
  }

  start(): void {
    this.digest.start();
  }

  stop(): Promise<void> {
    return this.digest.stop();
  }
}

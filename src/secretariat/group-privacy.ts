/**
 * A secretariat group must stay private: its cards hold what citizens wrote, their photos and places,
 * and its conversations what they say to a person. `/vincular` refuses a group with a public link, but a
 * group may be given one later, and Telegram tells no bot when a group's link changes. So before the
 * bot posts there it asks Telegram (at most every CHECK_EVERY_MS a group): a group found public is
 * marked `public` (nothing more is posted there, its reports wait in the store, as for a group the bot
 * was removed from), the logs say so, and the group is told once how to fix it (make it private, and
 * link it again).
 */
import type { Api } from "grammy";
import { errorInfo } from "../util/errors.js";
import type { SecretariatDeps } from "./deps.js";

/** How long a group found private is not asked about again. */
export const CHECK_EVERY_MS = 10 * 60_000;

export class GroupPrivacy {
  /** Per group, when it was last found private. */
  private readonly privateAt = new Map<string, number>();

  constructor(
    private readonly deps: Pick<SecretariatDeps, "chats" | "texts" | "lang" | "clock" | "logger" | "pseudonym">,
    private readonly api: () => Api,
  ) {}

  /**
   * Whether the bot may still post in `chatId`: false once the group has a public link (then marked, and
   * told). When Telegram cannot be asked, the last answer stands: a failure to ask hides no report.
   */
  async stillPrivate(chatId: string): Promise<boolean> {
    const { chats, texts, lang, clock, logger, pseudonym } = this.deps;
    const now = clock.now().getTime();
    const at = this.privateAt.get(chatId);
    if (at !== undefined && now - at < CHECK_EVERY_MS) return true;
    let username: string | undefined;
    try {
      const chat = await this.api().getChat(chatId);
      username = "username" in chat ? chat.username : undefined;
    } catch (err) {
      logger.warn({ chat: pseudonym(`telegram:${chatId}`), err: errorInfo(err) }, "could not ask Telegram whether a secretariat group is still private");
      return true;
    }
    if (!username) {
      this.privateAt.set(chatId, now);
      return true;
    }
    this.privateAt.delete(chatId);
    for (const link of await chats.setProblem(chatId, "public")) {
      logger.warn(
        { chat: pseudonym(`telegram:${chatId}`), municipality: link.municipality, purpose: link.purpose },
        "secretariat group has a public link now: nothing more is posted there until a private group is linked",
      );
    }
    await this.api()
      .sendMessage(chatId, texts.t(lang, "secretariat.link.made_public"), { link_preview_options: { is_disabled: true } })
      .catch(() => undefined);
    return false;
  }
}

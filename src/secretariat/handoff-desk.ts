/**
 * Conversations with a person, on the group's side (the domain's HandoffRelay): the card a citizen's
 * "hablar" posts, each of their messages as a reply to it, a member's reply (to the card or to any of
 * those messages) delivered to the citizen through the outbox, and the card's "Cerrar" button. The
 * group sees a code, the channel and the language, never who the citizen is; the logs see neither
 * the citizen nor what anyone wrote.
 */
import { randomUUID } from "node:crypto";
import type { Api, Context } from "grammy";
import type { HandoffRelay } from "../domain/handoffs.js";
import type { GroupPrompt } from "../domain/model/card.js";
import { CHANNELS, type ChannelName } from "../domain/model/channel.js";
import { addressOf } from "../domain/model/citizen.js";
import { type Handoff, handoffCode } from "../domain/model/handoff.js";
import type { Member } from "../domain/model/member.js";
import { errorInfo } from "../util/errors.js";
import type { SecretariatDeps } from "./deps.js";
import type { GroupPrivacy } from "./group-privacy.js";
import { pressData } from "./presses.js";

export class HandoffDesk implements HandoffRelay {
  constructor(
    private readonly deps: SecretariatDeps,
    private readonly api: () => Api,
    /** Whether a group is still private, asked before a citizen's words are posted there. */
    private readonly privacy: GroupPrivacy,
  ) {}

  /** Nothing a citizen says goes to a group given a public link since it was linked (group-privacy.ts). */
  private async checkPrivate(handoff: Handoff): Promise<void> {
    if (!(await this.privacy.stillPrivate(handoff.chatId))) throw new Error("the secretariat group has a public link: the conversation is not posted there");
  }

  private t(key: string, params?: Record<string, unknown>): string {
    return this.deps.texts.t(this.deps.lang, key, params);
  }

  private card(handoff: Handoff, resumed: boolean): string {
    const { municipalities, texts, lang } = this.deps;
    const channel = handoff.citizen.slice(0, handoff.citizen.indexOf(":"));
    return resumed
      ? this.t("secretariat.handoff.resumed", { code: handoffCode(handoff) })
      : this.t("secretariat.handoff.card", {
          code: handoffCode(handoff),
          municipality: municipalities.get(handoff.municipality)?.name ?? handoff.municipality,
          channel: CHANNELS.includes(channel as ChannelName) ? this.t(`secretariat.channels.${channel}`) : channel,
          language: texts.t(lang, `language.${handoff.lang.split("-")[0]}`),
        });
  }

  private async remember(handoff: Handoff, messageId: number): Promise<void> {
    const prompt: GroupPrompt = {
      chatId: handoff.chatId,
      messageId,
      kind: "handoff",
      report: null,
      version: null,
      status: null,
      handoff: handoff.id,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.prompts.save(prompt);
  }

  async opened(handoff: Handoff, resumed: boolean): Promise<number> {
    await this.checkPrivate(handoff);
    const sent = await this.api().sendMessage(handoff.chatId, this.card(handoff, resumed), {
      reply_markup: {
        inline_keyboard: [[{ text: this.t("secretariat.handoff.close"), callback_data: pressData({ kind: "close_handoff", handoff: handoff.id }) }]],
      },
    });
    await this.remember(handoff, sent.message_id);
    return sent.message_id;
  }

  async said(handoff: Handoff, text: string): Promise<void> {
    await this.checkPrivate(handoff);
    const sent = await this.api().sendMessage(handoff.chatId, this.t("secretariat.handoff.said", { code: handoffCode(handoff), text }), {
      reply_parameters: handoff.messageId ? { message_id: handoff.messageId, allow_sending_without_reply: true } : undefined,
      link_preview_options: { is_disabled: true },
    });
    await this.remember(handoff, sent.message_id);
  }

  async closed(handoff: Handoff, by: "citizen" | Member): Promise<void> {
    const { deps } = this;
    const line =
      by === "citizen"
        ? this.t("secretariat.handoff.closed_by_citizen", { code: handoffCode(handoff) })
        : this.t("secretariat.handoff.closed_by_member", { code: handoffCode(handoff), who: by.name });
    if (handoff.messageId) {
      await this.api()
        .editMessageText(handoff.chatId, handoff.messageId, `${this.card(handoff, false)}\n\n${line}`, { reply_markup: { inline_keyboard: [] } })
        .catch((err) => deps.logger.debug({ err: errorInfo(err) }, "handoff card not updated"));
    }
    if (by === "citizen") {
      await this.api().sendMessage(handoff.chatId, line, {
        reply_parameters: handoff.messageId ? { message_id: handoff.messageId, allow_sending_without_reply: true } : undefined,
      });
      return;
    }
    await this.tellCitizen(handoff, `handoff-closed:${handoff.id}`, "handoff.closed", {});
  }

  /** What the citizen reads, in their language, through the outbox: once per `id`, even if asked again. */
  private async tellCitizen(handoff: Handoff, id: string, key: string, params: Record<string, unknown>): Promise<void> {
    const { deps } = this;
    const address = addressOf(handoff.citizen);
    if (!address) return;
    const municipality = deps.municipalities.get(handoff.municipality)?.name ?? handoff.municipality;
    await deps.delivery.enqueue([
      {
        id,
        ...address,
        kind: "handoff",
        ref: handoff.id,
        payload: { id: randomUUID(), lang: handoff.lang, text: deps.texts.t(handoff.lang, key, { municipality, ...params }) },
        createdAt: deps.clock.now(),
      },
    ]);
  }

  /** A member's reply in the group to the conversation's card or one of its messages. */
  async reply(ctx: Context, prompt: GroupPrompt, text: string): Promise<void> {
    const { deps } = this;
    const message = ctx.message;
    if (!message || !prompt.handoff) return;
    const say = (line: string) => ctx.reply(line, { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } });
    const member = ctx.from ? await deps.members.byTelegramId(String(ctx.from.id)) : null;
    const handoff = await deps.handoffs.get(prompt.handoff);
    if (!handoff) return void (await say(this.t("secretariat.reply.unknown")));
    const municipality = deps.municipalities.get(handoff.municipality)?.name ?? handoff.municipality;
    if (!member) return void (await say(this.t("secretariat.handoff.not_member", { municipality })));
    const body = text.trim();
    if (!body) return void (await say(this.t("secretariat.reply.empty")));
    const key = `${prompt.chatId}:${message.message_id}`;
    const result = await deps.handoffs.reply(handoff.id, member, `handoff-reply:${key}`);
    if (!result.ok) {
      const line = result.problem === "not_allowed" ? "secretariat.handoff.not_member" : "secretariat.handoff.closed_already";
      return void (await say(this.t(line, { municipality })));
    }
    await this.tellCitizen(handoff, `handoff-reply:${handoff.id}:${key}`, "handoff.member_said", { text: body.slice(0, 3000) });
    // A 👍 under the member's message says it is on its way, without another message in the group.
    await ctx.api.setMessageReaction(prompt.chatId, message.message_id, [{ type: "emoji", emoji: "👍" }]).catch(() => undefined);
  }

  /** The card's "Cerrar conversación" button. */
  async close(ctx: Context, handoffId: string): Promise<void> {
    const { deps } = this;
    const member = ctx.from ? await deps.members.byTelegramId(String(ctx.from.id)) : null;
    const handoff = await deps.handoffs.get(handoffId);
    const municipality = handoff ? (deps.municipalities.get(handoff.municipality)?.name ?? handoff.municipality) : "";
    if (!handoff) return void (await ctx.answerCallbackQuery({ text: this.t("secretariat.reply.unknown"), show_alert: true }));
    if (!member) return void (await ctx.answerCallbackQuery({ text: this.t("secretariat.handoff.not_member", { municipality }), show_alert: true }));
    const result = await deps.handoffs.closeBy(handoffId, member);
    if (result.ok) return void (await ctx.answerCallbackQuery());
    const line = result.problem === "not_allowed" ? "secretariat.handoff.not_member" : "secretariat.handoff.closed_already";
    await ctx.answerCallbackQuery({ text: this.t(line, { municipality }), show_alert: true });
  }
}

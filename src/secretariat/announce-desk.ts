/**
 * Announcements from the secretariat's group: `/aviso` asks for the text (or a photo with its
 * caption) as a reply, then who it goes to (buttons), then when (a reply: "ahora" or a date and
 * time), shows the preview — sent through the very path the broadcast uses, so it is what
 * recipients will see — and schedules it only on an explicit «Enviar». `/avisos_estado` shows
 * sent, pending and failed per announcement; `/vincular_avisos Metepec` links a public group (or
 * a topic of a forum group) to the municipality's announcements after checking the bot may post.
 * The rules are the domain's (domain/announcements.ts): this is one face of them.
 */

import { randomBytes } from "node:crypto";
import type { Context } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { CheckedAnnouncement } from "../domain/announcements.js";
import { parseWhen } from "../domain/announcements.js";
import type { Audience } from "../domain/model/announcement.js";
import type { GroupPrompt } from "../domain/model/card.js";
import { recordEvent } from "../domain/model/events.js";
import { type Member, mayAnnounce } from "../domain/model/member.js";
import type { OutboundMessage } from "../domain/model/message.js";
import { ANNOUNCEMENT_DRAFT_MS, announcementOwner } from "../domain/photos.js";
import { DAY_MS } from "../util/clock.js";
import { checkChatRights } from "./chat-rights.js";
import type { SecretariatDeps } from "./deps.js";
import { sayInReply } from "./say.js";

/** What the face borrows from the Telegram channel: its outbox send (for previews) and photo downloads. */
export interface AnnounceTools {
  send(chatId: string, message: OutboundMessage): Promise<unknown>;
  download(fileId: string, maxBytes: number): Promise<Buffer>;
}

/** A draft lives this long between its steps (its photo as long); after that it must be started again. */
const DRAFT_TTL_MS = ANNOUNCEMENT_DRAFT_MS;
const PRESS = /^v\|([0-9a-f]{8})\|(g|s|b|ok|no)$/;
const AUDIENCE: Record<string, Audience[]> = { g: ["groups"], s: ["subscribers"], b: ["groups", "subscribers"] };

interface Draft {
  id: string;
  chatId: string;
  municipality: string;
  text: string;
  photo: string | null;
  audiences: Audience[];
  checked?: CheckedAnnouncement;
  at: number;
}

/** Whether a button's data is one of the announcement desk's. */
export function isAnnouncePress(data: string): boolean {
  return PRESS.test(data);
}

export class AnnounceDesk {
  private readonly drafts = new Map<string, Draft>();

  constructor(
    private readonly deps: SecretariatDeps,
    private readonly tools: () => AnnounceTools,
  ) {}

  private t(key: string, params?: Record<string, unknown>): string {
    return this.deps.texts.t(this.deps.lang, key, params);
  }

  private answer(ctx: Context, text: string, reply_markup?: InlineKeyboardMarkup) {
    return sayInReply(ctx, text, reply_markup);
  }

  /** The member who may announce for this secretariat group, or the reason why not (already told). */
  private async announcer(ctx: Context): Promise<{ member: Member; municipality: string } | null> {
    const chat = ctx.chat ? await this.deps.chats.get(String(ctx.chat.id), "secretariat") : null;
    if (!chat) {
      await this.answer(ctx, this.t("announcements.desk.not_secretariat"));
      return null;
    }
    const name = this.deps.municipalities.get(chat.municipality)?.name ?? chat.municipality;
    const member = ctx.from ? await this.deps.members.byTelegramId(String(ctx.from.id)) : null;
    if (!member || !mayAnnounce(member, chat.municipality)) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: this.t("announcements.desk.not_allowed", { municipality: name }), show_alert: true });
      else await this.answer(ctx, this.t("announcements.desk.not_allowed", { municipality: name }));
      return null;
    }
    return { member, municipality: chat.municipality };
  }

  /** `/aviso`: the first question, a reply with the text. */
  async start(ctx: Context): Promise<void> {
    const who = await this.announcer(ctx);
    if (!who || !ctx.chat) return;
    this.forgetOld();
    const id = randomBytes(4).toString("hex");
    this.drafts.set(id, { id, chatId: String(ctx.chat.id), municipality: who.municipality, text: "", photo: null, audiences: [], at: this.now() });
    const name = this.deps.municipalities.get(who.municipality)?.name ?? who.municipality;
    await this.prompt(ctx, this.t("announcements.desk.ask_text", { municipality: name }), "announcement_text", id);
  }

  /** A reply to one of the desk's questions: the text (or photo), or the time. */
  async reply(ctx: Context, prompt: GroupPrompt, text: string): Promise<void> {
    const draft = prompt.draft ? this.live(prompt.draft) : undefined;
    if (!draft) return void (await this.answer(ctx, this.t("announcements.desk.expired")));
    if (!(await this.announcer(ctx))) return;
    if (prompt.kind === "announcement_text") return this.readText(ctx, draft, text);
    return this.readWhen(ctx, draft, text);
  }

  private async readText(ctx: Context, draft: Draft, text: string): Promise<void> {
    const photos = ctx.message?.photo;
    if (photos?.length) {
      const largest = photos[photos.length - 1];
      const data = await this.tools().download(largest.file_id, this.deps.photos.maxBytes);
      const saved = await this.deps.photos.save(data, announcementOwner(draft.id));
      if (!saved.ok) return void (await this.answer(ctx, this.t(saved.reason === "too_large" ? "errors.photo_too_large" : "errors.photo_not_image")));
      draft.photo = saved.mediaId;
    }
    draft.text = text;
    const checked = await this.deps.announcements.check(
      { municipality: draft.municipality, text, photo: draft.photo, audiences: ["groups", "subscribers"] },
      null,
    );
    if (!checked.ok) return void (await this.answer(ctx, this.t(`announcements.desk.problem.${checked.problem}`, { detail: checked.detail ?? "" })));
    const { groups, subscribers } = checked.value.reach;
    await this.answer(ctx, this.t("announcements.desk.ask_audience", { groups, subscribers }), {
      inline_keyboard: [
        [
          { text: this.t("announcements.desk.audience.groups"), callback_data: `v|${draft.id}|g` },
          { text: this.t("announcements.desk.audience.subscribers"), callback_data: `v|${draft.id}|s` },
        ],
        [{ text: this.t("announcements.desk.audience.both"), callback_data: `v|${draft.id}|b` }],
      ],
    });
  }

  private async readWhen(ctx: Context, draft: Draft, text: string): Promise<void> {
    const now = this.deps.clock.now();
    const at = parseWhen(text, this.deps.timeZone, now, this.deps.texts.words("now"));
    if (!at) return void (await this.askWhenAgain(ctx, draft, this.t("announcements.desk.bad_when")));
    const checked = await this.deps.announcements.check(
      { municipality: draft.municipality, text: draft.text, photo: draft.photo, audiences: draft.audiences, at },
      null,
    );
    if (!checked.ok) {
      const problem = this.t(`announcements.desk.problem.${checked.problem}`, { detail: checked.detail ?? "" });
      // A time past or too far is asked again: the draft is not lost for it.
      if (checked.problem === "past" || checked.problem === "too_far") {
        return void (await this.askWhenAgain(ctx, draft, problem));
      }
      return void (await this.answer(ctx, problem));
    }
    draft.checked = checked.value;
    // The preview goes through the broadcast's own path: what the group sees is what recipients get.
    const previews = this.deps.announcements.preview(checked.value, this.deps.lang);
    for (const [i, message] of previews.entries()) {
      const where = this.t(checked.value.audiences[i] === "groups" ? "announcements.desk.preview_groups" : "announcements.desk.preview_subscribers");
      await this.answer(ctx, this.t("announcements.desk.preview_title", { where }));
      await this.tools().send(draft.chatId, message);
    }
    const c = checked.value;
    const when = c.scheduled ? this.t("announcements.desk.when_at", { at: c.at }) : this.t("announcements.desk.when_now");
    const reach = this.t("announcements.desk.reach", { groups: c.reach.groups, subscribers: c.reach.subscribers });
    await this.answer(ctx, this.t("announcements.desk.confirm", { when, reach }), {
      inline_keyboard: [
        [
          { text: this.t("announcements.desk.send"), callback_data: `v|${draft.id}|ok` },
          { text: this.t("announcements.desk.cancel"), callback_data: `v|${draft.id}|no` },
        ],
      ],
    });
  }

  /** A press on the audience buttons or on Enviar / Cancelar. */
  async press(ctx: Context, data: string): Promise<void> {
    const [, id, what] = PRESS.exec(data) ?? [];
    const draft = this.live(id ?? "");
    if (!draft) return void (await ctx.answerCallbackQuery({ text: this.t("announcements.desk.expired"), show_alert: true }));
    const who = await this.announcer(ctx);
    if (!who) return;
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    if (what in AUDIENCE) {
      draft.audiences = AUDIENCE[what];
      return this.prompt(ctx, this.t("announcements.desk.ask_when", { example: this.exampleWhen() }), "announcement_when", draft.id);
    }
    this.drafts.delete(draft.id);
    if (what === "no" || !draft.checked) {
      if (draft.photo) await this.deps.photos.discard([draft.photo]);
      return void (await ctx.reply(this.t("announcements.desk.cancelled")));
    }
    const c = draft.checked;
    const result = await this.deps.announcements.schedule(
      { municipality: c.municipality.cvegeo, text: c.text, photo: c.photo, audiences: c.audiences, at: c.scheduled ? c.at : null },
      who.member,
    );
    if (!result.ok) return void (await ctx.reply(this.t(`announcements.desk.problem.${result.problem}`, { detail: result.detail ?? "" })));
    await ctx.reply(
      c.scheduled ? this.t("announcements.desk.sent_at", { id: result.value.id, at: c.at }) : this.t("announcements.desk.sent_now", { id: result.value.id }),
    );
  }

  /** `/avisos_estado [A-3]`: sent, pending and failed of the municipality's latest announcements. */
  async status(ctx: Context): Promise<void> {
    const chat = ctx.chat ? await this.deps.chats.get(String(ctx.chat.id), "secretariat") : null;
    if (!chat) return void (await this.answer(ctx, this.t("announcements.desk.not_secretariat")));
    const name = this.deps.municipalities.get(chat.municipality)?.name ?? chat.municipality;
    const list = (await this.deps.announcements.list(chat.municipality, 10)).slice(0, 10);
    if (list.length === 0) return void (await this.answer(ctx, this.t("announcements.desk.status_none", { municipality: name })));
    const lines = list.map(({ announcement: a, counts }) =>
      this.t("announcements.desk.status_line", {
        id: a.id,
        state: this.t(`announcements.desk.state.${a.state === "queued" && counts.pending === 0 ? "sent" : a.state}`, { at: a.at }),
        ...counts,
        excerpt: a.text.length > 40 ? `${a.text.slice(0, 40).trimEnd()}…` : a.text,
      }),
    );
    await this.answer(ctx, [this.t("announcements.desk.status_title", { municipality: name }), ...lines].join("\n"));
  }

  /** `/vincular_avisos Metepec` in a public group (or one of its topics). */
  async link(ctx: Context, query: string): Promise<void> {
    if (!ctx.chat || (ctx.chat.type !== "group" && ctx.chat.type !== "supergroup")) return;
    if (!query) return void (await this.answer(ctx, this.t("announcements.link.usage")));
    const member = ctx.from ? await this.deps.members.byTelegramId(String(ctx.from.id)) : null;
    if (!member) return void (await this.answer(ctx, this.t("announcements.link.not_member")));
    const found = this.deps.members.findMunicipality(query);
    if (!found.ok) return void (await this.answer(ctx, this.t("secretariat.link.unknown", { query: query.slice(0, 60) })));
    const name = found.municipality.name;
    if (!mayAnnounce(member, found.municipality.cvegeo)) return void (await this.answer(ctx, this.t("announcements.link.not_allowed", { municipality: name })));
    const rights = await checkChatRights(ctx.api, String(ctx.chat.id));
    if (!rights.ok) {
      const missing = this.t(`announcements.link.missing.${rights.missing === "not_found" ? "not_in_chat" : rights.missing}`);
      return void (await this.answer(ctx, this.t("announcements.link.no_rights", { missing })));
    }
    const topic = ctx.message?.is_topic_message ? ctx.message.message_thread_id : undefined;
    const chatId = String(ctx.chat.id);
    const result = await this.deps.chats.link(chatId, ctx.chat.title ?? null, "announcements", found.municipality.cvegeo, member, topic);
    if (!result.ok) return void (await this.answer(ctx, this.t("announcements.link.not_allowed", { municipality: name })));
    await this.deps.events.append([
      recordEvent(
        { type: "chat_linked", municipality: found.municipality.cvegeo, purpose: "announcements", chat: chatId },
        `chat_linked:announcements:${chatId}:${ctx.update.update_id}`,
        this.deps.clock.now(),
        member.id,
      ),
    ]);
    await this.answer(ctx, this.t(topic ? "announcements.link.done_topic" : "announcements.link.done", { municipality: name }));
  }

  /** The time of an announcement asked again, after what was wrong with the one typed. */
  private askWhenAgain(ctx: Context, draft: Draft, wrong: string): Promise<void> {
    return this.prompt(ctx, `${wrong} ${this.t("announcements.desk.when_again", { example: this.exampleWhen() })}`, "announcement_when", draft.id);
  }

  /** Tomorrow at 10:00 where the deployment is, as a time is typed («2026-12-04 10:00»): an example never in the past. */
  private exampleWhen(): string {
    const tomorrow = new Date(this.deps.clock.now().getTime() + DAY_MS);
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: this.deps.timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(tomorrow);
    return `${day} 10:00`;
  }

  private async prompt(ctx: Context, text: string, kind: "announcement_text" | "announcement_when", draft: string): Promise<void> {
    if (!ctx.chat) return;
    const sent = await ctx.api.sendMessage(ctx.chat.id, text, {
      reply_markup: { force_reply: true },
      reply_parameters: ctx.message ? { message_id: ctx.message.message_id, allow_sending_without_reply: true } : undefined,
      link_preview_options: { is_disabled: true },
    });
    await this.deps.prompts.save({
      chatId: String(ctx.chat.id),
      messageId: sent.message_id,
      kind,
      report: null,
      version: null,
      status: null,
      handoff: null,
      draft,
      createdAt: this.deps.clock.now(),
    });
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** A draft still within its time (its photo is kept as long); one past it is forgotten, and must be started again. */
  private live(id: string): Draft | undefined {
    const draft = this.drafts.get(id);
    if (draft && draft.at >= this.now() - DRAFT_TTL_MS) return draft;
    this.drafts.delete(id);
    return undefined;
  }

  private forgetOld(): void {
    const old = this.now() - DRAFT_TTL_MS;
    for (const [id, d] of this.drafts) if (d.at < old) this.drafts.delete(id);
  }
}

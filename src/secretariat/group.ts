/**
 * The bot in groups, as a grammY Composer the Telegram channel runs once per update (in order per
 * chat): being added or removed (`my_chat_member`), a group turned supergroup, `/vincular` and
 * `/desvincular`, `/compromisos`, presses on cards, commitments and conversation cards, and replies
 * to the bot's questions.
 * What it does not handle it passes on (`next`), to the channel's own answer.
 */
import { Composer, type Context } from "grammy";
import type { DomainEvent } from "../domain/model/events.js";
import { recordEvent } from "../domain/model/events.js";
import { mayLink } from "../domain/model/member.js";
import type { Municipality } from "../domain/municipalities.js";
import { errorInfo } from "../util/errors.js";
import { type AnnounceDesk, isAnnouncePress } from "./announce-desk.js";
import { rightsOf } from "./chat-rights.js";
import { COMMITMENT_PROMPTS, type CommitmentDesk } from "./commitment-desk.js";
import type { SecretariatDeps } from "./deps.js";
import { namesOf } from "./group-commands.js";
import type { HandoffDesk } from "./handoff-desk.js";
import { readPress } from "./presses.js";
import type { ReportDesk } from "./report-desk.js";
import { sayInReply } from "./say.js";

const IN_CHAT = new Set(["member", "administrator", "creator", "restricted"]);

export function groupComposer(
  deps: SecretariatDeps,
  desks: { reports: ReportDesk; handoffs: HandoffDesk; commitments: CommitmentDesk; announcements: AnnounceDesk },
): Composer<Context> {
  const t = (key: string, params?: Record<string, unknown>) => deps.texts.t(deps.lang, key, params);
  const composer = new Composer<Context>();
  const answer = (ctx: Context, text: string) => sayInReply(ctx, text);
  const record = (event: DomainEvent, id: string, actor: string) => deps.events.append([recordEvent(event, id, deps.clock.now(), actor)]);
  const chatName = (chatId: string) => deps.pseudonym(`telegram:${chatId}`);

  composer.on("my_chat_member", async (ctx) => {
    const { old_chat_member: before, new_chat_member: after, chat } = ctx.myChatMember;
    const chatId = String(chat.id);
    // A channel says nothing back (anything sent there is public): its link is kept true to what the bot may do.
    if (chat.type === "channel") {
      const missing = rightsOf("channel", after);
      for (const link of await deps.chats.setProblem(chatId, missing)) {
        const line = missing
          ? "telegram: an announcements channel took the bot's rights away; announcements skip it"
          : "telegram: an announcements channel may be posted to again";
        deps.logger.warn({ chat: chatName(chatId), municipality: link.municipality, missing }, line);
      }
      return;
    }
    const wasIn = IN_CHAT.has(before.status);
    const isIn = IN_CHAT.has(after.status);
    if (!wasIn && isIn) {
      const [back] = await deps.chats.setProblem(chatId, null);
      const text = back
        ? t("secretariat.back", { municipality: deps.municipalities.get(back.municipality)?.name ?? back.municipality })
        : t("secretariat.hello", { bot: ctx.me.username });
      await ctx.api.sendMessage(chat.id, text, { link_preview_options: { is_disabled: true } });
      if (back?.purpose === "secretariat") await desks.reports.catchUp(back.municipality, chatId);
    } else if (wasIn && !isIn) {
      for (const link of await deps.chats.setProblem(chatId, "removed")) {
        deps.logger.warn(
          { chat: chatName(chatId), municipality: link.municipality, purpose: link.purpose },
          "telegram: removed from a linked group; its cards wait until the bot is back or another group is linked",
        );
      }
    }
  });

  // A group that becomes a supergroup gets a new id: its link follows.
  composer.on("message:migrate_to_chat_id", async (ctx) => {
    await deps.chats.move(String(ctx.chat.id), String(ctx.message.migrate_to_chat_id));
  });

  // «/ayuda» (and /start) in a group: what works there — the secretariat's commands in its group, how to link it elsewhere.
  // A group that gets the announcements is the neighbours': the channel answers there as it does to citizens.
  composer.command([...namesOf("help"), "start"], async (ctx, next) => {
    if (ctx.chat.type !== "group" && ctx.chat.type !== "supergroup") return next();
    const chatId = String(ctx.chat.id);
    const linked = await deps.chats.get(chatId, "secretariat");
    if (!linked && (await deps.chats.get(chatId, "announcements"))) return next();
    const name = linked ? (deps.municipalities.get(linked.municipality)?.name ?? linked.municipality) : "";
    await answer(ctx, linked ? t("secretariat.help", { municipality: name }) : t("secretariat.hello", { bot: ctx.me.username }));
  });

  composer.command(namesOf("link"), async (ctx) => {
    if (ctx.chat.type !== "group" && ctx.chat.type !== "supergroup") return;
    // «/vincular Metepec confirmar»: the group that replaces the one the municipality works in, said again.
    const confirmed = CONFIRM_WORD.exec(ctx.match);
    const query = (confirmed ? ctx.match.slice(0, confirmed.index) : ctx.match).trim();
    if (!query) return void (await answer(ctx, t("secretariat.link.usage")));
    const member = await deps.members.byTelegramId(String(ctx.from?.id));
    if (!member) return void (await answer(ctx, t("secretariat.link.not_member")));
    const municipality = resolve(query);
    if ("problem" in municipality) return void (await answer(ctx, municipality.problem));
    if (!mayLink(member, municipality.cvegeo)) return void (await answer(ctx, t("secretariat.link.not_allowed", { municipality: municipality.name })));
    const chatId = String(ctx.chat.id);
    // Citizens' reports never go where anyone may read them: a group with a public link, or one the announcements go to.
    const announcing = await deps.chats.get(chatId, "announcements");
    if (("username" in ctx.chat && ctx.chat.username) || announcing) return void (await answer(ctx, t("secretariat.link.public")));
    // Moving the municipality's reports away from the group it works in is asked first: a /vincular typed in the wrong group moved them.
    const current = await deps.chats.secretariatOf(municipality.cvegeo);
    if (current && current.chatId !== chatId && !confirmed) {
      return void (await answer(
        ctx,
        t("secretariat.link.confirm_replace", { municipality: municipality.name, title: current.title ?? "", command: `/vincular ${query} confirmar` }),
      ));
    }
    const result = await deps.chats.link(chatId, ctx.chat.title ?? null, "secretariat", municipality.cvegeo, member);
    if (!result.ok) return void (await answer(ctx, t("secretariat.link.not_allowed", { municipality: municipality.name })));
    await record(
      { type: "chat_linked", municipality: municipality.cvegeo, purpose: "secretariat", chat: chatId },
      `chat_linked:${chatId}:${ctx.update.update_id}`,
      member.id,
    );
    await answer(
      ctx,
      [t("secretariat.link.done", { municipality: municipality.name }), ...(result.replaced ? [t("secretariat.link.replaced")] : [])].join("\n\n"),
    );
    if (result.replaced) {
      await ctx.api
        .sendMessage(result.replaced, t("secretariat.link.moved_away", { municipality: municipality.name }))
        .catch((err) => deps.logger.debug({ err: errorInfo(err) }, "former secretariat group not told"));
    }
    // The open reports that have no card here (they waited, or their cards are in the group replaced) come now.
    await desks.reports.catchUp(municipality.cvegeo, chatId);
  });

  composer.command(namesOf("link_announcements"), (ctx) => desks.announcements.link(ctx, ctx.match.trim()));
  composer.command(namesOf("announce"), async (ctx) => {
    if (ctx.chat.type !== "group" && ctx.chat.type !== "supergroup") return;
    await desks.announcements.start(ctx);
  });
  composer.command(namesOf("announcements_status"), async (ctx) => {
    if (ctx.chat.type !== "group" && ctx.chat.type !== "supergroup") return;
    await desks.announcements.status(ctx);
  });

  composer.command(namesOf("unlink"), async (ctx) => {
    if (ctx.chat.type !== "group" && ctx.chat.type !== "supergroup") return;
    const chatId = String(ctx.chat.id);
    const linked = await deps.chats.get(chatId, "secretariat");
    if (!linked) return void (await answer(ctx, t("secretariat.unlink.not_linked")));
    const name = deps.municipalities.get(linked.municipality)?.name ?? linked.municipality;
    const member = await deps.members.byTelegramId(String(ctx.from?.id));
    if (!member || !mayLink(member, linked.municipality)) return void (await answer(ctx, t("secretariat.unlink.not_allowed", { municipality: name })));
    const result = await deps.chats.unlink(chatId, "secretariat", member);
    if (!result.ok) return void (await answer(ctx, t("secretariat.unlink.not_linked")));
    await record(
      { type: "chat_unlinked", municipality: linked.municipality, purpose: "secretariat", chat: chatId },
      `chat_unlinked:${chatId}:${ctx.update.update_id}`,
      member.id,
    );
    await answer(ctx, t("secretariat.unlink.done", { municipality: name }));
  });

  composer.command(namesOf("commitments"), async (ctx) => {
    if (ctx.chat.type !== "group" && ctx.chat.type !== "supergroup") return;
    await desks.commitments.command(ctx);
  });

  composer.on("callback_query:data", async (ctx) => {
    if (isAnnouncePress(ctx.callbackQuery.data)) return desks.announcements.press(ctx, ctx.callbackQuery.data);
    const press = readPress(ctx.callbackQuery.data);
    if (!press) return void (await ctx.answerCallbackQuery());
    try {
      if (press.kind === "close_handoff") await desks.handoffs.close(ctx, press.handoff);
      else if ("folio" in press) await desks.reports.press(ctx, press);
      else await desks.commitments.press(ctx, press);
    } catch (err) {
      // The press is answered either way: the member is not left with a spinning button.
      await ctx.answerCallbackQuery({ text: t("secretariat.press.failed"), show_alert: true }).catch(() => undefined);
      throw err;
    }
  });

  composer.on("message", async (ctx, next) => {
    const replied = ctx.message.reply_to_message;
    const text = ctx.message.text ?? ctx.message.caption ?? "";
    const toBot = replied?.from?.id === ctx.me.id;
    if (!toBot && !mentions(ctx)) return next();
    const prompt = replied && toBot ? await deps.prompts.get(String(ctx.chat.id), replied.message_id) : null;
    if (prompt?.kind === "handoff") return desks.handoffs.reply(ctx, prompt, text);
    if (prompt && COMMITMENT_PROMPTS.has(prompt.kind)) return desks.commitments.reply(ctx, prompt, text);
    if (prompt?.kind === "announcement_text" || prompt?.kind === "announcement_when") return desks.announcements.reply(ctx, prompt, text);
    if (prompt) return desks.reports.reply(ctx, prompt, text);
    // Elsewhere the channel answers (a citizen is invited to a private chat); in the secretariat's group, what works here.
    if (!(await deps.chats.get(String(ctx.chat.id), "secretariat"))) return next();
    await answer(ctx, toBot ? t("secretariat.reply.unknown") : t("secretariat.hello", { bot: ctx.me.username }));
  });

  /** A municipality by key or name, or the group's text saying why not. */
  function resolve(query: string): Municipality | { problem: string } {
    const found = deps.members.findMunicipality(query);
    if (found.ok) return found.municipality;
    const shown = query.slice(0, 60);
    if (found.problem !== "ambiguous") return { problem: t("secretariat.link.unknown", { query: shown }) };
    return { problem: t("secretariat.link.ambiguous", { query: shown, options: found.candidates.map((m) => `${m.name} (${m.cvegeo})`).join(", ") }) };
  }

  return composer;
}

/** The word that confirms a /vincular that replaces a municipality's group («/vincular Metepec confirmar»). */
const CONFIRM_WORD = /\s+(confirmar|confirmo|confirm)\s*$/i;

/** Whether a group message mentions the bot by its @username. */
function mentions(ctx: Context): boolean {
  const message = ctx.message;
  const text = message?.text ?? message?.caption ?? "";
  const handle = `@${ctx.me.username}`.toLowerCase();
  return (message?.entities ?? message?.caption_entities ?? []).some(
    (e) => e.type === "mention" && text.slice(e.offset, e.offset + e.length).toLowerCase() === handle,
  );
}

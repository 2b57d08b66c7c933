/** The bot's answer in a group to the message it answers (a command, a reply to its question), without link previews. */
import type { Context } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";

export function sayInReply(ctx: Context, text: string, reply_markup?: InlineKeyboardMarkup) {
  return ctx.reply(text, {
    reply_markup,
    reply_parameters: ctx.message ? { message_id: ctx.message.message_id, allow_sending_without_reply: true } : undefined,
    link_preview_options: { is_disabled: true },
  });
}

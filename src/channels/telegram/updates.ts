/**
 * Reads a Telegram update into what the bot does with it: a citizen's message in a private chat
 * (as neutral content), a mention in a group (answered with a button to a private chat), or
 * nothing. Pure: the photo download is left to a factory the channel passes in.
 */
import type { Message, MessageEntity, Update } from "grammy/types";
import type { InboundContent, RemotePhoto } from "../../conversation/messages.js";
import { commandContent } from "./commands.js";

/** Image types a citizen may send as a file (uncompressed) rather than as a photo. */
const IMAGE_DOCUMENTS = new Set(["image/jpeg", "image/png", "image/webp"]);

/** Message fields that carry something a citizen sent on purpose but the flows cannot use. */
const VOICE_FIELDS = ["voice", "audio", "video_note"] as const;
const OTHER_FIELDS = ["animation", "document", "paid_media", "sticker", "story", "video", "contact", "dice", "game", "poll", "checklist", "invoice"] as const;

export interface PressedButton {
  queryId: string;
  /** The bot's message that carried the button. */
  messageId: number;
  /** That message's text, to show the answer under the question. */
  text?: string;
  /** The pressed button's own label. */
  label?: string;
}

export type TelegramEvent =
  | {
      kind: "citizen";
      chatId: string;
      content: InboundContent;
      languageHint?: string;
      /** Set when the content came from pressing an inline button. */
      button?: PressedButton;
    }
  | { kind: "group_mention"; chatId: number; messageId: number; languageHint?: string }
  | { kind: "ignore" };

export interface ReadOptions {
  /** The bot's username, without @, to recognise mentions and commands meant for it. */
  username: string;
  /** A photo on Telegram's servers, fetched later and only if needed. */
  photo(fileId: string, size: number | undefined): RemotePhoto;
}

const IGNORE: TelegramEvent = { kind: "ignore" };

export function readUpdate(update: Update, options: ReadOptions): TelegramEvent {
  if (update.callback_query) {
    const q = update.callback_query;
    const message = q.message && "text" in q.message ? (q.message as Message) : undefined;
    if (!q.data || !q.message || q.message.chat.type !== "private") return IGNORE;
    const label = message?.reply_markup?.inline_keyboard.flat().find((b) => "callback_data" in b && b.callback_data === q.data)?.text;
    const content: InboundContent = q.data.startsWith("#") ? { type: "text", text: q.data.slice(1) } : { type: "choice", value: q.data };
    return {
      kind: "citizen",
      chatId: String(q.message.chat.id),
      content,
      languageHint: q.from.language_code,
      button: { queryId: q.id, messageId: q.message.message_id, text: message?.text, label },
    };
  }
  if (update.edited_message) {
    const m = update.edited_message;
    if (m.chat.type !== "private") return IGNORE;
    return { kind: "citizen", chatId: String(m.chat.id), content: { type: "unsupported", kind: "edited" }, languageHint: m.from?.language_code };
  }
  const m = update.message;
  if (!m) return IGNORE;
  if (m.chat.type === "private") {
    const content = readContent(m, options);
    return content ? { kind: "citizen", chatId: String(m.chat.id), content, languageHint: m.from?.language_code } : IGNORE;
  }
  if ((m.chat.type === "group" || m.chat.type === "supergroup") && isForBot(m, options.username)) {
    return { kind: "group_mention", chatId: m.chat.id, messageId: m.message_id, languageHint: m.from?.language_code };
  }
  return IGNORE;
}

function readContent(m: Message, options: ReadOptions): InboundContent | undefined {
  if (m.text !== undefined) {
    const command = readCommand(m.text, m.entities, options.username);
    return command ? (commandContent(command.name, command.payload) ?? { type: "text", text: m.text }) : { type: "text", text: m.text };
  }
  const location = m.location ?? m.venue?.location;
  if (location) return { type: "location", latitude: location.latitude, longitude: location.longitude };
  if (m.photo?.length) {
    const largest = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return { type: "photo", data: options.photo(largest.file_id, largest.file_size) };
  }
  if (m.document?.mime_type && IMAGE_DOCUMENTS.has(m.document.mime_type)) {
    return { type: "photo", data: options.photo(m.document.file_id, m.document.file_size) };
  }
  if (VOICE_FIELDS.some((f) => m[f] !== undefined)) return { type: "unsupported", kind: "voice" };
  if (OTHER_FIELDS.some((f) => m[f] !== undefined)) return { type: "unsupported", kind: "other" };
  // Service messages (a pinned message, a background change…) are not the citizen speaking.
  return undefined;
}

/** `/name@bot payload` at the start of a message; a command addressed to another bot is not ours. */
function readCommand(text: string, entities: MessageEntity[] | undefined, username: string): { name: string; payload: string } | undefined {
  const first = entities?.find((e) => e.type === "bot_command" && e.offset === 0);
  if (!first) return undefined;
  const [name, target] = text.slice(1, first.length).split("@");
  if (target && target.toLowerCase() !== username.toLowerCase()) return undefined;
  return { name: name.toLowerCase(), payload: text.slice(first.length).trim() };
}

/** In a group, the bot speaks only when called: a mention, a command for it, or a reply to it. */
function isForBot(m: Message, username: string): boolean {
  const text = m.text ?? m.caption ?? "";
  const entities = m.entities ?? m.caption_entities ?? [];
  const handle = `@${username.toLowerCase()}`;
  const mentioned = entities.some(
    (e) =>
      (e.type === "mention" && text.slice(e.offset, e.offset + e.length).toLowerCase() === handle) ||
      (e.type === "bot_command" &&
        text
          .slice(e.offset, e.offset + e.length)
          .toLowerCase()
          .endsWith(handle)),
  );
  return mentioned || m.reply_to_message?.from?.username?.toLowerCase() === username.toLowerCase();
}

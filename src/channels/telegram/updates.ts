/**
 * Reads a Telegram update into what the bot does with it: a citizen's message in a private chat
 * (as neutral content), a mention in a group (answered with a button to a private chat), or
 * nothing. The fields it uses are checked first: an update of an unexpected shape is `malformed`,
 * never a crash. Pure: the photo download is left to a factory the channel passes in.
 */
import { z } from "zod";
import type { InboundContent, RemotePhoto } from "../../conversation/messages.js";
import { type Command, commandContent } from "./commands.js";

const user = z.looseObject({ username: z.string().optional(), language_code: z.string().optional() });
const entity = z.looseObject({ type: z.string(), offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() });
const point = z.looseObject({ latitude: z.number(), longitude: z.number() });
const file = z.looseObject({ file_id: z.string(), file_size: z.number().optional() });
const button = z.looseObject({ text: z.string(), callback_data: z.string().optional() });

/** The parts of a Telegram message the bot reads, with the types it reads them as. */
const messageSchema = z.looseObject({
  message_id: z.number().int(),
  chat: z.looseObject({ id: z.number().int(), type: z.string() }),
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(entity).optional(),
  caption_entities: z.array(entity).optional(),
  location: point.optional(),
  venue: z.looseObject({ location: point }).optional(),
  photo: z.array(file.extend({ width: z.number(), height: z.number() })).optional(),
  document: file.extend({ mime_type: z.string().optional() }).optional(),
  reply_to_message: z.looseObject({ from: user.optional() }).optional(),
  reply_markup: z.looseObject({ inline_keyboard: z.array(z.array(button)) }).optional(),
});

const updateSchema = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: messageSchema.optional(),
  edited_message: messageSchema.optional(),
  callback_query: z.looseObject({ id: z.string(), from: user, data: z.string().optional(), message: messageSchema.optional() }).optional(),
});

type Message = z.infer<typeof messageSchema>;
type MessageEntity = z.infer<typeof entity>;

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
  | { kind: "ignore" }
  /** Not the shape Telegram documents: `path` says where (never what it held). */
  | { kind: "malformed"; path: string };

export interface ReadOptions {
  /** The bot's username, without @, to recognise mentions and commands meant for it. */
  username: string;
  /** A photo on Telegram's servers, fetched later and only if needed. */
  photo(fileId: string, size: number | undefined): RemotePhoto;
  /** The bot's commands (see commands.ts). */
  commands: readonly Command[];
}

const IGNORE: TelegramEvent = { kind: "ignore" };

export function readUpdate(raw: unknown, options: ReadOptions): TelegramEvent {
  const parsed = updateSchema.safeParse(raw);
  if (!parsed.success) return { kind: "malformed", path: parsed.error.issues[0]?.path.join(".") ?? "" };
  const update = parsed.data;
  if (update.callback_query) {
    const q = update.callback_query;
    const message = q.message;
    if (!q.data || !message || message.chat.type !== "private") return IGNORE;
    const label = message.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data === q.data)?.text;
    const content: InboundContent = q.data.startsWith("#") ? { type: "text", text: q.data.slice(1) } : { type: "choice", value: q.data };
    return {
      kind: "citizen",
      chatId: String(message.chat.id),
      content,
      languageHint: q.from.language_code,
      button: { queryId: q.id, messageId: message.message_id, text: message.text, label },
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
  if ((m.chat.type === "group" || m.chat.type === "supergroup") && (isForBot(m, options.username) || isCitizenCommand(m, options))) {
    return { kind: "group_mention", chatId: m.chat.id, messageId: m.message_id, languageHint: m.from?.language_code };
  }
  return IGNORE;
}

function readContent(m: Message, options: ReadOptions): InboundContent | undefined {
  if (m.text !== undefined) {
    const command = readCommand(m.text, m.entities, options.username);
    return command ? (commandContent(options.commands, command.name, command.payload) ?? { type: "text", text: m.text }) : { type: "text", text: m.text };
  }
  const location = m.location ?? m.venue?.location;
  if (location) return { type: "location", latitude: location.latitude, longitude: location.longitude };
  const caption = m.caption ? { caption: m.caption } : {};
  if (m.photo?.length) {
    const largest = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return { type: "photo", data: options.photo(largest.file_id, largest.file_size), ...caption };
  }
  if (m.document?.mime_type && IMAGE_DOCUMENTS.has(m.document.mime_type)) {
    return { type: "photo", data: options.photo(m.document.file_id, m.document.file_size), ...caption };
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

/** One of the citizens' commands typed in a group without naming a bot («/reportar» in the neighbours' group): for us too. */
function isCitizenCommand(m: Message, options: ReadOptions): boolean {
  const command = m.text === undefined ? undefined : readCommand(m.text, m.entities, options.username);
  return command !== undefined && commandContent(options.commands, command.name, command.payload) !== undefined;
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

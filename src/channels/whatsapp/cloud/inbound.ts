/**
 * Reads a Cloud API webhook payload (one POST may batch several entries, changes, messages and
 * statuses) into what the bot does with it: citizens' messages as neutral content, and delivery
 * statuses for the outbox. Only changes to this bot's phone number count; anything of a shape Meta
 * does not document is skipped, and said so by its path, never by its content.
 */
import { z } from "zod";
import type { InboundContent, RemotePhoto } from "../../../conversation/messages.js";
import type { Receipt as OutboxReceipt } from "../../../notify/delivery.js";

/** WhatsApp's id of a citizen (the number with its country code), as WhatsApp Web names the same chat. */
export function chatIdOf(waId: string): string {
  return `${waId}@c.us`;
}

/** The WhatsApp id to send to, from a chat id (a chat id of WhatsApp Web's `@c.us` form too). */
export function waIdOf(chatId: string): string {
  return chatId.replace(/@c\.us$/, "");
}

const text = z.string().max(100_000);
const messageSchema = z.looseObject({
  from: z.string().regex(/^\d{5,20}$/),
  id: z.string().min(1).max(256),
  timestamp: z.string().max(20).optional(),
  type: z.string().max(40),
  text: z.looseObject({ body: text }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string().max(256), title: z.string().max(100).optional() }).optional(),
      list_reply: z.looseObject({ id: z.string().max(256), title: z.string().max(100).optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ text: z.string().max(1000) }).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  image: z.looseObject({ id: z.string().max(64), mime_type: z.string().max(100).optional(), caption: text.optional() }).optional(),
  reaction: z.looseObject({ emoji: z.string().max(40).optional() }).optional(),
});
const statusSchema = z.looseObject({
  id: z.string().min(1).max(256),
  status: z.string().max(20),
  errors: z.array(z.looseObject({ code: z.number().optional() })).optional(),
});
const valueSchema = z.looseObject({
  messaging_product: z.literal("whatsapp").optional(),
  metadata: z.looseObject({ phone_number_id: z.string() }),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});
export const payloadSchema = z.looseObject({
  object: z.string(),
  entry: z.array(z.looseObject({ changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })) })),
});

export interface CloudMessage {
  chatId: string;
  messageId: string;
  /** Seconds since 1970 as Meta gives it: orders the messages of one payload. */
  timestamp: number;
  content: InboundContent;
}

export interface CloudStatus {
  messageId: string;
  receipt: OutboxReceipt;
  /** Meta's error code of a failed message. */
  errorCode?: number;
}

export interface CloudEvents {
  messages: CloudMessage[];
  statuses: CloudStatus[];
  /** Paths of parts that were not the shape Meta documents (for one log line). */
  skipped: string[];
}

const RECEIPTS: ReadonlySet<string> = new Set(["sent", "delivered", "read", "failed"]);
const OTHER = new Set(["document", "sticker", "video", "contacts", "unsupported", "order"]);

/** `photo(mediaId)`: the media, downloaded only when the conversation asks for it. */
export function readPayload(payload: unknown, phoneNumberId: string, photo: (mediaId: string) => RemotePhoto): CloudEvents {
  const events: CloudEvents = { messages: [], statuses: [], skipped: [] };
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success || parsed.data.object !== "whatsapp_business_account") {
    events.skipped.push(parsed.success ? "object" : parsed.error.issues[0].path.join("."));
    return events;
  }
  for (const [e, entry] of parsed.data.entry.entries()) {
    for (const [c, change] of entry.changes.entries()) {
      if (change.field !== "messages") continue;
      const at = `entry.${e}.changes.${c}.value`;
      const value = valueSchema.safeParse(change.value);
      if (!value.success) {
        events.skipped.push(at);
        continue;
      }
      // Another number of the same Meta app: not ours to answer.
      if (value.data.metadata.phone_number_id !== phoneNumberId) continue;
      for (const [m, raw] of (value.data.messages ?? []).entries()) {
        const message = messageSchema.safeParse(raw);
        if (!message.success) {
          events.skipped.push(`${at}.messages.${m}.${message.error.issues[0].path.join(".")}`);
          continue;
        }
        const content = readContent(message.data, photo);
        if (content) {
          events.messages.push({
            chatId: chatIdOf(message.data.from),
            messageId: message.data.id,
            timestamp: Number(message.data.timestamp ?? 0) || 0,
            content,
          });
        }
      }
      for (const [s, raw] of (value.data.statuses ?? []).entries()) {
        const status = statusSchema.safeParse(raw);
        if (!status.success || !RECEIPTS.has(status.data.status)) events.skipped.push(`${at}.statuses.${s}`);
        else events.statuses.push({ messageId: status.data.id, receipt: status.data.status as OutboxReceipt, errorCode: status.data.errors?.[0]?.code });
      }
    }
  }
  // Meta may batch a citizen's messages out of order: oldest first (a stable sort keeps equal times as sent).
  events.messages.sort((a, b) => a.timestamp - b.timestamp);
  return events;
}

function readContent(m: z.infer<typeof messageSchema>, photo: (mediaId: string) => RemotePhoto): InboundContent | undefined {
  switch (m.type) {
    case "text":
      return m.text ? { type: "text", text: m.text.body } : undefined;
    case "interactive": {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return reply ? { type: "choice", value: reply.id } : { type: "unsupported", kind: "other" };
    }
    case "button":
      // A quick-reply button of a template: its words, as if typed.
      return m.button ? { type: "text", text: m.button.text } : undefined;
    case "location":
      return m.location ? { type: "location", latitude: m.location.latitude, longitude: m.location.longitude } : undefined;
    case "image":
      return m.image ? { type: "photo", data: photo(m.image.id), ...(m.image.caption ? { caption: m.image.caption } : {}) } : undefined;
    case "audio":
      return { type: "unsupported", kind: "voice" };
    case "reaction":
      // A reaction taken back (no emoji) says nothing.
      return m.reaction?.emoji ? { type: "unsupported", kind: "other" } : undefined;
    default:
      // System notices (a number changed), requests to the business: not the citizen writing to us.
      return OTHER.has(m.type) ? { type: "unsupported", kind: "other" } : undefined;
  }
}

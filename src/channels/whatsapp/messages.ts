/**
 * Reads a WhatsApp message into what the bot does with it: a citizen's message in a private chat,
 * as neutral content, or nothing (groups, status updates, channels, the bot's own messages,
 * notifications). Photos are downloaded only when the runtime asks, within its size limit.
 */
import type { InboundContent, RemotePhoto } from "../../conversation/messages.js";
import { PhotoTooLargeError } from "../../conversation/messages.js";
import type { WhatsAppMessage } from "./client.js";

export type WhatsAppEvent = { kind: "citizen"; chatId: string; messageId: string; content: InboundContent } | { kind: "ignore" };

const IGNORE: WhatsAppEvent = { kind: "ignore" };

/** A one-to-one chat: a phone number (`…@c.us`) or WhatsApp's newer private ids (`…@lid`). */
function isPrivateChat(id: string): boolean {
  return id.endsWith("@c.us") || id.endsWith("@lid");
}

/** What a citizen sends on purpose that the flows cannot use. */
const VOICE = new Set(["ptt", "audio"]);
const OTHER = new Set([
  "video",
  "document",
  "sticker",
  "vcard",
  "multi_vcard",
  "poll_creation",
  "album",
  "order",
  "product",
  "list",
  "scheduled_event_creation",
]);

export function readMessage(m: WhatsAppMessage): WhatsAppEvent {
  if (m.fromMe || m.isStatus || m.broadcast || !isPrivateChat(m.from)) return IGNORE;
  const content = readContent(m);
  return content ? { kind: "citizen", chatId: m.from, messageId: m.id._serialized, content } : IGNORE;
}

/** An edited message: the flows cannot use the change; the citizen is told to send it anew. */
export function readEdit(m: WhatsAppMessage, at: number): WhatsAppEvent {
  if (m.fromMe || m.isStatus || m.broadcast || !isPrivateChat(m.from)) return IGNORE;
  return { kind: "citizen", chatId: m.from, messageId: `${m.id._serialized}:edit:${at}`, content: { type: "unsupported", kind: "edited" } };
}

function readContent(m: WhatsAppMessage): InboundContent | undefined {
  switch (m.type) {
    case "chat":
      return { type: "text", text: m.body };
    case "location":
      return { type: "location", latitude: Number(m.location?.latitude), longitude: Number(m.location?.longitude) };
    case "image":
      // whatsapp-web.js gives a media message's caption as its body (without its media, the body is a thumbnail).
      return { type: "photo", data: whatsappPhoto(m), ...(m.hasMedia && m.body ? { caption: m.body } : {}) };
    default:
      if (VOICE.has(m.type)) return { type: "unsupported", kind: "voice" };
      if (OTHER.has(m.type)) return { type: "unsupported", kind: "other" };
      // Notifications, reactions, deleted messages, calls: not the citizen writing to us.
      return undefined;
  }
}

/** A photo still on WhatsApp: downloaded when needed; its base64 length tells its size before decoding. */
function whatsappPhoto(m: WhatsAppMessage): RemotePhoto {
  return {
    async read(maxBytes) {
      const media = await m.downloadMedia();
      if (!media?.data) throw new Error("WhatsApp gave no media for the message");
      if (Math.floor((media.data.length * 3) / 4) > maxBytes + 2) throw new PhotoTooLargeError();
      return Buffer.from(media.data, "base64");
    },
  };
}

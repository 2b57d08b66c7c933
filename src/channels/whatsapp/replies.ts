/**
 * Turns a neutral reply into one WhatsApp text: choices as a numbered list (the citizen answers
 * with the number or the words; WhatsApp Web offers no buttons), and a hint for sharing a location
 * or a photo.
 */
import type { OutboundMessage } from "../../conversation/messages.js";
import type { Texts } from "../../locale/texts.js";

export function toWhatsApp(message: OutboundMessage, texts: Texts): string {
  const parts = [message.text];
  const choices = message.choices ?? [];
  if (choices.length) {
    parts.push(choices.map((c, i) => `*${i + 1}.* ${c.label}`).join("\n"));
    parts.push(`_${texts.t(message.lang, "whatsapp.choose_hint")}_`);
  }
  if (message.request === "location") parts.push(`_${texts.t(message.lang, "whatsapp.location_hint")}_`);
  if (message.request === "photo") parts.push(`_${texts.t(message.lang, "whatsapp.photo_hint")}_`);
  return parts.join("\n\n");
}

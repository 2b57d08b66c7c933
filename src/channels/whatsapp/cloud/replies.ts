/**
 * Turns a neutral reply into Cloud API messages: up to three choices with short labels become reply
 * buttons, up to ten a list, more (or longer labels) the numbered text of WhatsApp Web; a location
 * question becomes WhatsApp's "send location" request. Text longer than a message holds goes first
 * as text messages of its own. A button's or row's id is the choice's value, which comes back as
 * the citizen's answer.
 */
import type { OutboundMessage } from "../../../conversation/messages.js";
import type { Texts } from "../../../locale/texts.js";
import { splitAt } from "../../../util/text.js";
import { toWhatsApp } from "../replies.js";
import type { GraphMessage } from "./graph.js";

/** Meta's limits (Cloud API reference: messages, interactive objects). */
export const CLOUD_LIMITS = {
  text: 4096,
  interactiveBody: 1024,
  listBody: 4096,
  buttons: 3,
  buttonTitle: 20,
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  listButton: 20,
} as const;

type Choice = NonNullable<OutboundMessage["choices"]>[number];

function text(body: string): GraphMessage {
  return { type: "text", text: { body, preview_url: false } };
}

/** Text messages for what does not fit in `max`, and the body the last (interactive) message keeps. */
function split(body: string, max: number, fallback: string): { before: GraphMessage[]; body: string } {
  if (body.length <= max) return { before: [], body: body || fallback };
  return { before: splitAt(body, CLOUD_LIMITS.text).map(text), body: fallback };
}

function cut(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

function buttons(body: string, choices: Choice[]): GraphMessage {
  return {
    type: "interactive",
    interactive: {
      type: "button",
      body: { text: body },
      action: { buttons: choices.map((c) => ({ type: "reply", reply: { id: c.value, title: c.label } })) },
    },
  };
}

function list(body: string, choices: Choice[], button: string): GraphMessage {
  const rows = choices.map((c) =>
    c.label.length <= CLOUD_LIMITS.rowTitle
      ? { id: c.value, title: c.label }
      : { id: c.value, title: cut(c.label, CLOUD_LIMITS.rowTitle), description: c.label },
  );
  return {
    type: "interactive",
    interactive: { type: "list", body: { text: body }, action: { button: cut(button, CLOUD_LIMITS.listButton), sections: [{ rows }] } },
  };
}

function locationRequest(body: string): GraphMessage {
  return { type: "interactive", interactive: { type: "location_request_message", body: { text: body }, action: { name: "send_location" } } };
}

/** How the choices of a message are shown: buttons, a list, or numbered text. */
export function choiceStyle(choices: readonly Choice[]): "buttons" | "list" | "numbered" | "none" {
  if (!choices.length) return "none";
  if (choices.length <= CLOUD_LIMITS.buttons && choices.every((c) => c.label.length <= CLOUD_LIMITS.buttonTitle)) return "buttons";
  if (choices.length <= CLOUD_LIMITS.rows && choices.every((c) => c.label.length <= CLOUD_LIMITS.rowDescription)) return "list";
  return "numbered";
}

export function toCloud(message: OutboundMessage, texts: Texts): GraphMessage[] {
  const t = (key: string) => texts.t(message.lang, key);
  const choices = message.choices ?? [];
  const style = choiceStyle(choices);
  const out: GraphMessage[] = [];
  // A question that asks for a photo says how to send one (its choices, such as "skip", are buttons).
  // The adapter uploads no media: a file goes as its fallback text, with its link.
  if (message.file) return splitAt(message.file.fallback, CLOUD_LIMITS.text).map(text);
  let body = message.request === "photo" && style !== "numbered" ? `${message.text}\n\n_${t("whatsapp.photo_hint")}_` : message.text;
  if (message.request === "location") {
    const part = split(body, CLOUD_LIMITS.interactiveBody, t("whatsapp.location_hint"));
    out.push(...part.before, locationRequest(part.body));
    // The choices (skip it, type it instead) follow, asked on their own.
    if (style === "none") return out;
    body = t("whatsapp.choose_hint");
  }
  if (style === "buttons") {
    const part = split(body, CLOUD_LIMITS.interactiveBody, t("whatsapp.choose_hint"));
    out.push(...part.before, buttons(part.body, choices));
  } else if (style === "list") {
    const part = split(body, CLOUD_LIMITS.listBody, t("whatsapp.choose_hint"));
    out.push(...part.before, list(part.body, choices, t("whatsapp.list_button")));
  } else {
    const { request: _r, ...rest } = message;
    const plain = toWhatsApp({ ...rest, text: body, request: message.request === "photo" ? "photo" : undefined }, texts);
    out.push(...splitAt(plain, CLOUD_LIMITS.text).map(text));
  }
  return out;
}

/** Turns engine replies (locale keys and parameters) into text in the citizen's language. */
import { randomUUID } from "node:crypto";
import type { OutboundMessage } from "../domain/model/message.js";
import type { Reply, Vars } from "../engine/types.js";
import type { Language } from "../locale/languages.js";
import type { Texts } from "../locale/texts.js";

export class Renderer {
  /** `globals` are parameters every text may use, per language (the authority's contact, the privacy notice…). */
  constructor(
    private readonly texts: Texts,
    private readonly globals: (lang: Language) => Vars,
  ) {}

  render(reply: Reply, lang: Language): OutboundMessage {
    const params = { ...reply.params, ...this.globals(lang) };
    const text = reply.each
      ? reply.each.map((item) => this.texts.t(lang, reply.key, { ...params, ...item })).join("\n")
      : this.texts.t(lang, reply.key, params);
    const out: OutboundMessage = { id: randomUUID(), lang, text };
    if (reply.choices?.length) {
      out.choices = reply.choices.map((c) => ({ value: c.value, label: c.key ? this.texts.t(lang, c.key, params) : (c.label ?? c.value) }));
    }
    if (reply.request) out.request = reply.request;
    if (reply.file) {
      const { ref, mime, name, fallback } = reply.file;
      out.file = { ref, mime, name: this.texts.t(lang, name, params), fallback: this.texts.t(lang, fallback, params) };
    }
    return out;
  }

  text(lang: Language, key: string): OutboundMessage {
    return this.render({ key }, lang);
  }

  /**
   * One answer, as few messages as possible: a plain text is joined to the reply after it (the
   * buttons or request stay with the question). Fewer bubbles to read, and fewer messages against
   * each platform's per-chat limits. A `separate` reply (a topic to read) stays a message of its own.
   */
  answer(replies: Reply[], lang: Language): OutboundMessage[] {
    const out: OutboundMessage[] = [];
    let joinable = false;
    for (const reply of replies) {
      const message = this.render(reply, lang);
      const previous = out.at(-1);
      if (previous && joinable && !reply.separate && previous.lang === message.lang) {
        out[out.length - 1] = { ...message, text: `${previous.text}\n\n${message.text}` };
      } else {
        out.push(message);
      }
      joinable = !message.choices && !message.request && !message.file && !reply.separate;
    }
    return out;
  }
}

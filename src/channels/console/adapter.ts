/**
 * The console channel: one citizen message per input line, the bot's replies on the output.
 * Choices are numbered; `/location LAT LON` shares a location and `/photo PATH` sends a photo
 * (`/photo PATH | text`: with the text as its caption).
 * Works through pipes, so conversations can be scripted.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { InboundContent, OutboundMessage } from "../../conversation/messages.js";
import type { Language } from "../../locale/languages.js";
import type { Texts } from "../../locale/texts.js";
import type { ConsoleTarget } from "./socket.js";

export interface ConsoleOptions {
  /** The runtime in this process, or a running bot reached through its console socket. */
  service: ConsoleTarget;
  texts: Texts;
  input: Readable;
  output: Writable;
  /** The citizen's id on the console channel. */
  user: string;
  /** The language a new citizen starts in, and of the console's own messages. */
  lang: Language;
  /** Bold prompts and colours; only for a terminal. */
  color?: boolean;
}

/** Turns one typed line into the neutral message content. */
export async function parseConsoleLine(line: string): Promise<InboundContent | { error: "photo_unreadable" }> {
  const location = /^\/location\s+(-?\d+(?:\.\d+)?)[\s,]+(-?\d+(?:\.\d+)?)\s*$/i.exec(line);
  if (location) return { type: "location", latitude: Number(location[1]), longitude: Number(location[2]) };
  // `/photo PATH | caption`: a photo with the text sent with it.
  const photo = /^\/photo\s+([^|]+?)\s*(?:\|\s*(.*))?$/i.exec(line);
  if (photo) {
    try {
      return { type: "photo", data: await readFile(photo[1].trim()), ...(photo[2] ? { caption: photo[2] } : {}) };
    } catch {
      return { error: "photo_unreadable" };
    }
  }
  return { type: "text", text: line };
}

export function formatConsoleReply(message: OutboundMessage, texts: Texts, color = false): string {
  // A file cannot be handed over on a terminal: its link (the fallback text) is printed instead.
  const text = message.file?.fallback ?? message.text;
  const lines = [color ? `\x1b[1m${text}\x1b[0m` : text];
  for (const [i, c] of (message.choices ?? []).entries()) lines.push(`  ${i + 1}. ${c.label}`);
  if (message.request === "location") lines.push(texts.t(message.lang, "channel.location_hint"));
  if (message.request === "photo") lines.push(texts.t(message.lang, "channel.photo_hint"));
  return `${lines.join("\n")}\n\n`;
}

/** One console citizen: each typed line in, the formatted replies out. */
export class ConsoleChannel {
  constructor(private readonly opts: Omit<ConsoleOptions, "input" | "output">) {}

  /** Handles one line and returns what the console shows for it. */
  async receive(line: string): Promise<string> {
    return (await this.messages(line)).map((m) => formatConsoleReply(m, this.opts.texts, this.opts.color)).join("");
  }

  /** Handles one line and returns the messages the bot answered with (the console's own note when the line could not be sent). */
  async messages(line: string): Promise<OutboundMessage[]> {
    const { opts } = this;
    if (line.trim() === "") return [];
    const content = await parseConsoleLine(line);
    if ("error" in content) return [{ id: "console", lang: opts.lang, text: opts.texts.t(opts.lang, `channel.${content.error}`) }];
    const out: OutboundMessage[] = [];
    await opts.service.handle({ channel: "console", chatId: opts.user, messageId: randomUUID(), content, languageHint: opts.lang }, async (_chat, message) => {
      out.push(message);
    });
    return out;
  }
}

export async function runConsole(opts: ConsoleOptions): Promise<void> {
  const channel = new ConsoleChannel(opts);
  const write = (text: string) => new Promise<void>((resolve) => (opts.output.write(text) ? resolve() : opts.output.once("drain", resolve)));
  const lines = createInterface({ input: opts.input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  for await (const line of lines) {
    if (opts.color && line.trim()) await write(`\x1b[2m> ${line}\x1b[0m\n`);
    await write(await channel.receive(line));
  }
}

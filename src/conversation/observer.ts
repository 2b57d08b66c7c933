/** What the runtime tells whoever watches it (the metrics): each message handled, each reply sent. Never their text. */
import type { ChannelName } from "../domain/model/channel.js";

/** How a message ended (HandleResult): answered, answered before (a redelivery), kept for later, limited, failed. */
export type HandledAs = string;

export interface ConversationObserver {
  /** A message was handled on `channel` in `seconds`, ending as `result`. */
  handled(channel: ChannelName, result: HandledAs, seconds: number): void;
  /** A reply went out on `channel` while answering a message. */
  sent(channel: ChannelName): void;
}

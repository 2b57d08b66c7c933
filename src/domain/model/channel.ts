/** The channels a citizen can write from. */
export const CHANNELS = ["console", "web", "telegram", "whatsapp"] as const;
export type ChannelName = (typeof CHANNELS)[number];

/**
 * Channels that can reach a citizen after their message's own request is over. Only their messages
 * are kept to be processed later (a store outage, a crash): on the web chat and the console a
 * message is answered within its request, or it failed and the citizen is asked to send it again.
 */
export function answersLater(channel: ChannelName): boolean {
  return channel === "telegram" || channel === "whatsapp";
}

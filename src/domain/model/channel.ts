/** The channels a citizen can write from. */
export const CHANNELS = ["console", "web", "telegram", "whatsapp"] as const;
export type ChannelName = (typeof CHANNELS)[number];

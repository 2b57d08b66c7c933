/** A Telegram chat linked to a municipality: its secretariat group, or a public group or channel for announcements. */

export const CHAT_PURPOSES = ["secretariat", "announcements"] as const;
export type ChatPurpose = (typeof CHAT_PURPOSES)[number];

export interface LinkedChat {
  /** The Telegram chat id, as text (negative for groups and channels). */
  chatId: string;
  purpose: ChatPurpose;
  municipality: string;
  /** The chat's title when linked, for lists. */
  title: string | null;
  /** The member who linked it (or "admin" from the command line). */
  linkedBy: string;
  linkedAt: Date;
  /** Why the bot cannot use it now (it was removed, lost its rights), or null when it can. */
  problem: string | null;
  /** A forum group's topic the announcements go to (message_thread_id), when linked from one. */
  threadId?: number;
}

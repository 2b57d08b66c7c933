/** A member of a municipality's Secretariado Técnico, and what they may act on. */

/** autoridad municipal, representante de una OSC, facilitador, administrador. */
export const MEMBER_ROLES = ["autoridad", "osc", "facilitador", "admin"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** Stands for "every municipality" in an admin's list. */
export const ALL_MUNICIPALITIES = "*";

export interface Member {
  id: string;
  name: string;
  role: MemberRole;
  /** INEGI keys; an admin may hold ALL_MUNICIPALITIES instead. */
  municipalities: string[];
  /** Their Telegram user id, as text. */
  telegramId: string | null;
  /** The scrypt hash of their panel password (domain/passwords.ts); absent until an administrator sets one. */
  passwordHash?: string | null;
  /** Sessions signed before this count was raised no longer hold (the member logged out: every session of theirs ends). */
  sessionEpoch?: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Whether the member may act on reports, plan and announcements of a municipality. */
export function actsOn(member: Member, municipality: string): boolean {
  return member.municipalities.includes(municipality) || (member.role === "admin" && member.municipalities.includes(ALL_MUNICIPALITIES));
}

/** Whether the member may link a chat to a municipality (and unlink it). */
export function mayLink(member: Member, municipality: string): boolean {
  return (member.role === "facilitador" || member.role === "admin") && actsOn(member, municipality);
}

/** Whether a member may publish announcements for a municipality: those who may link its chats. */
export function mayAnnounce(member: Member, municipality: string): boolean {
  return mayLink(member, municipality);
}

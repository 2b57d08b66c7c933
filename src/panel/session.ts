/**
 * The panel's session: a cookie that names the member and when the session ends, signed with
 * HMAC-SHA256 over those and the member's password hash. Nothing is kept on the server, so any
 * process of the bot that holds PANEL_SESSION_KEY accepts it, and a new password (or a member
 * removed) ends every session of that member at once, as logging out does (`sessionEpoch`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Member } from "../domain/model/member.js";

export const SESSION_COOKIE = "panel_session";

export interface SessionKeys {
  key: Buffer;
  /** How long a session lasts after login. */
  ttlMs: number;
}

function signature(key: Buffer, memberId: string, expires: number, passwordHash: string, epoch: number): string {
  // The epoch signed only once a member logged out: sessions made before it (epoch 0) read as they were signed.
  const logouts = epoch > 0 ? `\n${epoch}` : "";
  return createHmac("sha256", key).update(`${memberId}\n${expires}\n${passwordHash}${logouts}`).digest("base64url");
}

/** The cookie's value for a member who just logged in. */
export function sessionValue(keys: SessionKeys, member: Member, now: Date): string {
  const expires = now.getTime() + keys.ttlMs;
  return `${member.id}.${expires}.${signature(keys.key, member.id, expires, member.passwordHash ?? "", member.sessionEpoch ?? 0)}`;
}

/** The member id a cookie stands for, if it is well formed and unexpired; the caller checks the signature with `sessionHolds`. */
export function sessionClaim(value: string | undefined, now: Date): { memberId: string; expires: number; mac: string } | undefined {
  const m = /^([A-Za-z0-9_-]{1,64})\.(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!m) return undefined;
  const expires = Number(m[2]);
  if (expires <= now.getTime()) return undefined;
  return { memberId: m[1], expires, mac: m[3] };
}

/** Whether the claim was signed for this member with their current password. */
export function sessionHolds(keys: SessionKeys, claim: { memberId: string; expires: number; mac: string }, member: Member): boolean {
  if (!member.passwordHash || member.id !== claim.memberId) return false;
  const expected = Buffer.from(signature(keys.key, member.id, claim.expires, member.passwordHash, member.sessionEpoch ?? 0));
  const given = Buffer.from(claim.mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

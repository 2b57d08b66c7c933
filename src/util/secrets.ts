/** Secrets: compared in constant time, and kept out of what the bot prints. */
import { timingSafeEqual } from "node:crypto";

/** Compares a secret someone sent with the one we hold, in constant time. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `text` with every one of `secrets` replaced by `***`, longest first: the last guard on what a
 * start-up error prints. Fragments shorter than 3 characters are left, or a one-letter user name
 * would mangle every word.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) out = out.split(secret).join("***");
  return out;
}

/**
 * What a message may quote of a connection URI's secrets: the URI, its user information, user and
 * password as written and decoded, and the values of options that carry credentials.
 */
export function uriSecrets(uri: string): string[] {
  const userinfo = /^[a-z+]+:\/\/([^@/]*)@/i.exec(uri)?.[1];
  const out = [uri, ...(userinfo ? [userinfo, ...userinfo.split(":")] : [])];
  for (const [name, value] of new URLSearchParams(uri.split("?")[1] ?? "")) {
    if (/password|secret|token|key|properties/i.test(name)) out.push(value, encodeURIComponent(value));
  }
  return [...new Set(out.flatMap((s) => [s, decoded(s)]))];
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Secrets: compared in constant time, and kept out of what the bot prints. */
import { timingSafeEqual } from "node:crypto";

/** Compares a secret someone sent with the one we hold, in constant time. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `text` with every one of `secrets` replaced by `***`: the last guard on what a start-up error prints. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("***");
  return out;
}

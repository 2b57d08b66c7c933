/** Compares a secret someone sent with the one we hold, in constant time. */
import { timingSafeEqual } from "node:crypto";

export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

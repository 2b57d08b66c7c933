/**
 * How a chat appears in the logs: a keyed hash of its id, never the id itself (a WhatsApp id is a
 * phone number). The same chat keeps the same pseudonym while the key does; with LOG_PSEUDONYM_KEY
 * set, across restarts too, so an operator can follow one conversation without learning who it is.
 */
import { createHmac, randomBytes } from "node:crypto";

export type Pseudonymizer = (id: string) => string;

export function createPseudonymizer(key: string | undefined): Pseudonymizer {
  const secret = key ?? randomBytes(32).toString("hex");
  return (id) => createHmac("sha256", secret).update(id).digest("base64url").slice(0, 12);
}

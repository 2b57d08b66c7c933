/**
 * The one logger (pino). Logs carry ids and events, never message text, names or phone numbers:
 * the redaction list is a safety net, not the policy.
 */
import pino, { type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ["text", "*.text", "name", "*.name", "phone", "*.phone", "description", "*.description"], censor: "[redacted]" },
    },
    destination,
  );
}

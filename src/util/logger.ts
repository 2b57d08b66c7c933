/**
 * The one logger (pino). Logs carry ids and events, never message text, names or phone numbers:
 * the redaction list is a safety net, not the policy. JSON lines for machines (a file, a pipe, a log
 * collector); on a terminal, the same records as readable lines (pino-pretty), so a newcomer's
 * `npm start` reads well. LOG_FORMAT=json or pretty overrides the choice.
 */
import { createRequire } from "node:module";
import pino, { type Logger } from "pino";

export type { Logger };

/** Readable lines when writing to a terminal, JSON otherwise; `format` forces one. */
export function logDestination(
  format: string | undefined = process.env.LOG_FORMAT,
  out: NodeJS.WriteStream = process.stdout,
): pino.DestinationStream | undefined {
  const readable = format === "pretty" || (format !== "json" && out.isTTY === true);
  if (!readable) return undefined;
  // Loaded only for a terminal: a production process writing JSON never needs it.
  const pretty = createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");
  return pretty({ destination: out, colorize: out.isTTY === true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname", sync: true });
}

export function createLogger(level: string, destination: pino.DestinationStream | undefined = logDestination()): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ["text", "*.text", "name", "*.name", "phone", "*.phone", "description", "*.description"], censor: "[redacted]" },
    },
    destination,
  );
}

/**
 * The one logger (pino). Logs carry ids and events, never message text, names or phone numbers:
 * the redaction list is a safety net, not the policy. JSON lines for machines (a file, a pipe, a log
 * collector); on a terminal, the same records as readable lines (pino-pretty), so a newcomer's
 * `npm start` reads well. LOG_FORMAT=json or pretty overrides the choice.
 */
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/** Readable lines when writing to a terminal, JSON otherwise; `format` forces one. */
export function logDestination(
  format: string | undefined = process.env.LOG_FORMAT,
  out: NodeJS.WriteStream = process.stdout,
): pino.DestinationStream | undefined {
  const readable = format === "pretty" || (format !== "json" && out.isTTY === true);
  if (!readable) return undefined;
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

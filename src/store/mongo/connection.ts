/**
 * Opening the MongoDB connection. Start-up retries with backoff while the server cannot be reached,
 * and stops at once, with the right words, when retrying cannot help: a refused user or password
 * ("authentication failed") or a URI the driver cannot read ("invalid URI"). No line ever carries the
 * URI's password.
 */
import mongoose, { type Connection } from "mongoose";
import { redactSecrets, uriSecrets } from "../../util/secrets.js";
import { MAJORITY } from "./collection.js";

export class MongoUnavailableError extends Error {}

/** Retrying would not help: the credentials or the URI are wrong. */
export class MongoConfigurationError extends Error {}

export interface ConnectOptions {
  /** Another database than the URI's (the contract tests use a fresh one each time). */
  dbName?: string;
  /** Connection attempts before giving up, and the first pause between them (doubled each time). */
  attempts?: number;
  firstDelayMs?: number;
  /** How long one attempt waits for a server. */
  timeoutMs?: number;
  /** Told about each failed attempt (host and reason only). */
  onRetry?: (info: { attempt: number; host: string; reason: string; delayMs: number }) => void;
}

/** `host:port[,host:port]` of a MongoDB URI: what a log line may say of it. */
export function mongoHosts(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri)?.[1] ?? "(unparsable URI)";
}

/** A driver message without the URI's secrets (user information, password, credential options). */
export function scrub(message: string, uri: string): string {
  return redactSecrets(message, uriSecrets(uri));
}

/** Filters built from outside values are sanitized on this connection, whatever the query. */
export function hardenConnection(conn: Connection): Connection {
  conn.set("sanitizeFilter", true);
  return conn;
}

/** Codes of a refused login: AuthenticationFailed, Unauthorized. */
const AUTH_CODES = new Set([18, 13]);
const URI_ERRORS = new Set(["MongoParseError", "MongoInvalidArgumentError", "MongoMissingCredentialsError", "MongoAPIError"]);

/** What retrying cannot fix, named for the operator; undefined when the server may just be away. */
function permanentFailure(err: unknown, uri: string, host: string): MongoConfigurationError | undefined {
  const e = err as { name?: string; code?: unknown; message?: string; reason?: { servers?: Map<string, { error?: { code?: unknown } | null }> } };
  const reason = scrub(String(e?.message ?? err), uri);
  // Server selection reports each server's last error: a refused login there is a refused login.
  const codes = [e?.code, ...[...(e?.reason?.servers?.values() ?? [])].map((s) => s.error?.code)];
  if (codes.some((code) => typeof code === "number" && AUTH_CODES.has(code))) {
    return new MongoConfigurationError(`authentication failed for MongoDB at ${host}: ${reason} (check the user and password in MONGODB_URI)`);
  }
  if ((e?.name && URI_ERRORS.has(e.name)) || /unable to parse|invalid scheme/i.test(e?.message ?? "") || !/^mongodb(\+srv)?:\/\//.test(uri)) {
    return new MongoConfigurationError(`invalid URI in MONGODB_URI (${host}): ${reason}`);
  }
  return undefined;
}

/** Opens the connection, retrying with backoff while the server cannot be reached. */
export async function connect(uri: string, options: ConnectOptions): Promise<Connection> {
  const attempts = options.attempts ?? 6;
  let delay = options.firstDelayMs ?? 1000;
  const host = mongoHosts(uri);
  for (let attempt = 1; ; attempt++) {
    const conn = hardenConnection(mongoose.createConnection());
    try {
      await conn.openUri(uri, {
        dbName: options.dbName,
        sanitizeFilter: true,
        autoIndex: false,
        autoCreate: false,
        bufferCommands: false,
        serverSelectionTimeoutMS: options.timeoutMs ?? 5000,
        // Every write the schemas do not set themselves (GridFS, the migration's bulk inserts) too.
        writeConcern: MAJORITY,
      });
      return conn;
    } catch (err) {
      await conn.close().catch(() => undefined);
      const permanent = permanentFailure(err, uri, host);
      if (permanent) throw permanent;
      const reason = scrub((err as Error).message, uri);
      if (attempt >= attempts) throw new MongoUnavailableError(`cannot reach MongoDB at ${host}: ${reason}`);
      options.onRetry?.({ attempt, host, reason, delayMs: delay });
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

/**
 * What a MongoDB error means for a citizen's message. Three kinds:
 * - `unavailable`: no primary to talk to right now (network cut, failover, pool cleared, server
 *   shutting down); the operation may not have run, and the message should wait and be retried.
 * - `maybe_written`: the write reached the primary but a majority did not confirm it in time (a
 *   write-concern error, `wtimeout`). It is probably there; a retry must find it, not repeat it.
 * - `rejected`: the server refused the operation (validation, duplicate key, a bug): retrying
 *   gives the same answer.
 * The store's `unavailable(err)` is true for the first two: the message waits, and its replay must
 * be idempotent (a report is found by the inbound message it came from, not filed again).
 *
 * Classified by driver error class, then by the labels the driver and server attach to retryable
 * errors, then by the codes a replica set answers while its primary changes; names are the last
 * resort (errors made in tests, or a second copy of the driver).
 */
import mongoose from "mongoose";

const { mongo } = mongoose;

export type MongoErrorKind = "unavailable" | "maybe_written" | "rejected";

/**
 * Codes a replica set answers while its primary steps down, is elected or shuts down: the
 * driver's "not writable primary" and "node is recovering" lists, and the legacy one.
 */
export const STATE_CHANGE_CODES = new Set([
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  10058, // LegacyNotPrimary
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** The other codes the retryable-reads and retryable-writes specifications retry. */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  134, // ReadConcernMajorityNotAvailableYet
  262, // ExceededTimeLimit
  9001, // SocketException
]);

/** Labels meaning "try again": retryable writes, transactions, a cleared pool, an overloaded server. */
const TRANSIENT_LABELS = ["RetryableWriteError", "TransientTransactionError", "PoolRequestedRetry", "ResetPool", "RetryableError", "SystemOverloadedError"];

/** Driver classes of "no server to talk to" (MongoPoolClearedError is a MongoNetworkError). */
const UNAVAILABLE_CLASSES = [
  mongo.MongoNetworkError,
  mongo.MongoServerSelectionError,
  mongo.MongoNotConnectedError,
  mongo.MongoTopologyClosedError,
  mongo.MongoOperationTimeoutError,
];

const UNAVAILABLE_NAMES = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoPoolClearedError",
  "MongoServerSelectionError",
  "MongooseServerSelectionError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
  "MongoOperationTimeoutError",
]);

interface DriverLike {
  name?: string;
  message?: string;
  code?: unknown;
  codeName?: string;
  errorLabels?: string[];
  hasErrorLabel?: (label: string) => boolean;
  writeConcernError?: { code?: number };
  /** A bulk write's result (MongoBulkWriteError). */
  result?: { getWriteConcernError?: () => unknown };
  err?: unknown;
}

function hasLabel(e: DriverLike, label: string): boolean {
  if (typeof e.hasErrorLabel === "function") return e.hasErrorLabel(label);
  return Array.isArray(e.errorLabels) && e.errorLabels.includes(label);
}

function isWriteConcernError(e: DriverLike): boolean {
  if (e instanceof mongo.MongoWriteConcernError || e.name === "MongoWriteConcernError") return true;
  // A bulk write whose batches were applied but not all confirmed by a majority.
  if (
    e.name === "MongoBulkWriteError" &&
    (e.result?.getWriteConcernError?.() || (e.err as { name?: string } | undefined)?.constructor?.name === "WriteConcernError")
  ) {
    return true;
  }
  return e.writeConcernError !== undefined;
}

export function classifyMongoError(err: unknown): MongoErrorKind {
  if (!err || typeof err !== "object") return "rejected";
  const e = err as DriverLike;
  if (isWriteConcernError(e)) return "maybe_written";
  if (UNAVAILABLE_CLASSES.some((cls) => e instanceof cls)) return "unavailable";
  if (e.name && UNAVAILABLE_NAMES.has(e.name)) return "unavailable";
  if (TRANSIENT_LABELS.some((label) => hasLabel(e, label))) return "unavailable";
  const code = typeof e.code === "number" ? e.code : Number.NaN;
  if (STATE_CHANGE_CODES.has(code) || TRANSIENT_CODES.has(code)) return "unavailable";
  // mongoose with bufferCommands off, while disconnected
  if (e.name === "MongooseError" && /before initial connection|not connected|connection .* closed/i.test(e.message ?? "")) return "unavailable";
  return "rejected";
}

/** Whether the message should wait for MongoDB rather than fail: the store's `unavailable`. */
export function isConnectionError(err: unknown): boolean {
  return classifyMongoError(err) !== "rejected";
}

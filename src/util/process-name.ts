import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/**
 * A name for one holder of leases in a shared store (the outbox's worker, the conversations' turns):
 * the host, the pid and a random part, new on each call, so two holders never share one, in one process
 * or in a restarted process that got the pid of one that died holding leases.
 */
export function leaseHolderName(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

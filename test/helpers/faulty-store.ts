/**
 * A real store with failures injected where a test says: the whole store away (a dropped MongoDB
 * connection), or one repository call failing before it does anything or after its write landed
 * (a write-concern timeout, a crash between two writes). Errors are classified as MongoDB's are.
 */
import { isConnectionError } from "../../src/store/mongo/index.js";
import type { Store } from "../../src/store/ports.js";

type Repo = "citizens" | "conversations" | "reports" | "inbound" | "counters" | "media";

export interface Fault {
  error: () => Error;
  /** "before": nothing happens; "after": the call does its work, then fails. */
  when: "before" | "after";
  /** How many calls fail (1 unless told). */
  times?: number;
}

export interface FaultyStore extends Store {
  /** While set, every call fails as a dropped connection does. */
  down: boolean;
  /** While this says so, every write fails as a dropped connection does; reads still answer. */
  writesDown?: () => boolean;
  /** The next calls of `repo.method` fail as `fault` says. */
  fail(repo: Repo, method: string, fault: Fault): void;
}

/** The error MongoDB's driver throws when the connection drops. */
export function connectionLost(): Error {
  return Object.assign(new Error("connection 1 to 127.0.0.1:27017 closed"), { name: "MongoNetworkError" });
}

/** The error the driver throws when a write reached the primary but no majority within wtimeout. */
export function writeConcernTimeout(): Error {
  return Object.assign(new Error("waiting for replication timed out"), { name: "MongoWriteConcernError", code: 64 });
}

/** The calls of the wrapped repositories that only read. */
const READS = new Set([
  "get",
  "byId",
  "byFolio",
  "byCitizen",
  "count",
  "list",
  "countByStatus",
  "inbox",
  "inboxCounts",
  "summaries",
  "nearby",
  "undispatched",
  "unfinished",
  "withPending",
  "drafts",
]);

export function faulty(store: Store): FaultyStore {
  let down = false;
  let writesDown: (() => boolean) | undefined;
  const faults = new Map<string, Fault & { left: number }>();
  const wrap = <T extends object>(name: Repo, repo: T): T =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (down || (writesDown?.() && !READS.has(String(prop)))) throw connectionLost();
          const fault = faults.get(`${name}.${String(prop)}`);
          if (!fault || fault.left <= 0) return value.apply(target, args);
          fault.left--;
          if (fault.when === "after") await value.apply(target, args);
          throw fault.error();
        };
      },
    });
  const out = {
    ...store,
    citizens: wrap("citizens", store.citizens),
    conversations: wrap("conversations", store.conversations),
    reports: wrap("reports", store.reports),
    inbound: wrap("inbound", store.inbound),
    counters: wrap("counters", store.counters),
    media: wrap("media", store.media),
    unavailable: isConnectionError,
    fail(repo: Repo, method: string, fault: Fault) {
      faults.set(`${repo}.${method}`, { ...fault, left: fault.times ?? 1 });
    },
  };
  Object.defineProperty(out, "writesDown", { get: () => writesDown, set: (v: (() => boolean) | undefined) => (writesDown = v) });
  return Object.defineProperty(out, "down", { get: () => down, set: (v: boolean) => (down = v) }) as FaultyStore;
}

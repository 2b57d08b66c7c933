/**
 * A MongoDB wire-protocol test double: a TCP server on 127.0.0.1 that the real driver (through
 * mongoose) connects to with `directConnection=true`. It answers the handshake as the primary of a
 * one-member replica set (so the driver uses sessions and retryable writes, as in production),
 * records every command the driver sends, and answers each one from a script: a reply document, a
 * server error (11000, 11602, 13435, 91, 189, an authentication failure…), a write-concern timeout
 * (code 64 with `writeConcernError`), or a dropped connection. Without a script a command gets a
 * plain, empty success of the right shape; indexes created are remembered, so `listIndexes` sees them.
 *
 * It is not a database: it keeps no documents. What a test cannot script here it checks against a
 * real server in store.contract.test.ts (MONGODB_URI).
 *
 * Speaks OP_MSG (opcode 2013, body and document-sequence sections) and, for the very first hello
 * of each connection, the legacy OP_QUERY/OP_REPLY pair the driver still uses before it knows the
 * server's wire version.
 */
import { createServer, type Server, type Socket } from "node:net";
import mongoose from "mongoose";

const { BSON } = mongoose.mongo;
type Doc = Record<string, unknown>;

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
/** MongoDB 7.0 speaks wire version 21. */
const WIRE_VERSION = 21;

/** One command as the driver sent it. */
export interface SentCommand {
  /** The command's name: its first key (`insert`, `findAndModify`, `hello`…). */
  name: string;
  /** The database it was sent to (`$db`). */
  db: string;
  /** The whole command, document sequences folded in (`documents`, `updates`…). */
  body: Doc;
  /** Which TCP connection carried it (1, 2, …), to tell the monitor's hellos from the pool's. */
  connection: number;
}

/** What a script answers: a reply document, a dropped connection, or nothing (the next script, or the default). */
export type Answer = Doc | { drop: true } | undefined;
export type Script = (command: SentCommand) => Answer | Promise<Answer>;

/** The reply of a server error, as mongod shapes it. */
export function serverError(code: number, codeName: string, errmsg = codeName, errorLabels?: string[]): Doc {
  return { ok: 0, code, codeName, errmsg, ...(errorLabels ? { errorLabels } : {}) };
}

/** A write that landed on the primary but whose write concern timed out (`wtimeout`): code 64. */
export function writeConcernTimeout(reply: Doc = { n: 1 }): Doc {
  return {
    ok: 1,
    ...reply,
    writeConcernError: { code: 64, codeName: "WriteConcernFailed", errmsg: "waiting for replication timed out", errInfo: { wtimeout: true } },
  };
}

/** The reply of a `find` or `aggregate` that returns `docs` in one batch. */
export function cursorReply(command: SentCommand, docs: Doc[]): Doc {
  return { cursor: { id: BSON.Long.ZERO, ns: `${command.db}.${String(command.body[command.name])}`, firstBatch: docs }, ok: 1 };
}

/** Errors by the names the tests use. */
export const ERRORS = {
  duplicateKey: (index = "_id_") => serverError(11000, "DuplicateKey", `E11000 duplicate key error collection: test index: ${index} dup key: { }`),
  interruptedDueToReplStateChange: () => serverError(11602, "InterruptedDueToReplStateChange", "operation was interrupted"),
  notPrimaryOrSecondary: () => serverError(13436, "NotPrimaryOrSecondary", "node is recovering"),
  notPrimaryNoSecondaryOk: () => serverError(13435, "NotPrimaryNoSecondaryOk", "not primary and secondaryOk=false"),
  shutdownInProgress: () => serverError(91, "ShutdownInProgress", "The server is in quiesce mode and will shut down"),
  primarySteppedDown: () => serverError(189, "PrimarySteppedDown", "Primary stepped down while waiting for replication"),
  authenticationFailed: () => serverError(18, "AuthenticationFailed", "Authentication failed."),
  indexOptionsConflict: (message: string) => serverError(85, "IndexOptionsConflict", message),
  indexKeySpecsConflict: (message: string) => serverError(86, "IndexKeySpecsConflict", message),
} as const;

interface IndexInfo {
  key: Doc;
  name: string;
  [option: string]: unknown;
}

export class MongoWireDouble {
  /** Every command received, in order (hellos of the monitor included; see `sent`). */
  readonly commands: SentCommand[] = [];
  private readonly scripts: Script[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly indexes = new Map<string, IndexInfo[]>();
  private server?: Server;
  private connections = 0;
  private requestIds = 0;
  port = 0;

  /** Starts listening on an ephemeral port of 127.0.0.1. */
  async start(): Promise<this> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  /** A URI the driver connects to this double with; `userinfo` such as `bot:s3cr3t@`. */
  uri(db = "municipio", userinfo = ""): string {
    return `mongodb://${userinfo}127.0.0.1:${this.port}/${db}?directConnection=true`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Commands other than the handshake and monitoring hellos, optionally only those named `name`. */
  sent(name?: string): SentCommand[] {
    return this.commands.filter((c) => !HELLOS.has(c.name) && (name === undefined || c.name === name));
  }

  /** Forgets what was received so far (after start-up, say). */
  clear(): void {
    this.commands.length = 0;
  }

  /** Adds a script, tried before the ones added earlier; returns a function that removes it. */
  script(script: Script): () => void {
    this.scripts.unshift(script);
    return () => {
      const at = this.scripts.indexOf(script);
      if (at >= 0) this.scripts.splice(at, 1);
    };
  }

  /**
   * Answers the next `times` commands named `name` (and matching `when`, if given) with `answer`
   * (a reply document, or `{ drop: true }` to close the connection without replying).
   */
  answer(
    name: string,
    answer: Answer | ((command: SentCommand) => Answer),
    options: { times?: number; when?: (command: SentCommand) => boolean } = {},
  ): () => void {
    let left = options.times ?? Number.POSITIVE_INFINITY;
    const remove = this.script((command) => {
      if (command.name !== name || left <= 0 || (options.when && !options.when(command))) return undefined;
      left--;
      if (left <= 0) remove();
      return typeof answer === "function" ? answer(command) : answer;
    });
    return remove;
  }

  /** Closes every open connection, as a server that goes away does. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** The indexes a collection has as far as this double knows (created through it). */
  indexesOf(collection: string): IndexInfo[] {
    return this.indexes.get(collection) ?? [{ key: { _id: 1 }, name: "_id_" }];
  }

  /** Pretends an index already exists (created by an earlier version of the bot). */
  addIndex(collection: string, index: IndexInfo): void {
    this.indexes.set(collection, [...this.indexesOf(collection).filter((i) => i.name !== index.name), index]);
  }

  private accept(socket: Socket): void {
    const connection = ++this.connections;
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on("data", (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 4 && buffered.length >= buffered.readInt32LE(0)) {
        const length = buffered.readInt32LE(0);
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        // One message at a time per connection, in order, as a server answers them.
        chain = chain
          .then(() => this.receive(socket, connection, message))
          .catch(() => {
            socket.destroy();
          });
      }
    });
  }

  private async receive(socket: Socket, connection: number, message: Buffer): Promise<void> {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    let body: Doc;
    if (opCode === OP_QUERY) body = readQuery(message);
    else if (opCode === OP_MSG) body = readMsg(message);
    else throw new Error(`the double does not speak opcode ${opCode}`);
    const name = Object.keys(body)[0] ?? "";
    const command: SentCommand = { name, db: String(body.$db ?? "admin"), body, connection };
    this.commands.push(command);
    const answer = await this.answerFor(command);
    if (socket.destroyed) return;
    if ("drop" in answer && answer.drop === true) {
      socket.destroy();
      return;
    }
    socket.write(opCode === OP_QUERY ? replyMessage(++this.requestIds, requestId, answer) : msgMessage(++this.requestIds, requestId, answer));
  }

  private async answerFor(command: SentCommand): Promise<Doc> {
    for (const script of [...this.scripts]) {
      const answer = await script(command);
      if (answer !== undefined) return answer;
    }
    return this.defaultAnswer(command);
  }

  /** Success of the right shape for what the bot sends; indexes are remembered. */
  private defaultAnswer({ name, body, db }: SentCommand): Doc {
    const collection = String(body[name]);
    const cursor = (batch: Doc[]) => cursorReply({ name, body, db, connection: 0 }, batch);
    switch (name) {
      case "hello":
      case "ismaster":
      case "isMaster":
        return this.hello();
      case "insert":
        return { n: (body.documents as Doc[] | undefined)?.length ?? 0, ok: 1 };
      case "update": {
        const n = (body.updates as Doc[] | undefined)?.length ?? 0;
        return { n, nModified: n, ok: 1 };
      }
      case "delete":
        return { n: (body.deletes as Doc[] | undefined)?.length ?? 0, ok: 1 };
      case "find":
      case "aggregate":
        return cursor([]);
      case "getMore":
        return { cursor: { id: BSON.Long.ZERO, ns: `${db}.${body.collection}`, nextBatch: [] }, ok: 1 };
      case "findAndModify":
        return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
      case "count":
        return { n: 0, ok: 1 };
      case "listIndexes":
        return cursor(this.indexesOf(collection).map((i) => ({ v: 2, ...i })));
      case "createIndexes": {
        const before = this.indexesOf(collection).length;
        for (const index of body.indexes as IndexInfo[]) this.addIndex(collection, index);
        return { numIndexesBefore: before, numIndexesAfter: this.indexesOf(collection).length, createdCollectionAutomatically: false, ok: 1 };
      }
      case "dropIndexes": {
        const names = ([] as unknown[]).concat(body.index);
        const known = this.indexesOf(collection);
        if (!names.every((n) => known.some((i) => i.name === n))) return serverError(27, "IndexNotFound", `index not found with name [${names.join(", ")}]`);
        this.indexes.set(
          collection,
          known.filter((i) => !names.includes(i.name)),
        );
        return { nIndexesWas: known.length, ok: 1 };
      }
      case "create":
      case "collMod":
      case "drop":
      case "dropDatabase":
      case "ping":
      case "endSessions":
      case "killCursors":
      case "buildInfo":
        return { ok: 1 };
      default:
        return serverError(59, "CommandNotFound", `no such command: '${name}'`);
    }
  }

  private hello(): Doc {
    const me = `127.0.0.1:${this.port}`;
    return {
      helloOk: true,
      isWritablePrimary: true,
      ismaster: true,
      setName: "rs0",
      setVersion: 1,
      hosts: [me],
      me,
      primary: me,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: this.connections,
      minWireVersion: 0,
      maxWireVersion: WIRE_VERSION,
      readOnly: false,
      ok: 1,
    };
  }
}

const HELLOS = new Set(["hello", "ismaster", "isMaster"]);

function cstring(buffer: Buffer, at: number): [string, number] {
  const end = buffer.indexOf(0, at);
  return [buffer.toString("utf8", at, end), end + 1];
}

function readQuery(message: Buffer): Doc {
  let at = 16 + 4;
  const [collection, next] = cstring(message, at);
  at = next + 8;
  const length = message.readInt32LE(at);
  const query = BSON.deserialize(message.subarray(at, at + length));
  return { ...query, $db: collection.split(".")[0] };
}

function readMsg(message: Buffer): Doc {
  const flags = message.readUInt32LE(16);
  const end = message.length - (flags & 1 ? 4 : 0);
  let at = 20;
  let body: Doc = {};
  const sequences: Record<string, Doc[]> = {};
  while (at < end) {
    const kind = message[at++];
    const size = message.readInt32LE(at);
    if (kind === 0) {
      body = BSON.deserialize(message.subarray(at, at + size));
      at += size;
    } else {
      const stop = at + size;
      const [identifier, first] = cstring(message, at + 4);
      const docs: Doc[] = [];
      for (let p = first; p < stop; ) {
        const docSize = message.readInt32LE(p);
        docs.push(BSON.deserialize(message.subarray(p, p + docSize)));
        p += docSize;
      }
      sequences[identifier] = docs;
      at = stop;
    }
  }
  return { ...body, ...sequences };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeInt32LE(length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(opCode, 12);
  return out;
}

function msgMessage(requestId: number, responseTo: number, doc: Doc): Buffer {
  const body = BSON.serialize(doc);
  const flags = Buffer.alloc(5); // flagBits 0, then section kind 0
  return Buffer.concat([header(16 + flags.length + body.length, requestId, responseTo, OP_MSG), flags, body]);
}

function replyMessage(requestId: number, responseTo: number, doc: Doc): Buffer {
  const body = BSON.serialize(doc);
  const fields = Buffer.alloc(20); // responseFlags, cursorID (8), startingFrom, numberReturned
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(16 + fields.length + body.length, requestId, responseTo, OP_REPLY), fields, body]);
}

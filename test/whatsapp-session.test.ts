/**
 * The WhatsApp Web session on a shared store (RemoteAuth): whatsapp-web.js 1.34.7's own RemoteAuth
 * code zips a profile, our store saves it, and a fresh process restores it byte for byte; failures
 * of the store or of the zipping are logged and never reach whatsapp-web.js as rejections (it calls
 * them unawaited); and a rejection whatsapp-web.js leaves unhandled does not end the process.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GuardedRemoteAuth, RemoteSessionStore, type SessionFiles, sessionZipPath } from "../src/channels/whatsapp/remote-auth.js";
import { openEmbeddedStore } from "../src/store/embedded/index.js";
import { openMongoStore } from "../src/store/mongo/index.js";
import { createLogger } from "../src/util/logger.js";
import { MongoWireDouble } from "./fakes/mongo-wire.js";
import { FakeWhatsApp } from "./fakes/whatsapp.js";
import { tempDir } from "./helpers/app.js";
import { LogLines, runBot } from "./helpers/service.js";

/** Shared files in memory, as GridFS keeps them: the newest version of each name. */
class MemoryFiles implements SessionFiles {
  readonly files = new Map<string, Buffer>();
  failing = false;
  private check(): void {
    if (this.failing) throw Object.assign(new Error("connection 3 to 10.0.0.5:27017 closed"), { name: "MongoNetworkError" });
  }
  async exists(name: string) {
    this.check();
    return this.files.has(name);
  }
  async upload(name: string, fromPath: string) {
    this.check();
    this.files.set(name, await readFile(fromPath));
  }
  async download(name: string, toPath: string) {
    this.check();
    const data = this.files.get(name);
    if (!data) return false;
    await writeFile(toPath, data);
    return true;
  }
  async remove(name: string) {
    this.check();
    this.files.delete(name);
  }
  async createOnce(name: string, fromPath: string, toPath: string) {
    this.check();
    if (!this.files.has(name)) this.files.set(name, await readFile(fromPath));
    await writeFile(toPath, this.files.get(name) as Buffer);
  }
}

/** RemoteAuth's internals the tests drive, as whatsapp-web.js's Client does. */
interface Strategy {
  client: unknown;
  userDataDir: string;
  sessionName: string;
  beforeBrowserInitialized(): Promise<void>;
  afterAuthReady(): Promise<void>;
  storeRemoteSession(options?: { emit?: boolean }): Promise<void>;
  destroy(): Promise<void>;
}

function strategy(files: SessionFiles, dataPath: string, logs: LogLines): Strategy {
  const logger = createLogger("info", logs);
  const auth = new GuardedRemoteAuth({ store: new RemoteSessionStore(files, dataPath, logger), backupSyncIntervalMs: 60_000, dataPath }, logger);
  const s = auth as unknown as Strategy;
  s.client = { options: { puppeteer: {} }, emit: () => true };
  return s;
}

/** A Chromium profile as WhatsApp Web leaves it: what RemoteAuth must carry across. */
async function profile(userDataDir: string): Promise<void> {
  await mkdir(join(userDataDir, "Default", "Local Storage", "leveldb"), { recursive: true });
  await mkdir(join(userDataDir, "Default", "IndexedDB"), { recursive: true });
  await writeFile(join(userDataDir, "Default", "Local Storage", "leveldb", "000003.log"), "session-keys");
  await writeFile(join(userDataDir, "Default", "IndexedDB", "wa.db"), Buffer.from([1, 2, 3, 4]));
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  unhandled.length = 0;
});

describe("whatsapp session in the shared store (RemoteAuth)", () => {
  it("the profile RemoteAuth zips is saved, and a new process restores it without a QR", async () => {
    const files = new MemoryFiles();
    const logs = new LogLines();
    const first = strategy(files, join(await tempDir(), "whatsapp"), logs);
    await first.beforeBrowserInitialized(); // nothing saved yet: an empty profile, a QR
    await profile(first.userDataDir);
    await first.storeRemoteSession({ emit: true });
    expect([...files.files.keys()]).toEqual(["whatsapp/RemoteAuth.zip"]);
    expect(files.files.get("whatsapp/RemoteAuth.zip")?.subarray(0, 2).toString()).toBe("PK");
    expect(logs.lines.some((l) => l.msg === "whatsapp session saved")).toBe(true);

    // Another process, another folder: RemoteAuth extracts the zip our store writes where it looks.
    const dataPath = join(await tempDir(), "whatsapp");
    const second = strategy(files, dataPath, new LogLines());
    await second.beforeBrowserInitialized();
    expect(await readFile(join(second.userDataDir, "Default", "Local Storage", "leveldb", "000003.log"), "utf8")).toBe("session-keys");
    expect(await readFile(join(second.userDataDir, "Default", "IndexedDB", "wa.db"))).toEqual(Buffer.from([1, 2, 3, 4]));
    // The zip was unpacked and removed, as RemoteAuth does with it.
    await expect(stat(sessionZipPath(dataPath, "RemoteAuth"))).rejects.toThrow(/ENOENT/);
  });

  it("a store that fails is logged, never thrown into whatsapp-web.js, and the saved session is never replaced by an empty one", async () => {
    process.on("unhandledRejection", onUnhandled);
    const files = new MemoryFiles();
    files.files.set("whatsapp/RemoteAuth.zip", Buffer.from("a good session"));
    files.failing = true;
    const logs = new LogLines();
    const dataPath = join(await tempDir(), "whatsapp");
    const s = strategy(files, dataPath, logs);
    // As after a start-up: RemoteAuth's profile folder and session name.
    s.userDataDir = join(dataPath, "RemoteAuth");
    s.sessionName = "RemoteAuth";
    await profile(s.userDataDir);
    // As whatsapp-web.js calls them: afterAuthReady unawaited after "ready", backups from setInterval.
    void s.afterAuthReady();
    await s.storeRemoteSession();
    await new Promise((r) => setTimeout(r, 50));
    await s.destroy();
    expect(unhandled).toEqual([]);
    expect(files.files.get("whatsapp/RemoteAuth.zip")?.toString()).toBe("a good session");
    const errors = logs.lines.filter((l) => l.level === 50).map((l) => l.msg);
    expect(errors).toEqual(
      expect.arrayContaining(["whatsapp session: cannot tell whether a saved session exists", "whatsapp session: not saved (tried again at the next backup)"]),
    );
    // A start-up while the store is away fails (and the channel retries) instead of asking for a new QR.
    const restart = strategy(files, join(await tempDir(), "whatsapp"), logs);
    await expect(restart.beforeBrowserInitialized()).rejects.toThrow();
    expect(logs.lines.some((l) => l.msg === "whatsapp session: cannot be read; WhatsApp starts again shortly")).toBe(true);
  });

  it("a saved session that is not a zip fails the start-up (retried by the channel), without an unhandled error", async () => {
    process.on("unhandledRejection", onUnhandled);
    const files = new MemoryFiles();
    files.files.set("whatsapp/RemoteAuth.zip", Buffer.from("not a zip at all, truncated by a full disk"));
    const s = strategy(files, join(await tempDir(), "whatsapp"), new LogLines());
    await expect(s.beforeBrowserInitialized()).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  });

  it("a backup whose zipping fails (a full disk) is logged and tried again, not an unhandled rejection", async () => {
    process.on("unhandledRejection", onUnhandled);
    const files = new MemoryFiles();
    const logs = new LogLines();
    const dataPath = join(await tempDir(), "whatsapp");
    const s = strategy(files, dataPath, logs);
    await s.beforeBrowserInitialized();
    await profile(s.userDataDir);
    // Where the zip should go there is a folder: archiver's stream fails as on a full disk.
    await mkdir(sessionZipPath(dataPath, "RemoteAuth"), { recursive: true });
    await s.storeRemoteSession();
    expect(unhandled).toEqual([]);
    expect(files.files.size).toBe(0);
    expect(logs.lines.some((l) => l.msg === "whatsapp session: backup failed (tried again at the next one)")).toBe(true);
  });

  it("on MongoDB (the wire double), connections dropped during a backup are logged, never thrown", async () => {
    process.on("unhandledRejection", onUnhandled);
    const wire = await new MongoWireDouble().start();
    const mongo = await openMongoStore(wire.uri(), { attempts: 1 });
    try {
      const logs = new LogLines();
      const dataPath = join(await tempDir(), "whatsapp");
      const s = strategy(mongo.sharedFiles as SessionFiles, dataPath, logs);
      await s.beforeBrowserInitialized(); // nothing saved: a new profile
      await profile(s.userDataDir);
      wire.clear();
      wire.answer("find", { drop: true });
      wire.answer("insert", { drop: true });
      void s.afterAuthReady();
      await s.storeRemoteSession();
      await new Promise((r) => setTimeout(r, 100));
      await s.destroy();
      expect(unhandled).toEqual([]);
      expect(wire.sent().some((c) => c.body.find === "shared.files" || c.body.insert === "shared.files")).toBe(true);
      expect(logs.lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          "whatsapp session: cannot tell whether a saved session exists",
          "whatsapp session: not saved (tried again at the next backup)",
        ]),
      );
    } finally {
      await mongo.close();
      await wire.stop();
    }
  });

  it("with a shared store the channel is handed its files; the embedded store has none", async () => {
    const network = new FakeWhatsApp();
    network.linked = true;
    const chromium = join(await tempDir(), "chromium");
    await writeFile(chromium, "");
    const sharedFiles = new MemoryFiles();
    const store = { ...(await openEmbeddedStore(await tempDir())), sharedFiles };
    const bot = await runBot({ WHATSAPP_ENABLED: "true", CHROMIUM_PATH: chromium }, { service: { store, whatsappClient: network.factory, printQr: () => {} } });
    try {
      await network.until(() => (network.clients.length ? true : undefined), 2000, "a client");
      expect(network.client.settings.sessionFiles).toBe(sharedFiles);
    } finally {
      await bot.stop();
    }
  });
});

describe("unhandled rejections from the WhatsApp client", () => {
  it("one from whatsapp-web.js is logged and the process goes on; one from anywhere else still ends it", async () => {
    const script = join(import.meta.dirname, "fixtures", "whatsapp-guard.ts");
    const run = (mode: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ["--import", "tsx", script, mode], { cwd: join(import.meta.dirname, ".."), timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const client = await run("client");
    expect(client.code).toBe(0);
    expect(client.stdout).toContain("whatsapp client: unhandled error ignored, the bot goes on");
    expect(client.stdout).toContain("still running");
    const other = await run("other");
    expect(other.code).not.toBe(0);
    expect(other.stdout).not.toContain("still running");
    expect(other.stderr).toContain("a bug of ours");
  }, 60_000);
});

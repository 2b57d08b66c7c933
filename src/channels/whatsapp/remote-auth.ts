/**
 * The WhatsApp Web session kept where every process of the bot reaches it (MongoDB's GridFS), so
 * the process that runs WhatsApp restores it after a restart or on another machine without a new
 * QR. whatsapp-web.js's RemoteAuth zips Chromium's profile to `<dataPath>/<session>.zip` and hands
 * it to a store; this is that store, and RemoteAuth's own backup, made safe to call the way
 * whatsapp-web.js calls them: `afterAuthReady` is not awaited and backups run from a bare
 * `setInterval`, so anything thrown there would be an unhandled rejection that ends the process.
 * Every failure is logged here and, but for `extract`, never thrown back: a failed backup is tried
 * again at the next interval, and a session that cannot be read makes the start-up fail (and
 * retry) instead of asking for a new QR.
 */
import { createReadStream } from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import WAWebJS from "whatsapp-web.js";
import { errorInfo } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";

/** What the session needs from the store (the store's SharedFiles has this shape). */
export interface SessionFiles {
  exists(name: string): Promise<boolean>;
  upload(name: string, fromPath: string): Promise<void>;
  download(name: string, toPath: string): Promise<boolean>;
  remove(name: string): Promise<void>;
}

/** The zip RemoteAuth writes before `save` and reads after `extract`: `<dataPath>/<session>.zip`. */
export function sessionZipPath(dataPath: string, session: string): string {
  return resolve(dataPath, `${session}.zip`);
}

/** whatsapp-web.js's RemoteAuth store interface over the store's shared files. */
export class RemoteSessionStore implements WAWebJS.Store {
  constructor(
    private readonly files: SessionFiles,
    private readonly dataPath: string,
    private readonly logger: Logger,
  ) {}

  private fileName(session: string): string {
    return `whatsapp/${session}.zip`;
  }

  private failed(what: string, err: unknown): void {
    this.logger.error({ channel: "whatsapp", err: errorInfo(err) }, `whatsapp session: ${what}`);
  }

  /** On a failure, "yes": never start over (new QR) or skip a restore because the store did not answer. */
  async sessionExists({ session }: { session: string }): Promise<boolean> {
    try {
      return await this.files.exists(this.fileName(session));
    } catch (err) {
      this.failed("cannot tell whether a saved session exists", err);
      return true;
    }
  }

  async save({ session }: { session: string }): Promise<void> {
    try {
      await this.files.upload(this.fileName(session), sessionZipPath(this.dataPath, session));
      this.logger.info({ channel: "whatsapp" }, "whatsapp session saved");
    } catch (err) {
      this.failed("not saved (tried again at the next backup)", err);
    }
  }

  /**
   * Writes the saved session where RemoteAuth unzips it. RemoteAuth does not create that folder on
   * a new machine, and listens for errors on the unzipper rather than on the file it reads, so a
   * missing file would be an uncaught exception that ends the process. Hence the one place this
   * store rejects: only `client.initialize()` calls it, the channel awaits that, logs one line and
   * tries again later, and the saved session is kept for then (no new QR).
   */
  async extract({ session, path }: { session: string; path: string }): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true });
      if (!(await this.files.download(this.fileName(session), path))) throw new Error("the saved session disappeared");
    } catch (err) {
      this.failed("cannot be read; WhatsApp starts again shortly", err);
      throw new Error(`WhatsApp session not restored: ${errorInfo(err).message}`);
    }
  }

  async delete({ session }: { session: string }): Promise<void> {
    try {
      await this.files.remove(this.fileName(session));
    } catch (err) {
      this.failed("not deleted", err);
    }
  }
}

/** RemoteAuth's methods replaced here (not in its typings). */
interface RemoteAuthInternals {
  userDataDir: string;
  afterAuthReady(): Promise<void>;
  storeRemoteSession(options?: { emit?: boolean }): Promise<void>;
  unCompressSession(zipPath: string): Promise<void>;
}

/** The part of unzipper (the one whatsapp-web.js uses) needed here; it ships no typings. */
interface Unzipper {
  Extract(options: { path: string; concurrency?: number }): NodeJS.WritableStream & { promise(): Promise<void> };
}
const unzipper = createRequire(import.meta.url)("unzipper") as Unzipper;

/**
 * Unzips the restored session into Chromium's profile folder, resolving once every file is on disk
 * (unzipper's "close"). RemoteAuth waits for "finish" instead, which comes as soon as the zip is
 * read, before its files are written: Chromium could start on half a profile (seen in the test).
 */
async function unzipSession(zipPath: string, into: string): Promise<void> {
  const extract = unzipper.Extract({ path: into, concurrency: 10 });
  await Promise.all([pipeline(createReadStream(zipPath), extract), extract.promise()]);
  await unlink(zipPath);
}
const base = WAWebJS.RemoteAuth.prototype as unknown as RemoteAuthInternals;

/**
 * RemoteAuth whose unawaited steps never reject (zipping the profile can fail too, a full disk, and
 * that happens inside the bare `setInterval`), and whose restore waits until the profile is written.
 * The typings declare the steps as properties, so they are replaced per instance.
 */
export class GuardedRemoteAuth extends WAWebJS.RemoteAuth {
  constructor(options: ConstructorParameters<typeof WAWebJS.RemoteAuth>[0], logger: Logger) {
    super(options);
    const steps = this as unknown as RemoteAuthInternals;
    const failed = (what: string) => (err: unknown) => logger.error({ channel: "whatsapp", err: errorInfo(err) }, `whatsapp session: ${what}`);
    steps.afterAuthReady = () => base.afterAuthReady.call(this).catch(failed("backups not started"));
    steps.storeRemoteSession = (o) => base.storeRemoteSession.call(this, o).catch(failed("backup failed (tried again at the next one)"));
    steps.unCompressSession = (zipPath) => unzipSession(zipPath, steps.userDataDir);
  }
}

/**
 * The part of whatsapp-web.js the channel uses, named once. The real Client must satisfy it (the
 * factory below would not compile otherwise), and the tests' fake implements the same interface,
 * so the adapter runs unchanged against either. whatsapp-web.js and puppeteer are loaded only when a
 * client is made (a second of start-up, for a bot with WhatsApp off).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type WAWebJS from "whatsapp-web.js";
import type { Logger } from "../../util/logger.js";
import { guardWhatsAppRejections } from "./guard.js";
import type { SessionFiles } from "./remote-auth.js";

export type WhatsAppMessage = Pick<
  WAWebJS.Message,
  "id" | "from" | "fromMe" | "type" | "body" | "hasMedia" | "location" | "isStatus" | "broadcast" | "downloadMedia"
>;

export interface WhatsAppClient {
  on(event: "qr", listener: (qr: string) => void): this;
  on(event: "ready", listener: () => void): this;
  on(event: "authenticated", listener: () => void): this;
  on(event: "auth_failure", listener: (message: string) => void): this;
  on(event: "disconnected", listener: (reason: string) => void): this;
  on(event: "message", listener: (message: WhatsAppMessage) => void): this;
  on(event: "message_edit", listener: (message: WhatsAppMessage) => void): this;
  initialize(): Promise<void>;
  sendMessage(chatId: string, content: string | WAWebJS.MessageMedia, options?: { caption?: string; sendMediaAsDocument?: boolean }): Promise<unknown>;
  destroy(): Promise<void>;
}

export interface ClientSettings {
  chromiumPath: string;
  /** Where LocalAuth keeps the session (embedded store), or the RemoteAuth working folder. */
  dataDir: string;
  /** With MongoDB, the session is kept there (RemoteAuth) so another machine can take over without a QR. */
  sessionFiles?: SessionFiles;
  logger: Logger;
}

export type ClientFactory = (settings: ClientSettings) => WhatsAppClient | Promise<WhatsAppClient>;

/** Flags a server needs: no sandbox (root in a container), /tmp instead of a small /dev/shm, no GPU. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-setuid-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--no-zygote"];

/** Five minutes between session backups to MongoDB (whatsapp-web.js's minimum is one). */
const BACKUP_MS = 5 * 60 * 1000;

export function chromiumAvailable(path: string): boolean {
  return existsSync(path);
}

/** The production client: whatsapp-web.js on the system Chromium. */
export const createWhatsAppClient: ClientFactory = async (settings) => {
  const { default: WAWebJS } = await import("whatsapp-web.js");
  const { GuardedRemoteAuth, RemoteSessionStore } = await import("./remote-auth.js");
  const { logger, sessionFiles } = settings;
  guardWhatsAppRejections(logger);
  const dataPath = join(settings.dataDir, "whatsapp");
  const authStrategy = sessionFiles
    ? new GuardedRemoteAuth({ store: new RemoteSessionStore(sessionFiles, dataPath, logger), backupSyncIntervalMs: BACKUP_MS, dataPath }, logger)
    : new WAWebJS.LocalAuth({ dataPath });
  const client: WhatsAppClient = new WAWebJS.Client({
    authStrategy,
    puppeteer: { executablePath: settings.chromiumPath, headless: true, args: CHROMIUM_ARGS },
  });
  return client;
};

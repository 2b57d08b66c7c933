/**
 * whatsapp-web.js and puppeteer run promises nobody awaits (listeners of page events, a `destroy()`
 * after a disconnection, RemoteAuth's backups). Node ends the process on an unhandled rejection,
 * and with it Telegram and the web chat. This guard logs such a rejection in one line and lets the
 * bot go on (the channel reconnects by itself when the client is really gone); a rejection from
 * anywhere else still ends the process as Node would.
 */
import { sep } from "node:path";
import { errorInfo } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";

const FROM_CLIENT = ["whatsapp-web.js", "puppeteer-core", "puppeteer"].map((pkg) => `${sep}node_modules${sep}${pkg}${sep}`);

/** Whether an error was raised inside whatsapp-web.js or the browser it drives (by its stack). */
export function fromWhatsAppClient(reason: unknown): boolean {
  const stack = reason instanceof Error ? reason.stack : undefined;
  return typeof stack === "string" && FROM_CLIENT.some((marker) => stack.includes(marker));
}

let installed = false;

/** Installs the guard once per process (every new client asks again). */
export function guardWhatsAppRejections(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on("unhandledRejection", (reason) => {
    // Not ours to forgive: thrown from here, it ends the process as an unhandled rejection would.
    if (!fromWhatsAppClient(reason)) throw reason;
    logger.error({ channel: "whatsapp", err: errorInfo(reason) }, "whatsapp client: unhandled error ignored, the bot goes on");
  });
}

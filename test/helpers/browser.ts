/** The system Chromium for browser tests (playwright-core), launched quiet and offline, with one test host name mapped to this machine. */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Whether the tests can run here (CI installs Chromium; elsewhere the suites say they were skipped). */
export const chromiumAvailable = existsSync(CHROMIUM);

/** Chromium with `host` resolving to 127.0.0.1: a name that is not localhost, so pages are not a secure context. */
export function launchChromium(host: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      `--host-resolver-rules=MAP ${host} 127.0.0.1`,
    ],
  });
}

/**
 * `npm start`: the bot with every channel its configuration turns on. Any configuration,
 * flow or locale problem stops start-up with one line saying what and where.
 */
import { existsSync } from "node:fs";
import { loadConfig, secretValues } from "./config/settings.js";
import { startService } from "./service.js";
import { createLogger, logDestination } from "./util/logger.js";
import { redactSecrets } from "./util/secrets.js";

async function main(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, logDestination(config.LOG_FORMAT));
  const service = await startService(config, { logger });

  let stopping = false;
  /** Start-up could not finish (the audit trail): whatever stops the process, it ends with 1. */
  let failed = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    try {
      await service.stop();
    } catch (err) {
      // A full disk at the last compaction, say: what was written before is safe, and the reason is one line.
      process.stderr.write(`municipio-abierto: stopped with an error: ${(err as Error).message}\n`);
      process.exit(1);
    }
    process.exit(failed ? 1 : 0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // What start-up left for once the bot listens (the audit trail) cannot be read: the bot cannot go
  // on, and says why as a start-up that fails would.
  service.app.finishStarting().catch(async (err: Error) => {
    cannotStart(err);
    failed = true;
    // A signal already stopping the bot ends it (with 1 now); otherwise it is stopped here.
    if (stopping) return;
    stopping = true;
    await service.stop().catch(() => undefined);
    process.exit(1);
  });
  // Said once the signals are heard: whoever waits for this line (a supervisor, a test) may stop the bot at once.
  const { store } = service.app;
  logger.info(
    { store: store.kind, dataDir: store.kind === "embedded" ? config.DATA_DIR : undefined, channels: service.channels() },
    "municipio abierto started",
  );
}

/** Why the bot cannot start, in one line, with no secret in it. */
function cannotStart(err: Error): void {
  process.stderr.write(`municipio-abierto: cannot start: ${redactSecrets(err.message, secretValues())}\n`);
}

main().catch((err: Error) => {
  cannotStart(err);
  process.exit(1);
});

/**
 * `npm start`: the bot with every channel its configuration turns on. Any configuration,
 * flow or locale problem stops start-up with one line saying what and where.
 */
import { existsSync } from "node:fs";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { createWebServer } from "./web/server.js";

async function main(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const app = await createApp(config, { logger });
  const server = await createWebServer(app, { chat: config.WEB_CHAT_ENABLED });
  await server.listen({ port: config.PORT, host: config.HOST });

  const channels = {
    web: config.WEB_CHAT_ENABLED ? `on at http://localhost:${config.PORT}/` : "off (set WEB_CHAT_ENABLED=true)",
    console: "run `npm run --silent chat` in another terminal",
  };
  logger.info({ store: app.store.kind, dataDir: app.store.kind === "embedded" ? config.DATA_DIR : undefined, channels }, "municipio abierto started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: Error) => {
  process.stderr.write(`municipio-abierto: cannot start: ${err.message}\n`);
  process.exit(1);
});

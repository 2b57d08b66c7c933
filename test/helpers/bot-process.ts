/**
 * The bot as `npm start` composes it (settings from the environment, every channel they turn on),
 * in a process that loads its code first and starts only when told: a line `go` on stdin. A
 * supervisor keeps one such process warm, so a restart after `kill -9` costs the start-up, not the
 * imports. Prints `started` once the service runs and Telegram is connected.
 */
import { createInterface } from "node:readline";
import { loadConfig } from "../../src/config/settings.js";
import { startService } from "../../src/service.js";
import { createLogger, logDestination } from "../../src/util/logger.js";

const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === "go") break;
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL, logDestination(config.LOG_FORMAT));
const service = await startService(config, { logger });
// Started means taking messages: Telegram connected (its token checked, polling or its webhook set).
await service.telegram?.start();
process.stdout.write("started\n");

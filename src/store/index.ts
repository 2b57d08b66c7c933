/** Opens the store the configuration asks for: MongoDB when MONGODB_URI is set, otherwise the embedded one. */
import type { Config } from "../config/settings.js";
import type { Logger } from "../util/logger.js";
import { openEmbeddedStore } from "./embedded/index.js";
import type { Store } from "./ports.js";

export async function openStore(
  config: Pick<Config, "DATA_DIR" | "MONGODB_URI">,
  options: { inMemory?: boolean; logger?: Logger; background?: boolean } = {},
): Promise<Store> {
  if (config.MONGODB_URI) {
    const { logger } = options;
    // Loaded only here: mongoose and its driver (and bson's 17 MB buffer) are not in an embedded deployment's memory.
    const { openMongoStore } = await import("./mongo/index.js");
    return openMongoStore(config.MONGODB_URI, {
      logger,
      onRetry: ({ attempt, host, reason, delayMs }) => logger?.warn({ attempt, host, reason, retryInMs: delayMs }, "cannot reach MongoDB yet, retrying"),
    });
  }
  return openEmbeddedStore(config.DATA_DIR, options);
}

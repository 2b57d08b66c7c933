/** Opens the store the configuration asks for. */
import type { Config } from "../config.js";
import { openEmbeddedStore } from "./embedded/index.js";
import type { Store } from "./ports.js";

export class StoreUnavailableError extends Error {}

export async function openStore(config: Pick<Config, "DATA_DIR" | "MONGODB_URI">, options: { inMemory?: boolean } = {}): Promise<Store> {
  if (config.MONGODB_URI) {
    throw new StoreUnavailableError("MONGODB_URI is set, but this version has only the embedded store: unset MONGODB_URI to use it");
  }
  return openEmbeddedStore(config.DATA_DIR, options);
}

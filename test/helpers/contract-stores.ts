/**
 * The stores the contract suites run against: the embedded store always, MongoDB too when
 * MONGODB_URI is set (each test on a fresh database, dropped afterwards).
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach } from "vitest";
import { openEmbeddedStore } from "../../src/store/embedded/index.js";
import { openMongoStore } from "../../src/store/mongo/index.js";
import type { Store } from "../../src/store/ports.js";
import { tempDir } from "./app.js";

export type Opened = { store: Store; reopen: () => Promise<Store>; dispose?: () => Promise<void> };

export const contractStores: [string, () => Promise<Opened>][] = [
  [
    "embedded",
    async () => {
      const dir = await tempDir("ma-store-");
      return { store: await openEmbeddedStore(dir), reopen: () => openEmbeddedStore(dir) };
    },
  ],
];

const MONGODB_URI = process.env.MONGODB_URI;
if (MONGODB_URI) {
  contractStores.push([
    "mongodb",
    async () => {
      const dbName = `municipio_test_${randomUUID().slice(0, 8)}`;
      const open = () => openMongoStore(MONGODB_URI, { dbName, attempts: 1 });
      return {
        store: await open(),
        reopen: open,
        async dispose() {
          const admin = await open();
          await admin.connection.dropDatabase();
          await admin.close();
        },
      };
    },
  ]);
} else {
  console.info("store contract: the MongoDB run was skipped: MONGODB_URI is not set (set it to a MongoDB server to run the same suite there)");
}

/** The store under test, fresh for each test of the enclosing `describe`: `db.store`, and `db.reopen()` as after a restart. */
export function freshStore(open: () => Promise<Opened>): { readonly store: Store; reopen(): Promise<void> } {
  let opened: Opened;
  let store: Store;
  beforeEach(async () => {
    opened = await open();
    store = opened.store;
  });
  afterEach(async () => {
    await store.close();
    await opened.dispose?.();
  });
  return {
    get store() {
      return store;
    },
    async reopen() {
      await store.close();
      store = await opened.reopen();
    },
  };
}

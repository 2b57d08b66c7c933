import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Two files at a time: much of the suite waits (on child processes, Chromium, timers), and vitest's
    // default on a 2-core machine is one.
    maxWorkers: 2,
    // Files run one after another in each worker and share its modules: src is imported, and the
    // language understanding trained, once per worker instead of once per file. Every file stops
    // what it starts (bots, stores, servers, browsers), so nothing of one reaches the next.
    isolate: false,
  },
});

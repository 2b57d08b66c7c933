import { configDefaults, defineConfig } from "vitest/config";

/**
 * Files whose tests wait on child processes against a deadline (`npm start` killed mid-broadcast, a
 * shutdown within 10 s, `npm run chat` next to a running bot): they run last, one at a time.
 */
const TIMED_PROCESSES = ["test/announcements-crash.test.ts", "test/shutdown.test.ts", "test/one-process.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    setupFiles: ["test/setup.ts"],
    // Two files at a time: much of the suite waits (on child processes, Chromium, timers), and vitest's
    // default on a 2-core machine is one.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "in-process",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...TIMED_PROCESSES],
          // Files run one after another in each worker and share its modules: src is imported, and the
          // language understanding trained, once per worker instead of once per file. Every file stops
          // what it starts (bots, stores, servers, browsers), so nothing of one reaches the next.
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "timed-processes", include: TIMED_PROCESSES, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});

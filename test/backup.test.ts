/**
 * `npm run backup:test` passes: a backup of the embedded store made as docs/operations.md says,
 * restored elsewhere, gives a bot with the same reports, photos, conversations and outbox (and, with
 * MONGODB_URI and the MongoDB Database Tools, the same for MongoDB; otherwise it says it skipped it).
 */
import { expect, it } from "vitest";
import { run } from "./helpers/process.js";

it("the documented backup and restore keep every report, photo, conversation and outbox row", async () => {
  const { code, stdout, stderr } = await run("scripts/backup-test.ts", [], {});
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(stdout).toContain("embedded store: backed up, restored, and the restored bot has every report, photo, conversation and outbox row");
  expect(stdout).toMatch(/^MongoDB: (skipped, .+|backed up, restored, .+)$/m);
}, 120_000);

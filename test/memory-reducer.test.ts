/**
 * A bot gives back the memory a burst took once it is quiet. Since V8 13.1 (Node 24, the production
 * runtime) V8's memory reducer never runs in a process that allocates nothing on the embedder's heap,
 * and the process keeps its largest burst's memory for as long as it runs; the app keeps the reducer
 * working (src/util/memory-reducer.ts). Node 20 and 22 do not have the defect and give the memory
 * back on their own, after up to 45 s: the test runs where the defect is.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/app.js";
import { run } from "./helpers/process.js";

const v8Major = Number(process.versions.v8.split(".")[0]);

describe.skipIf(v8Major < 13)("memory after a burst", () => {
  it("a quiet bot gives back most of what a burst took, within 45 s", async () => {
    const result = await run(join(import.meta.dirname, "fixtures", "memory-after-burst.ts"), [], { DATA_DIR: await tempDir(), QUIET_MS: "45000" });
    expect(result.code, result.stderr).toBe(0);
    const { peak, lowest } = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as { peak: number; lowest: number };
    expect(peak).toBeGreaterThan(200 * 2 ** 20);
    expect(lowest).toBeLessThan(peak / 2);
  }, 90_000);
});

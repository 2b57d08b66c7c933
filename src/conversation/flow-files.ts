/** Reads the flow files of a folder (flows/*.yaml) for the engine's loader, versioned by their content. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FlowSet } from "../engine/flow.js";
import { type FlowCheckContext, loadFlows } from "../engine/flow-loader.js";

export function loadFlowsFromDir(dir: string, ctx: FlowCheckContext): FlowSet {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return loadFlows(
    files.map((f) => {
      const text = readFileSync(join(dir, f), "utf8");
      return { file: join(dir, f), text, version: createHash("sha256").update(text).digest("hex").slice(0, 12) };
    }),
    ctx,
  );
}

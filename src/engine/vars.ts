/** Reading and writing dotted variable paths (`report.category`) in a conversation's vars. */

import type { Json } from "../util/json.js";
import type { Vars } from "./types.js";

const split = new Map<string, readonly string[]>();
/** A path's parts, split once: paths come from the flows (a few hundred), read on every step. */
function partsOf(path: string): readonly string[] {
  let parts = split.get(path);
  if (!parts) {
    parts = path.split(".");
    if (split.size >= 10_000) split.clear();
    split.set(path, parts);
  }
  return parts;
}

export function getVar(vars: Vars, path: string): Json | undefined {
  let cur: Json | undefined = vars;
  for (const part of partsOf(path)) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, Json>)[part];
  }
  return cur;
}

/** Returns new vars with `path` set; the input is not changed. */
export function setVar(vars: Vars, path: string, value: Json): Vars {
  const [head, ...rest] = path.split(".");
  if (rest.length === 0) return { ...vars, [head]: value };
  const child = vars[head];
  const obj = child !== null && typeof child === "object" && !Array.isArray(child) ? (child as Vars) : {};
  return { ...vars, [head]: setVar(obj, rest.join("."), value) };
}

/** Resolves a step's `args`/`params` map: each value is a variable path, or a literal when quoted ('text'). */
export function resolveRefs(vars: Vars, refs: Record<string, string> | undefined): Vars {
  const out: Vars = {};
  for (const [name, ref] of Object.entries(refs ?? {})) {
    const literal = /^'(.*)'$/.exec(ref);
    out[name] = literal ? literal[1] : (getVar(vars, ref) ?? null);
  }
  return out;
}

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

/** Returns new vars with `path` set; the input is not changed (only the objects on the path are copied). */
export function setVar(vars: Vars, path: string, value: Json): Vars {
  return setParts(vars, partsOf(path), 0, value);
}

function setParts(vars: Vars, parts: readonly string[], at: number, value: Json): Vars {
  const head = parts[at];
  if (at === parts.length - 1) return { ...vars, [head]: value };
  return { ...vars, [head]: setParts(objectAt(vars, head), parts, at + 1, value) };
}

/** The object `vars[name]` holds, or an empty one where it holds none (a value set under it replaces it). */
function objectAt(vars: Vars, name: string): Vars {
  const child = vars[name];
  return child !== null && typeof child === "object" && !Array.isArray(child) ? (child as Vars) : {};
}

/**
 * Returns new vars with each path set in turn, as `setVar` one after another would, but with each
 * object on the paths copied once (a `set` step sets ten variables of a report at a time).
 */
export function setVars(vars: Vars, entries: Iterable<readonly [string, Json]>): Vars {
  const copies = new Set<Vars>();
  const own = (o: Vars): Vars => {
    if (copies.has(o)) return o;
    const copy = { ...o };
    copies.add(copy);
    return copy;
  };
  const out = own(vars);
  for (const [path, value] of entries) {
    const parts = partsOf(path);
    let cur = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = own(objectAt(cur, parts[i]));
      put(cur, parts[i], next);
      cur = next;
    }
    put(cur, parts[parts.length - 1], value);
  }
  return out;
}

/** An own property, whatever its name (an assignment to `__proto__` would set the prototype). */
function put(o: Vars, key: string, value: Json): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
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

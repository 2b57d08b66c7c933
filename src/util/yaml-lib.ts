/**
 * The `yaml` library, loaded the first time it is needed: only a plan file read or written, or a
 * project file that cannot be read (its messages name the mistake), need it — never a start-up.
 */
import { createRequire } from "node:module";

let loaded: typeof import("yaml") | undefined;

export function yamlLibrary(): typeof import("yaml") {
  loaded ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return loaded;
}

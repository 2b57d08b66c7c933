/**
 * YAML as the project's files are read (configuration, flows, locales, held-out phrases): YAML 1.2's
 * core schema — strings, numbers, booleans, null, lists and maps; no dates, no merge keys, no custom
 * tags — one document per file, a repeated key an error, an empty file (or one of comments only) null.
 *
 * js-yaml reads them, four to five times faster than `yaml` on a process's first read (all of them:
 * 236 → 50 ms at start-up on Node 24). `yaml` stays for the Plan de Acción's file, which is written
 * back with its comments (src/domain/plan/yaml-format.ts).
 */
import { CORE_SCHEMA, load, YAMLException } from "js-yaml";

/** The parsed document; throws an Error whose message is one line: what is wrong, and where. */
export function parseYaml(text: string): unknown {
  if (!/^[^\S\n]*[^#\s]/m.test(text)) return null;
  try {
    return load(text, { schema: CORE_SCHEMA });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const where = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : "";
    throw new Error(`${err.reason}${where}`);
  }
}

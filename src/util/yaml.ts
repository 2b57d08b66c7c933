/**
 * YAML as the project's files are read (configuration, flows, locales, held-out phrases): YAML 1.2's
 * core schema — strings, numbers, booleans, null, lists and maps; no dates, no merge keys, no custom
 * tags — one document per file, a repeated key an error, an empty file (or one of comments only) null.
 *
 * js-yaml reads them, four to five times faster than `yaml` on a process's first read (all of them:
 * 236 → 50 ms at start-up on Node 24). `yaml` stays for the Plan de Acción's file, which is written
 * back with its comments (src/domain/plan/yaml-format.ts), and says what is wrong with a file that
 * cannot be read: its messages name the mistake ("Missing closing 'quote", "Tabs are not allowed as
 * indentation") where js-yaml's often say "bad indentation".
 */
import { CORE_SCHEMA, load, YAMLException } from "js-yaml";
import { yamlLibrary } from "./yaml-lib.js";

/**
 * Values a file may hold once its aliases (`*name`) are expanded. The largest file the project ships
 * holds about 800; a few lines of anchors repeated within anchors hold billions, and whatever walks
 * them afterwards (the locale checks, i18next) would not finish.
 */
export const MAX_YAML_VALUES = 100_000;

/** The parsed document; throws an Error whose message is one line: what is wrong, and where. */
export function parseYaml(text: string): unknown {
  if (!/^[^\S\n]*[^#\s]/m.test(text)) return null;
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    throw new Error(whyUnreadable(text, err));
  }
  if (valuesWithin(value, MAX_YAML_VALUES) < 0) {
    throw new Error(`more than ${MAX_YAML_VALUES.toLocaleString("en")} values once its aliases (*name) are expanded`);
  }
  return value;
}

/** `yaml`'s first line about the mistake, with where it is; js-yaml's when `yaml` reads the text. */
function whyUnreadable(text: string, err: YAMLException): string {
  try {
    // Warnings (a tag it does not know) are js-yaml's error, said below.
    yamlLibrary().parse(text, { logLevel: "error" });
  } catch (other) {
    const message = (other as Error).message
      .split("\n")[0]
      .replace(/:$/, "")
      .replace(/; please use YAML\.parseAllDocuments\(\)/, "");
    if (message) return message;
  }
  const where = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : "";
  return `${err.reason}${where}`;
}

/**
 * How many of `budget` values are left once `value` is counted (an alias counted each time it is used);
 * below 0 past it. Throws when an alias stands inside what it names (js-yaml makes that a cycle, which
 * nothing that walks the file would finish).
 */
function valuesWithin(value: unknown, budget: number, within = new Set<object>()): number {
  let left = budget - 1;
  if (value === null || typeof value !== "object") return left;
  if (within.has(value)) throw new Error("an alias (*name) inside what it names");
  within.add(value);
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    left = valuesWithin(item, left, within);
    if (left < 0) break;
  }
  within.delete(value);
  return left;
}

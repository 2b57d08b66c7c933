/**
 * Start-up checks of the locale files: every key the code uses exists in every language, and
 * every `$t(…)` a text nests points at a text that exists in that language. A problem is one line
 * naming the file and the key.
 */
import { join } from "node:path";

export class LocaleError extends Error {}

type Tree = Record<string, unknown>;

/** The value at `a.b.c`, or undefined. */
function at(tree: Tree, key: string): unknown {
  let node: unknown = tree;
  for (const part of key.split(".")) {
    if (!node || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

/** A text exists as itself or as plural forms (`key_one`, `key_other`). */
function hasText(tree: Tree, key: string): boolean {
  return at(tree, key) !== undefined || at(tree, `${key}_other`) !== undefined;
}

/** The file a key lives in: each file is a top-level key. */
function fileOf(dir: string, lang: string, key: string): string {
  return join(dir, lang, `${key.split(".")[0]}.yaml`);
}

function* leaves(tree: unknown, prefix = ""): Generator<[string, string]> {
  if (typeof tree === "string") yield [prefix, tree];
  else if (tree && typeof tree === "object" && !Array.isArray(tree)) {
    for (const [k, v] of Object.entries(tree)) yield* leaves(v, prefix ? `${prefix}.${k}` : k);
  }
}

/** The key each `$t(key, options)` in a text names, as written (it may hold `{{…}}`). */
function nestedKeys(text: string): string[] {
  return [...text.matchAll(/\$t\(([^,)]*)/g)].map((m) => m[1].trim());
}

/**
 * Checks one language's texts. A nested key built from a parameter (`$t(category.{{category}})`)
 * is checked up to the parameter: `category` must be a group of texts.
 */
export function checkLanguage(dir: string, lang: string, tree: Tree, required: readonly string[]): void {
  for (const key of required) {
    if (!hasText(tree, key)) throw new LocaleError(`${fileOf(dir, lang, key)}: ${key} is missing (the code uses it)`);
  }
  for (const [key, text] of leaves(tree)) {
    for (const nested of nestedKeys(text)) {
      const dynamic = nested.indexOf("{{");
      const fixed = dynamic < 0 ? nested : nested.slice(0, dynamic);
      if (dynamic < 0) {
        if (!hasText(tree, nested)) throw new LocaleError(`${fileOf(dir, lang, key)}: ${key} nests $t(${nested}), which does not exist`);
      } else if (fixed.endsWith(".")) {
        const group = at(tree, fixed.slice(0, -1));
        if (!group || typeof group !== "object" || Array.isArray(group)) {
          throw new LocaleError(`${fileOf(dir, lang, key)}: ${key} nests $t(${nested}), but ${fixed.slice(0, -1)} is not a group of texts`);
        }
      }
    }
  }
}

/**
 * nedb's indexes are AVL trees (@seald-io/binary-search-tree) holding, for each value, the list of the
 * documents that have it. Removing one document of a value copies that whole list without it: with
 * 100,000 reports, every update of a report copied the list of its category (11,000 reports) and of
 * its municipality, a third of the retention job's time. Here the document is taken out of the list in
 * place (the library itself adds to the list in place), and nothing else of the tree changes.
 */
import { createRequire } from "node:module";

interface TreeNode {
  data: unknown[];
  search(key: unknown): unknown[];
  checkValueEquality(a: unknown, b: unknown): boolean;
  delete(key: unknown, value?: unknown): TreeNode;
}

// The copy nedb itself requires (a dependency of nedb's, not of the bot's).
const fromNedb = createRequire(createRequire(import.meta.url).resolve("@seald-io/nedb"));
const AVLTree = fromNedb("@seald-io/binary-search-tree").AVLTree as new (options: object) => { tree: TreeNode };

let installed = false;

export function installInPlaceIndexRemoval(): void {
  if (installed) return;
  installed = true;
  const node = Object.getPrototypeOf(new AVLTree({}).tree) as TreeNode;
  const remove = node.delete;
  node.delete = function (this: TreeNode, key: unknown, value?: unknown): TreeNode {
    if (value !== undefined) {
      const data = this.search(key);
      // The last document of a value removes the value's node: the library's own way.
      if (data.length > 1) {
        const at = data.findIndex((d) => this.checkValueEquality(d, value));
        if (at >= 0) data.splice(at, 1);
        return this;
      }
    }
    return remove.call(this, key, value);
  };
}

/**
 * The documents nedb's index of `field` lists under `value`, as nedb holds them, without a query: no
 * copy and no matching of each one (nedb copies every document a query matches before it sorts them).
 * Read them, never change them or hand them out: copy what leaves the store.
 */
export function indexedDocuments(db: object, field: string, value: string): readonly Record<string, unknown>[] {
  const index = (db as { indexes: Record<string, { getMatching(value: unknown): Record<string, unknown>[] } | undefined> }).indexes[field];
  if (!index) throw new Error(`the collection has no index of ${field}`);
  return index.getMatching(value);
}

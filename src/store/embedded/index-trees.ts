/**
 * nedb's indexes are AVL trees (@seald-io/binary-search-tree) holding, for each value, the list of the
 * documents that have it. Two changes to how nedb uses them, installed on the copies nedb itself loads:
 *
 * - Removing one document of a value copied that whole list without it: with 100,000 reports, every
 *   update of a report copied the list of its category (11,000 reports) and of its municipality, a
 *   third of the retention job's time. Here the document is taken out of the list in place (the
 *   library itself adds to the list in place), and nothing else of the tree changes.
 * - An index filled with every document at once (a collection loaded at start-up, an index made)
 *   inserted them one at a time, each a walk down the tree and a rebalancing: ten indexes of 100,000
 *   reports were a fifth of start-up. Here the documents are grouped by value, the values sorted by
 *   the index's own order, and the balanced tree is built from them in one pass.
 */
import { createRequire } from "node:module";

interface TreeNode {
  key?: unknown;
  data: unknown[];
  left: TreeNode | null;
  right: TreeNode | null;
  parent: TreeNode | null;
  height: number;
  unique: boolean;
  compareKeys(a: unknown, b: unknown): number;
  search(key: unknown): unknown[];
  checkValueEquality(a: unknown, b: unknown): boolean;
  delete(key: unknown, value?: unknown): TreeNode;
  createSimilar(options: { key: unknown }): TreeNode;
}

/** nedb's index (lib/indexes.js), as far as it is used here. */
interface NedbIndex {
  _fields: string[];
  sparse: boolean;
  tree: { tree: TreeNode };
  insertMultipleDocs(docs: unknown[]): void;
}

// The copy nedb itself requires (a dependency of nedb's, not of the bot's).
const fromNedb = createRequire(createRequire(import.meta.url).resolve("@seald-io/nedb"));
const AVLTree = fromNedb("@seald-io/binary-search-tree").AVLTree as new (options: object) => { tree: TreeNode };
const Index = fromNedb("./lib/indexes.js") as { prototype: NedbIndex };
const { getDotValues } = fromNedb("./lib/model.js") as { getDotValues(doc: unknown, fields: string[]): unknown };

/** Below this many documents, one at a time costs no more. */
const BULK_FROM = 64;

let installed = false;

export function installIndexChanges(): void {
  if (installed) return;
  installed = true;
  const insertMany = Index.prototype.insertMultipleDocs;
  Index.prototype.insertMultipleDocs = function (this: NedbIndex, docs: unknown[]): void {
    if (docs.length < BULK_FROM || "key" in this.tree.tree || !buildFromSorted(this, docs)) insertMany.call(this, docs);
  };
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
 * Fills an empty index with `docs` as one balanced tree: the documents are grouped by value (a Map,
 * in the order given), the values sorted by the index's own order, and the tree built from them. False
 * (the index untouched) for what only the library's way handles: a key that is an array, an object
 * or NaN, and a unique index holding a value twice (the library's own error).
 */
function buildFromSorted(index: NedbIndex, docs: unknown[]): boolean {
  const empty = index.tree.tree;
  const byValue = new Map<unknown, { key: unknown; data: unknown[] }>();
  // Dates are equal by their time, not by being the same object.
  const byTime = new Map<number, { key: unknown; data: unknown[] }>();
  // A plain field is read as the library reads it (getDotValue of a path without dots), without splitting the path for each document.
  const [field] = index._fields;
  const plain = index._fields.length === 1 && !field.includes(".");
  for (const doc of docs) {
    const key = plain ? (doc as Record<string, unknown>)[field] : getDotValues(doc, index._fields);
    // The library's test of a missing key, kept as it is (it also takes a Date for one).
    const missing = key === undefined || (typeof key === "object" && key !== null && Object.values(key).every((v) => v === undefined));
    if (missing && index.sparse) continue;
    let groups: Map<unknown, { key: unknown; data: unknown[] }> = byValue;
    let at: unknown = key;
    if (key instanceof Date) {
      groups = byTime;
      at = key.getTime();
      // nedb finds an invalid date equal to every date: only its own way keeps that.
      if (Number.isNaN(at)) return false;
    } else if ((key !== null && typeof key === "object") || Number.isNaN(key)) return false;
    const group = groups.get(at);
    if (!group) groups.set(at, { key, data: [doc] });
    else if (empty.unique) return false;
    else group.data.push(doc);
  }
  const values = [...byValue.values()].concat([...byTime.values()]);
  // Values all strings or all numbers compare as the library compares them (< and >), without its dispatch on types.
  const type = typeof values[0]?.key;
  const natural = (type === "string" || type === "number") && values.every((v) => typeof v.key === type);
  values.sort(
    natural
      ? (a, b) => ((a.key as string) < (b.key as string) ? -1 : (a.key as string) > (b.key as string) ? 1 : 0)
      : (a, b) => empty.compareKeys(a.key, b.key),
  );
  if (!values.length) return true;
  const build = (lo: number, hi: number, parent: TreeNode | null): TreeNode | null => {
    if (lo >= hi) return null;
    const mid = (lo + hi) >>> 1;
    const node = empty.createSimilar({ key: values[mid].key });
    node.data = values[mid].data;
    node.parent = parent;
    node.left = build(lo, mid, node);
    node.right = build(mid + 1, hi, node);
    node.height = 1 + Math.max(node.left?.height ?? 0, node.right?.height ?? 0);
    return node;
  };
  index.tree.tree = build(0, values.length, null) as TreeNode;
  return true;
}

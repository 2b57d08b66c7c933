/**
 * nedb's indexes as the embedded store changes them (src/store/embedded/index-trees.ts): an index
 * built from every document at once is the same tree, value for value and document for document, as
 * one built a document at a time, stays balanced through the changes that follow, and refuses a
 * unique value held twice as nedb does.
 */
import { createRequire } from "node:module";
import type NedbModule from "@seald-io/nedb";
import { describe, expect, it } from "vitest";
import { installIndexChanges } from "../src/store/embedded/index-trees.js";

installIndexChanges();

interface Node {
  key?: unknown;
  data: { _id: string }[];
  left: Node | null;
  right: Node | null;
  parent: Node | null;
  height: number;
}
type Indexes = Record<string, { tree: { tree: Node; checkIsAVLT(): void } }>;

/** Every value of an index in order, with its documents' ids in their order; checks the tree is a balanced search tree with right parents. */
function contents(db: Datastore, field: string): [unknown, string[]][] {
  const index = (db as unknown as { indexes: Indexes }).indexes[field];
  index.tree.checkIsAVLT();
  const out: [unknown, string[]][] = [];
  const walk = (node: Node | null, parent: Node | null) => {
    if (!node || !("key" in node)) return;
    expect(node.parent).toBe(parent);
    walk(node.left, node);
    out.push([node.key, node.data.map((d) => d._id)]);
    walk(node.right, node);
  };
  walk(index.tree.tree, null);
  return out;
}

const FIELDS = [
  { fieldName: "town" },
  { fieldName: "n" },
  { fieldName: "maybe", sparse: true },
  { fieldName: "code", unique: true },
  { fieldName: "town,kind" },
  { fieldName: "place.zone" },
  // Every kind of value side by side, not sparse: dates (some of the same time), booleans, 0 and -0, null, missing.
  { fieldName: "mixed" },
];

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];

function documents(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const doc: Record<string, unknown> = {
      _id: `d${i}`,
      town: pick(["Toluca", "Metepec", "Zinacantepec", "árbol", "Árbol", "", null]),
      n: pick([0, 1, -3, 2.5, 1e9, Number.MAX_SAFE_INTEGER, 7]),
      code: `c${(i * 7919) % count}`,
      kind: pick(["a", "b", undefined]),
      place: random() < 0.5 ? { zone: pick(["norte", "sur", 3, true]) } : null,
    };
    if (random() < 0.4) doc.maybe = pick(["x", 1, false, new Date(1_700_000_000_000 + Math.floor(random() * 10) * 1000)]);
    const mixed = pick([new Date(1_700_000_000_000 + Math.floor(random() * 5) * 1000), true, false, 0, -0, 3, "3", null, undefined, "missing"]);
    if (mixed !== "missing") doc.mixed = mixed;
    return doc;
  });
}

/** nedb's own index class (the one its collections use). */
interface Index {
  insert(doc: unknown): void;
  remove(doc: unknown): void;
  update(oldDoc: unknown, newDoc: unknown): void;
  getMatching(value: unknown): { _id: string }[];
}
const Datastore = createRequire(import.meta.url)("@seald-io/nedb") as typeof NedbModule.default;
type Datastore = InstanceType<typeof Datastore>;
const require = createRequire(createRequire(import.meta.url).resolve("@seald-io/nedb"));
const NedbIndex = require("./lib/indexes.js") as new (options: object) => Index;

/**
 * The same documents in the same order, into an index at once and into another one at a time; how
 * many documents filling it at once inserted one by one (0: the tree was built at once).
 */
function both(spec: object, docs: Record<string, unknown>[]) {
  const insert = NedbIndex.prototype.insert;
  let single = 0;
  NedbIndex.prototype.insert = function (this: Index, doc: unknown) {
    if (!Array.isArray(doc)) single++;
    return insert.call(this, doc);
  };
  const atOnce = new NedbIndex(spec);
  try {
    atOnce.insert(docs);
  } finally {
    NedbIndex.prototype.insert = insert;
  }
  const oneByOne = new NedbIndex(spec);
  for (const doc of docs) oneByOne.insert(doc);
  return { atOnce, oneByOne, single };
}

const contentsOf = (index: Index) => contents({ indexes: { x: index } } as unknown as Datastore, "x");

describe("nedb's indexes filled with every document at once", () => {
  it.each(FIELDS)("are the same tree as filled one document at a time, and stay so through changes (%o)", (spec) => {
    const docs = documents(3000);
    const { atOnce, oneByOne, single } = both(spec, docs);
    // Built at once, except for keys of several fields (objects), which go the library's way.
    expect(single).toBe(spec.fieldName.includes(",") ? docs.length : 0);
    expect(contentsOf(atOnce)).toEqual(contentsOf(oneByOne));
    const live = [...docs];
    for (let round = 0; round < 600; round++) {
      const change = pick(["insert", "update", "remove"]);
      const at = Math.floor(random() * live.length);
      const fresh = { ...documents(1)[0], _id: `n${round}`, code: `n${round}` };
      for (const index of [atOnce, oneByOne]) {
        if (change === "insert") index.insert(fresh);
        if (change === "update") index.update(live[at], { ...live[at], town: "Metepec", n: round, maybe: round % 2 ? "y" : undefined });
        if (change === "remove") index.remove(live[at]);
      }
      if (change === "insert") live.push(fresh);
      if (change === "update") live[at] = { ...live[at], town: "Metepec", n: round, maybe: round % 2 ? "y" : undefined };
      if (change === "remove") live.splice(at, 1);
    }
    expect(contentsOf(atOnce)).toEqual(contentsOf(oneByOne));
    expect(atOnce.getMatching("Metepec").map((d) => d._id)).toEqual(oneByOne.getMatching("Metepec").map((d) => d._id));
  });

  it("refuses a unique value held twice as nedb does, and a collection leaves the index out", async () => {
    const docs = documents(200).map((d, i) => ({ ...d, code: i === 150 ? "u3" : `u${i}` }));
    expect(() => new NedbIndex({ fieldName: "code", unique: true }).insert(docs)).toThrow(expect.objectContaining({ errorType: "uniqueViolated", key: "u3" }));
    const db = new Datastore({ inMemoryOnly: true });
    await db.insertAsync(docs);
    await expect(db.ensureIndexAsync({ fieldName: "code", unique: true })).rejects.toMatchObject({ errorType: "uniqueViolated", key: "u3" });
    expect((db as unknown as { indexes: Indexes }).indexes.code).toBeUndefined();
  });

  it.each([
    ["arrays (a document under each of its values)", (i: number) => (i % 3 ? [`t${i % 5}`, `t${i % 7}`] : `t${i % 4}`)],
    ["an invalid date (equal to every date for nedb)", (i: number) => (i === 150 ? new Date(Number.NaN) : new Date(i % 10))],
  ])("goes the library's way for %s", (_, value) => {
    const docs = Array.from({ length: 200 }, (_, i) => ({ _id: `d${i}`, tags: value(i) }));
    const { atOnce, oneByOne, single } = both({ fieldName: "tags" }, docs);
    expect(single).toBe(docs.length);
    expect(contentsOf(atOnce)).toEqual(contentsOf(oneByOne));
  });

  it("a collection loaded with its indexes answers as before", async () => {
    const db = new Datastore({ inMemoryOnly: true });
    await db.insertAsync(documents(500));
    for (const spec of FIELDS) await db.ensureIndexAsync({ ...spec, fieldName: spec.fieldName.includes(",") ? spec.fieldName.split(",") : spec.fieldName });
    const all = await db.findAsync({});
    const expected = all
      .filter((d) => d.town === "Toluca" && typeof d.n === "number" && d.n >= 0)
      .map((d) => d._id)
      .sort();
    expect((await db.findAsync({ town: "Toluca", n: { $gte: 0 } })).map((d) => d._id).sort()).toEqual(expected);
  });
});

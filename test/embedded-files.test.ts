/** The embedded store's files: appends through kept handles survive compaction and a reopen. */
import { describe, expect, it } from "vitest";
import { installAppendHandles, releaseAppendHandles } from "../src/store/embedded/append-handles.js";
import { openCollection } from "../src/store/embedded/collection.js";
import { tempDir } from "./helpers/app.js";

describe("embedded store files", () => {
  it("keeps every write across compactions and reopening", async () => {
    installAppendHandles();
    const dir = await tempDir("ma-files-");
    const db = await openCollection(dir, "things", []);
    await db.insertAsync({ _id: "a", n: 1 });
    await db.compactDatafileAsync();
    // After compaction renamed a new file over the old one, appends must reach the new file.
    await db.insertAsync({ _id: "b", n: 2 });
    await db.updateAsync({ _id: "a" }, { $set: { n: 10 } }, {});
    await db.compactDatafileAsync();
    await db.insertAsync({ _id: "c", n: 3 });
    db.stopAutocompaction();
    await releaseAppendHandles(dir);
    const again = await openCollection(dir, "things", []);
    const docs = (await again.findAsync({}).sort({ _id: 1 })) as unknown as { _id: string; n: number }[];
    expect(docs.map((d) => [d._id, d.n])).toEqual([
      ["a", 10],
      ["b", 2],
      ["c", 3],
    ]);
    again.stopAutocompaction();
  });
});

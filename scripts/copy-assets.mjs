/**
 * `npm run build`'s second half: copies every file of src/ that is not TypeScript (pages, scripts and
 * stylesheets served to browsers, templates) next to the compiled JavaScript, so `node dist/main.js`
 * finds them where the sources do. `node scripts/copy-assets.mjs [OUT_DIR]` (dist by default).
 */
import { cpSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const out = process.argv[2] ?? "dist";
let copied = 0;
for (const entry of readdirSync("src", { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith(".ts")) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join(out, relative("src", from)));
  copied++;
}
process.stdout.write(`${copied} asset files copied to ${out}\n`);

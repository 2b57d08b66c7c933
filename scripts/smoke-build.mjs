/**
 * After `npm run build`: starts `node dist/main.js` (no tsx) on a free port with an empty data folder,
 * checks that it answers /healthz, serves the web chat and its assets, and stops cleanly on SIGTERM.
 * Exits 1 with what failed. Run by .ci/run; `node scripts/smoke-build.mjs` by hand.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), "ma-smoke-"));
const child = spawn(process.execPath, ["dist/main.js"], {
  env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn" },
  stdio: ["ignore", "inherit", "inherit"],
});
const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
const base = `http://127.0.0.1:${port}`;

async function check() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = await fetch(`${base}/healthz`).catch(() => null);
    if (health?.ok) break;
    if (Date.now() > deadline) throw new Error("dist/main.js did not answer /healthz within 30 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  const page = await fetch(`${base}/`);
  if (!page.ok || !(await page.text()).includes("Municipio Abierto")) throw new Error(`the web chat page answered ${page.status}`);
  for (const asset of ["/assets/page.css", "/chat/chat.js", "/panel/login", "/panel/assets/panel.css", "/panel/assets/vendor/htmx.min.js"]) {
    const res = await fetch(`${base}${asset}`);
    if (!res.ok) throw new Error(`${asset} answered ${res.status}`);
  }
}

let failure;
try {
  await check();
} catch (err) {
  failure = err;
}
child.kill("SIGTERM");
const code = await exited;
rmSync(dataDir, { recursive: true, force: true });
if (failure) {
  process.stderr.write(`smoke test of the build failed: ${failure.message}\n`);
  process.exit(1);
}
if (code !== 0) {
  process.stderr.write(`dist/main.js stopped with code ${code} on SIGTERM\n`);
  process.exit(1);
}
process.stdout.write("the build starts, serves the web chat and stops cleanly\n");

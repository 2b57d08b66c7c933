/**
 * Part of `npm run bench`, in a process of its own (so nothing of the other runs is counted): the
 * memory of the embedded store on disk with IN_PROGRESS conversations stopped half way (at the
 * description), after start-up and after them, with what the store keeps; then once the process has
 * been quiet long enough for V8 to give back the heap it grew during the burst.
 */
import { createApp } from "../src/app.js";
import { loadDeployment } from "../src/config/deployment.js";
import { loadConfig } from "../src/config/settings.js";
import { Municipalities } from "../src/domain/municipalities.js";
import { createLogger } from "../src/util/logger.js";
import { tempDir } from "../test/helpers/app.js";
import { memoryOnceIdle, quietFor } from "./idle-memory.js";
import { pick } from "./random.js";
import { citizenScript, unambiguous } from "./texts.js";

const IN_PROGRESS = Number(process.env.BENCH_IN_PROGRESS ?? 10_000);
const municipalities = Municipalities.load("data", loadDeployment("config/deployment.yaml"));
const names = unambiguous(municipalities).map((m) => m.name);

/** RSS with IN_PROGRESS conversations stopped half way (at the description), in a process of its own. */
export async function memoryInProgress(): Promise<void> {
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const settle = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage();
  };
  const config = loadConfig({ DATA_DIR: await tempDir("ma-bench-rss-") });
  const app = await createApp(config, { logger: createLogger("silent") });
  const started = settle();
  const scripts = Array.from({ length: IN_PROGRESS }, () => citizenScript(pick(names)).slice(0, 6));
  for (let i = 0; i < 6; i++) {
    for (let from = 0; from < IN_PROGRESS; from += 1000) {
      await Promise.all(
        scripts
          .slice(from, from + 1000)
          .map((script, k) =>
            app.conversations.handle(
              { channel: "web", chatId: `m${from + k}`, messageId: `m${from + k}-${i}`, content: { type: "text", text: script[i] } },
              async () => {},
            ),
          ),
      );
    }
  }
  const after = settle();
  const { store } = app;
  const sizes = store.kind === "embedded" ? (store as unknown as { sizes?: () => Record<string, number> }).sizes?.() : undefined;
  console.log(
    `memory, embedded store on disk: ${mb(started.rss)} RSS after start-up (heap ${mb(started.heapUsed)}); ${IN_PROGRESS} conversations in progress: ${mb(after.rss)} RSS (heap ${mb(after.heapUsed)} used of ${mb(after.heapTotal)}, external ${mb(after.external)}, array buffers ${mb(after.arrayBuffers)})`,
  );
  if (sizes)
    console.log(
      `  the store keeps in memory: ${Object.entries(sizes)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  // What of that is the heap V8 grew during the burst rather than what is kept: the process left
  // alone, as a bot is between bursts, until V8's memory reducer has given it back.
  const idle = await memoryOnceIdle();
  const heap = process.memoryUsage();
  console.log(
    `  once the process has been quiet (V8's memory reducer), ${quietFor(idle)}: ${mb(idle.rss)} RSS (heap ${mb(heap.heapUsed)} used of ${mb(heap.heapTotal)})`,
  );
  await app.close();
}

await memoryInProgress();

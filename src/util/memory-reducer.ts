import { Script } from "node:vm";

/**
 * Keeps V8's memory reducer able to give memory back to the system after a burst, on Node 24 and
 * later (V8 13.1+).
 *
 * After a burst of messages V8 grows its heap; once the process is quieter, its memory reducer runs a
 * garbage collection that returns the pages it no longer needs. Since V8 13.1 (CL 5935313, "use
 * exponential decay for allocation speed") the reducer also requires a low allocation rate on the
 * embedder's heap (cppgc), and a process that never allocates there reads as allocating at the
 * highest rate: the reducer waits forever ("Memory reducer: high alloc" under
 * `--trace-memory-reducer`), so every freed page stays in V8's page pool and the process keeps the
 * memory of its largest burst. Only a memory-reducing collection empties that pool; ordinary ones
 * keep it. Measured on Node 24 (bench/memory.ts): 10,000 conversations in progress still held 526 MB
 * 90 s after their burst, and 188 MB 22 s after it with this in place.
 *
 * Node allocates on cppgc when it compiles a `vm.Script`, so compiling a trivial one now and then is
 * enough for the reducer to read the embedder's rate as low. The rate decays to exactly zero about
 * 110 s after the last allocation, hence the interval. On Node 20 and 22 it is unnecessary and
 * harmless: one tiny compilation every half minute. The timer never keeps the process alive.
 *
 * Returns the function that stops it.
 */
export function keepMemoryReducerWorking(everyMs = 30_000): () => void {
  const allocate = () => void new Script("0");
  allocate();
  const timer = setInterval(allocate, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

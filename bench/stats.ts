/** Small helpers to print benchmark figures. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Prints and returns messages/s, p50 and p99; with `cpuFrom` (process.cpuUsage() taken at the start),
 * also the CPU the process spent per message — on a shared machine messages/s moves with the
 * neighbours' load, the CPU per message much less.
 */
export function summarize(
  label: string,
  latenciesMs: number[],
  wallMs: number,
  cpuFrom?: NodeJS.CpuUsage,
): { perSecond: number; p50: number; p99: number; cpuUs?: number } {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const result: { perSecond: number; p50: number; p99: number; cpuUs?: number } = {
    perSecond: (latenciesMs.length / wallMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
  let cpu = "";
  if (cpuFrom) {
    const used = process.cpuUsage(cpuFrom);
    result.cpuUs = (used.user + used.system) / latenciesMs.length;
    cpu = `  CPU ${result.cpuUs.toFixed(0)} µs/msg`;
  }
  console.log(
    `${label.padEnd(44)} ${String(latenciesMs.length).padStart(7)} msgs  ${result.perSecond.toFixed(0).padStart(7)} msg/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms${cpu}`,
  );
  return result;
}

/** Sends one wave of messages (one per user) at once and records each message's latency. */
export async function wave(users: number, send: (user: number) => Promise<unknown>, latencies: number[]): Promise<void> {
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      const t = performance.now();
      await send(u);
      latencies.push(performance.now() - t);
    }),
  );
}

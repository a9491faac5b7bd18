/** Throughput and latency of one measured path. */
export interface Figures {
  rps: number;
  p50: number;
  p99: number;
}

/**
 * Runs `op` `count` times from `concurrency` loops and returns requests per second and the
 * p50/p99 latency in ms: the one way every bench measures, so their figures compare.
 */
export async function measure(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: count / seconds, p50: at(0.5), p99: at(0.99) };
}

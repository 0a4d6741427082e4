/** Latency statistics of a benchmark run. */
export interface RunStats {
  iterations: number;
  perSecond: number;
  p50Micros: number;
  p99Micros: number;
}

/**
 * Runs `fn` repeatedly for about `durationMs` after a warm-up, timing each call.
 * @param fn - The work; awaited when it returns a promise.
 * @param durationMs - How long to measure.
 * @returns Throughput and latency percentiles.
 */
export async function measure(fn: () => unknown, durationMs = 3000): Promise<RunStats> {
  const warmUntil = performance.now() + Math.min(1000, durationMs / 3);
  while (performance.now() < warmUntil) await fn();
  const samples: number[] = [];
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  while (now < end) {
    const t0 = performance.now();
    await fn();
    now = performance.now();
    samples.push(now - t0);
  }
  const elapsed = now - start;
  samples.sort((a, b) => a - b);
  const pct = (p: number): number =>
    (samples[Math.min(samples.length - 1, Math.floor(samples.length * p))] ?? 0) * 1000;
  return {
    iterations: samples.length,
    perSecond: (samples.length / elapsed) * 1000,
    p50Micros: pct(0.5),
    p99Micros: pct(0.99),
  };
}

/** @returns A latency in µs, ms or s, whichever keeps it readable. */
function formatLatency(micros: number): string {
  if (micros >= 1_000_000) return `${(micros / 1_000_000).toFixed(2)} s`;
  if (micros >= 10_000) return `${(micros / 1000).toFixed(1)} ms`;
  return `${micros.toFixed(1)} µs`;
}

/** @returns A rate with a precision that still shows rates below one per second. */
function formatRate(perSecond: number): string {
  return perSecond >= 10 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(2);
}

/** @returns One aligned line for a result table. */
export function formatRow(name: string, s: RunStats, unit = 'messages/s'): string {
  return `${name.padEnd(44)} ${formatRate(s.perSecond).padStart(9)} ${unit.padEnd(12)} p50 ${formatLatency(s.p50Micros).padStart(10)}   p99 ${formatLatency(s.p99Micros).padStart(10)}`;
}

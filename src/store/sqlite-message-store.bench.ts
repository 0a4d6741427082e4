import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatRow, measure, type RunStats } from '../../bench/stats.ts';
import { testMessage } from './test-support/test-message.ts';
import type { NewMessage } from './message-store.ts';
import { openSqliteMessageStore } from './sqlite-message-store.ts';

/** One message as the service appends it: a 2 KB raw ORU and a 20 KB Bundle. */
function benchMessage(): NewMessage {
  const raw = new Uint8Array(2048).map((_, i) => 32 + (i % 90));
  const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', pad: 'x'.repeat(20 * 1024 - 60) });
  return testMessage({ raw, bundle, orderKey: 'Patient?identifier=urn:oid:1.2.3|12345' });
}

/** @returns Percentile `p` of sorted `samples` (ms), in µs. */
function pctMicros(samples: number[], p: number): number {
  return (samples[Math.min(samples.length - 1, Math.floor(samples.length * p))] ?? 0) * 1000;
}

/** Runs `callers` concurrent append loops for `durationMs`, timing each append from call to resolve. */
async function concurrent(append: () => Promise<unknown>, callers: number, durationMs: number): Promise<RunStats> {
  const samples: number[] = [];
  const start = performance.now();
  const end = start + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await append();
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: callers }, loop));
  const elapsed = performance.now() - start;
  samples.sort((a, b) => a - b);
  return {
    iterations: samples.length,
    perSecond: (samples.length / elapsed) * 1000,
    p50Micros: pctMicros(samples, 0.5),
    p99Micros: pctMicros(samples, 0.99),
  };
}

/**
 * Appends to a file-backed store with `synchronous = FULL` (an fsync per commit), one message per append, from 1
 * and from 8 concurrent callers; prints appends/s with append latency (call to durable), then the commits'
 * own duration (BEGIN to COMMIT, fsync included) and how many messages each carried.
 * The database goes to `BENCH_STORE_DIR` (default the OS temp dir): put it on the disk the service will use,
 * since the fsync dominates.
 * @returns The printed lines.
 */
export async function benchMessageStore(durationMs: number): Promise<string[]> {
  const dir = mkdtempSync(path.join(process.env.BENCH_STORE_DIR ?? tmpdir(), 'sb-store-bench-'));
  const message = benchMessage();
  const lines = [`2 KB raw + 20 KB Bundle per message, synchronous=FULL, WAL; database in ${dir}`];
  try {
    for (const callers of [1, 8]) {
      const commits: { size: number; seconds: number }[] = [];
      const store = openSqliteMessageStore({
        file: path.join(dir, `c${callers}`, 'messages.db'),
        groupCommit: { onCommit: (size, seconds) => commits.push({ size, seconds }) },
      });
      const append = () => store.append([message]);
      const stats = callers === 1 ? await measure(append, durationMs) : await concurrent(append, callers, durationMs);
      await store.close();
      const commitMs = commits.map((c) => c.seconds * 1000).sort((a, b) => a - b);
      const perCommit = commits.reduce((s, c) => s + c.size, 0) / Math.max(1, commits.length);
      lines.push(formatRow(`append, ${callers} concurrent caller${callers > 1 ? 's' : ''}`, stats, 'appends/s'));
      lines.push(
        `${'  commit (BEGIN..COMMIT)'.padEnd(44)} ${perCommit.toFixed(1).padStart(9)} msgs/commit  p50 ${pctMicros(commitMs, 0.5).toFixed(1).padStart(7)} µs   p99 ${pctMicros(commitMs, 0.99).toFixed(1).padStart(8)} µs`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (import.meta.main) {
  for (const line of await benchMessageStore(Number(process.env.BENCH_MS ?? 3000))) console.log(line);
}

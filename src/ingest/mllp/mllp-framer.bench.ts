import { Buffer } from 'node:buffer';
import { sampleOru } from '../../parse/hl7v2/parse-hl7v2.bench.ts';
import { frameMllp, MllpFramer } from './mllp-framer.ts';

/** Result of {@link benchMllpFramer}. */
export interface FramerBenchResult {
  framesPerSecond: number;
  megabytesPerSecond: number;
  frameBytes: number;
}

/**
 * Measures the MLLP framer on one core: a stream of 2 KB ORU^R01 frames cut into 64 KiB chunks (what a socket
 * under load delivers), so frames regularly straddle chunk boundaries. Not a test: figures depend on the machine.
 * @param durationMs - How long to measure (after a warm-up of a third of that).
 * @returns Frames and megabytes per second.
 */
export function benchMllpFramer(durationMs = 1000): FramerBenchResult {
  const frame = frameMllp(Buffer.from(sampleOru(), 'utf8'));
  const stream = Buffer.concat(Array.from({ length: 256 }, () => frame));
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 65536) chunks.push(stream.subarray(i, i + 65536));
  let frames = 0;
  let bytes = 0;
  const framer = new MllpFramer({
    maxFrameBytes: 16 * 1024 * 1024,
    onFrame: (p) => {
      frames++;
      bytes += p.length;
    },
  });
  const run = (ms: number): void => {
    const end = performance.now() + ms;
    while (performance.now() < end) for (const c of chunks) framer.push(c);
  };
  run(durationMs / 3);
  frames = 0;
  bytes = 0;
  const start = performance.now();
  run(durationMs);
  const seconds = (performance.now() - start) / 1000;
  if (frames === 0) throw new Error('benchmark produced no frames');
  return {
    framesPerSecond: frames / seconds,
    megabytesPerSecond: bytes / seconds / 1e6,
    frameBytes: frame.length - 3,
  };
}

if (import.meta.main) {
  const r = benchMllpFramer(Number(process.env.BENCH_MS ?? 3000));
  console.log(
    `MLLP framer: ${Math.round(r.framesPerSecond).toLocaleString('en-US')} frames/s of ${r.frameBytes} bytes (${r.megabytesPerSecond.toFixed(0)} MB/s)`,
  );
}

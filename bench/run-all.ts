/**
 * `npm run bench`: prints throughput and latency figures. Targets live here, not in unit tests, because timing on
 * shared machines varies; the printed figures go into closing notes with the command that produced them.
 * Set BENCH_MS to change the measuring time per run (default 3000); BENCH_ONLY=<name>[,<name>] runs some of
 * parse, convert, framer, store, mllp, fhir, csv (BENCH_CSV_ROWS sets the CSV file size, default 1,000,000).
 */
import { benchEmbeddedFhir } from '../src/fhir-server/embedded-fhir.bench.ts';
import { benchMllpFramer } from '../src/ingest/mllp/mllp-framer.bench.ts';
import { benchParse } from '../src/parse/hl7v2/parse-hl7v2.bench.ts';
import { benchMessageStore } from '../src/store/sqlite-message-store.bench.ts';
import { benchConvert } from './convert.bench.ts';
import { benchCsv } from './csv.bench.ts';
import { benchMllp } from './mllp.bench.ts';

const durationMs = Number(process.env.BENCH_MS ?? 3000);
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const wanted = (name: string): boolean => only.size === 0 || only.has(name);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

console.log(`studybridge benchmarks — Node ${process.version}, ${new Date().toISOString()}`);
if (wanted('parse')) {
  console.log('\n## HL7 v2 parse (parse + read 60 fields)');
  console.log(`${fmt(benchParse(durationMs).messagesPerSecond)} messages/s`);
}
if (wanted('convert')) {
  console.log('\n## ORU^R01 conversion (targets: >= 20,000/s without validation, >= 2,000/s with)');
  for (const line of await benchConvert(durationMs)) console.log(line);
}
if (wanted('framer')) {
  const f = benchMllpFramer(durationMs);
  console.log('\n## MLLP framer');
  console.log(`${fmt(f.framesPerSecond)} frames/s of ${f.frameBytes} bytes (${f.megabytesPerSecond.toFixed(0)} MB/s)`);
}
if (wanted('store')) {
  console.log('\n## Message store (SQLite WAL, synchronous=FULL; 2 KB raw + 20 KB Bundle per append)');
  for (const line of await benchMessageStore(durationMs)) console.log(line);
}
if (wanted('mllp')) {
  console.log(
    '\n## MLLP end to end: ACK after the durable commit (targets: >= 5,000 messages/s over 8 connections, p99 < 5 ms)',
  );
  for (const line of await benchMllp(durationMs)) console.log(line);
}
if (wanted('fhir')) {
  console.log('\n## Embedded FHIR server (100,000 Observations over 500 patients)');
  for (const line of await benchEmbeddedFhir(durationMs)) console.log(line);
}
if (wanted('csv')) {
  console.log('\n## CSV import to Bundles, no delivery (targets: >= 100,000 rows/s, peak RSS < 300 MB)');
  for (const line of await benchCsv()) console.log(line);
}

/**
 * `npm run bench`: prints throughput and latency figures. Targets live here, not in unit tests, because timing on
 * shared machines varies; the printed figures go into closing notes with the command that produced them.
 * Set BENCH_MS to change the measuring time per run (default 3000).
 */
import { benchParse } from '../src/parse/hl7v2/parse-hl7v2.bench.ts';
import { benchConvert } from './convert.bench.ts';

const durationMs = Number(process.env.BENCH_MS ?? 3000);
console.log(`studybridge benchmarks — Node ${process.version}, ${new Date().toISOString()}`);
console.log('\n## HL7 v2 parse (parse + read 60 fields)');
console.log(`${Math.round(benchParse(durationMs).messagesPerSecond).toLocaleString('en-US')} messages/s`);
console.log('\n## ORU^R01 conversion (targets: >= 20,000/s without validation, >= 2,000/s with)');
for (const line of await benchConvert(durationMs)) console.log(line);

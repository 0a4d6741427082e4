import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { readCsv } from './read-csv.ts';

/** Results of {@link benchReadCsv}. */
export interface ReadCsvBenchResult {
  rows: number;
  fileMegabytes: number;
  seconds: number;
  rowsPerSecond: number;
  megabytesPerSecond: number;
  /** Highest resident set size sampled while reading. */
  peakRssMegabytes: number;
  /** Resident set size before reading started. */
  startRssMegabytes: number;
}

const HEADER = 'subject_id,visit,collected,test_code,test_name,result,unit,low,high,flag,site,comment';

/** One realistic lab row of 12 columns; every 50th has a quoted comment with a comma. */
function row(i: number): string {
  const day = String(1 + (i % 28)).padStart(2, '0');
  const comment = i % 50 === 0 ? '"haemolysed, repeat requested"' : '';
  return (
    `S-${String(i % 5000).padStart(5, '0')},W${(i % 4) * 12},2025-03-${day}T08:${String(i % 60).padStart(2, '0')}:00,` +
    `GLU,Glucose,${((i % 97) / 10 + 3).toFixed(1)},mmol/L,3.9,6.1,${i % 7 === 0 ? 'H' : 'N'},site-${i % 13},${comment}`
  );
}

/** Writes `rows` rows (plus the header) to `path`. */
async function writeFile(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  let buf = `${HEADER}\n`;
  for (let i = 0; i < rows; i++) {
    buf += `${row(i)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/**
 * Writes a CSV file of `rows` rows × 12 columns to a temporary directory (in a child process, so that building it
 * does not inflate this process's memory), then reads it with {@link readCsv} from a file stream, counting records
 * and sampling the resident set size. Not a test: run it directly.
 * @param rows - Number of data rows.
 * @returns Throughput and memory figures.
 */
export async function benchReadCsv(rows = 1_000_000): Promise<ReadCsvBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'read-csv-bench-'));
  const path = join(dir, 'labs.csv');
  try {
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--write', path, String(rows)], {
      stdio: 'inherit',
    });
    const { size } = await stat(path);
    const startRss = process.memoryUsage().rss;
    let peakRss = startRss;
    const sample = (): void => {
      const rss = process.memoryUsage().rss;
      if (rss > peakRss) peakRss = rss;
    };
    const timer = setInterval(sample, 20);
    let records = 0;
    let other = 0;
    const start = performance.now();
    for await (const item of readCsv(createReadStream(path), {
      delimiter: ',',
      quote: '"',
      encoding: 'utf-8',
      header: true,
    })) {
      if (item.kind === 'record') {
        records++;
        if ((records & 0xffff) === 0) sample();
      } else {
        other++;
      }
    }
    const seconds = (performance.now() - start) / 1000;
    clearInterval(timer);
    sample();
    if (records !== rows || other !== 1) throw new Error(`Read ${records} records and ${other} other items`);
    const mb = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;
    return {
      rows: records,
      fileMegabytes: mb(size),
      seconds: Math.round(seconds * 100) / 100,
      rowsPerSecond: Math.round(records / seconds),
      megabytesPerSecond: Math.round(size / 2 ** 20 / seconds),
      peakRssMegabytes: mb(peakRss),
      startRssMegabytes: mb(startRss),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// `node src/ingest/csv/read-csv.bench.ts [rows]` prints the figures; `--write <path> <rows>` only writes the file.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === '--write') await writeFile(process.argv[3] as string, Number(process.argv[4]));
  else console.log(await benchReadCsv(Number(process.argv[2] ?? 1_000_000)));
}

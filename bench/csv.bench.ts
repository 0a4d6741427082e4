/**
 * CSV import benchmark: a generated lab export (default 1,000,000 rows, `BENCH_CSV_ROWS`) read, mapped, validated
 * and turned into serialised transaction Bundles, without delivery. Each run is a child process of its own, so
 * its peak RSS (`maxRSS`) is the run's alone. Targets (issue: CSV import): >= 100,000 rows/s, peak RSS < 300 MB.
 *
 * Run alone: `node bench/csv.bench.ts` (or `BENCH_ONLY=csv npm run bench`). `BENCH_CSV_RUNS=0,2` picks runs,
 * `BENCH_CSV_HEAP_MB=256` runs each import with V8's old space capped at that size.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');

/** One measured run. */
interface CsvRun {
  label: string;
  layout: string;
  file: string;
  validate: boolean;
}

/** What a child reports. */
interface CsvRunResult {
  rows: number;
  rejected: number;
  resources: number;
  bundles: number;
  bundleBytes: number;
  seconds: number;
  maxRssMb: number;
  baselineRssMb: number;
}

const TESTS = [
  ['GLU', '7.1', 'mmol/L'],
  ['HBA1C', '7.4', '%'],
  ['CPEP', '2.1', 'ng/mL'],
  ['TG', '1.9', 'mmol/L'],
  ['CHOL', '5.2', 'mmol/L'],
  ['CREA', '81', 'µmol/L'],
  ['ALT', '<5', 'U/L'],
  ['HDL', '1.12', 'mmol/L'],
] as const;
const VISITS = ['W0', 'W9', 'W20', 'W48'] as const;

/** Writes a 12-column long file: each subject has every test at every visit, values varying a little. */
async function writeLongFile(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('subject_id,site,visit,collected,test_code,test_name,result,unit,ref_low,ref_high,flag,comment\n');
  const perSubject = TESTS.length * VISITS.length;
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const subject = Math.floor(i / perSubject);
    const v = Math.floor((i % perSubject) / TESTS.length);
    const [code, sentValue, sentUnit] = TESTS[i % TESTS.length]!;
    // Glucose comes in mg/dL for every other subject, as from a second site: converted to mmol/L on import.
    const mgdl = code === 'GLU' && subject % 2 === 1;
    const value = mgdl ? '128' : sentValue;
    const unit = mgdl ? 'mg/dL' : sentUnit;
    const day = String(1 + (subject % 28)).padStart(2, '0');
    const month = String(1 + ((subject + v * 3) % 12)).padStart(2, '0');
    const result = value.startsWith('<') ? value : (Number(value) + (i % 7) / 10).toFixed(value.includes('.') ? 2 : 0);
    buf += `B-${String(subject).padStart(7, '0')},S${subject % 4},${VISITS[v]},2025-${month}-${day} 08:${String(i % 60).padStart(2, '0')},${code},${code} test,${result},${unit},,,,\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/** Writes a wide file in the registry layout: 15 columns, 11 analytes per row. */
async function writeWideFile(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const header = await firstLine(path.join(ROOT, 'examples/csv/registry-labs-wide.csv'));
  out.write(`${header}\n`);
  const visits = ['baseline', 'M6', 'M12'];
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const subject = Math.floor(i / 3);
    const date = `${String(1 + (subject % 28)).padStart(2, '0')}/${String(1 + ((i % 3) * 4 + (subject % 4))).padStart(2, '0')}/2023`;
    const j = i % 10;
    buf += `R-${String(subject).padStart(7, '0')};KL;${visits[i % 3]};${date};7,${j};8,${j};2,${j};12,${j};4,${j}0;5,${j};1,${j};1,0${j};3,${j}0;7${j};2${j}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function firstLine(file: string): Promise<string> {
  for await (const chunk of createReadStream(file, { encoding: 'utf8', end: 4095 })) {
    return (chunk as string).split('\n')[0]!.replace(/\r$/, '');
  }
  return '';
}

/** In the child: import one file and report. */
async function child(run: CsvRun): Promise<CsvRunResult> {
  const { loadMappings } = await import('../src/map/load-mappings.ts');
  const { loadCsvLayout } = await import('../src/map/csv/load-layouts.ts');
  const { loadValidator } = await import('../src/validate/load-validator.ts');
  const { convertCsv } = await import('../src/pipeline/convert-csv.ts');
  const mappings = await loadMappings(path.join(ROOT, 'mappings'));
  const layout = await loadCsvLayout(run.layout, mappings);
  const validator = run.validate ? await loadValidator({ profilesDir: path.join(ROOT, 'profiles') }) : undefined;
  const baselineRssMb = process.memoryUsage().rss / 1e6;
  const started = performance.now();
  let bundleBytes = 0;
  const events = convertCsv(createReadStream(run.file), layout, { mappings, validator });
  for (;;) {
    const next = await events.next();
    if (next.done) {
      const s = next.value;
      return {
        rows: s.rowsRead,
        rejected: s.rowsRejected,
        resources: Object.values(s.resources).reduce((a, b) => a + b, 0),
        bundles: s.bundles,
        bundleBytes,
        seconds: (performance.now() - started) / 1000,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        baselineRssMb,
      };
    }
    // Serialised as the store and `import --out` do; the text is dropped, as delivery is not measured.
    if (next.value.kind === 'bundle') bundleBytes += JSON.stringify(next.value.unit.bundle).length;
  }
}

function runChild(run: CsvRun): Promise<CsvRunResult> {
  return new Promise((resolve, reject) => {
    // BENCH_CSV_HEAP_MB caps V8's old space: with memory to spare V8 collects late, so peak RSS shows its heap
    // policy more than what the import keeps; a cap shows whether the import runs in that much.
    const heap = process.env.BENCH_CSV_HEAP_MB ? [`--max-old-space-size=${process.env.BENCH_CSV_HEAP_MB}`] : [];
    const p = spawn(process.execPath, [...heap, fileURLToPath(import.meta.url), '--child', JSON.stringify(run)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as CsvRunResult) : reject(new Error(`CSV bench child exited ${code}`)),
    );
  });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * Generates the files, runs each import in a child process and formats the figures.
 * @param rows - Rows per file.
 * @returns Printable lines.
 */
export async function benchCsv(rows = Number(process.env.BENCH_CSV_ROWS ?? 1_000_000)): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'studybridge-csv-bench-'));
  try {
    const long = path.join(dir, 'long.csv');
    const wide = path.join(dir, 'wide.csv');
    await writeLongFile(long, rows);
    await writeWideFile(wide, rows);
    const longLayout = path.join(HERE, 'csv/central-lab-long.yaml');
    const wideLayout = path.join(ROOT, 'mappings/csv/registry-labs-wide.yaml');
    const runs: CsvRun[] = [
      { label: 'long, 12 columns, 1 result per row, validated', layout: longLayout, file: long, validate: true },
      { label: 'long, 12 columns, not validated', layout: longLayout, file: long, validate: false },
      { label: 'wide, 15 columns, 11 results per row, validated', layout: wideLayout, file: wide, validate: true },
      { label: 'wide, 15 columns, not validated', layout: wideLayout, file: wide, validate: false },
    ];
    const pick = (process.env.BENCH_CSV_RUNS ?? '').split(',').filter(Boolean).map(Number);
    if (pick.length) runs.splice(0, runs.length, ...runs.filter((_, i) => pick.includes(i)));
    const lines = [`${fmt(rows)} rows per file; read, map, validate, Bundle, serialise; no delivery`];
    for (const run of runs) {
      const r = await runChild(run);
      lines.push(
        `${run.label}: ${fmt(r.rows / r.seconds)} rows/s, ${fmt(r.resources / r.seconds)} resources/s ` +
          `(${fmt(r.resources)} resources in ${fmt(r.bundles)} Bundles, ${(r.bundleBytes / 1e9).toFixed(2)} GB JSON, ` +
          `${r.rejected} rejected), peak RSS ${fmt(r.maxRssMb)} MB (${fmt(r.baselineRssMb)} MB after loading)`,
      );
    }
    return lines;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const result = await child(JSON.parse(process.argv[3]!) as CsvRun);
  process.stdout.write(JSON.stringify(result));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchCsv()) console.log(line);
}

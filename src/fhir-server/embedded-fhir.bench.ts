/**
 * Embedded FHIR server benchmark (not a timed test): ingest of Observations through transaction Bundles of
 * conditional PUTs, validated on write as the service runs it, the searches delivery and study queries run,
 * conditional updates, startup and file size; and the same searches and conditional updates on fhir-router's
 * MemoryRepository at a tenth of the data for comparison.
 * `node src/fhir-server/embedded-fhir.bench.ts` (env BENCH_OBS, default 100000; BENCH_MS per latency run).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getStatus, parseSearchRequest } from '@medplum/core';
import { FhirRouter, MemoryRepository, type FhirRequest, type FhirResponse } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, Observation, Patient } from '@medplum/fhirtypes';
import { formatRow, measure, type RunStats } from '../../bench/stats.ts';
import { loadValidator } from '../validate/load-validator.ts';
import { openEmbeddedFhir, type EmbeddedFhir } from './embedded-fhir.ts';

const PATIENTS = 500;
const PER_BUNDLE = 20;
const MRN = 'https://example.org/mrn';
const OBS = 'https://example.org/obs';
const CODES = ['4548-4', '14771-0', '2093-3', '2085-9', '13457-7', '2571-8', '1742-6', '1920-8', '2160-0', '30522-7'];
const DAY_MS = 86_400_000;
const START = Date.UTC(2025, 0, 1);

function observation(n: number, value = 5 + (n % 50) / 10): Observation {
  const p = n % PATIENTS;
  return {
    resourceType: 'Observation',
    identifier: [{ system: OBS, value: `O-${n}` }],
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: CODES[n % CODES.length] as string }] },
    subject: { reference: `Patient/p${p}` },
    effectiveDateTime: new Date(START + Math.floor(n / PATIENTS) * (DAY_MS / 2) + (n % 24) * 3_600_000).toISOString(),
    valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  };
}

function patient(p: number): Patient {
  return { resourceType: 'Patient', id: `p${p}`, identifier: [{ system: MRN, value: `P-${p}` }], gender: 'female' };
}

function bundleOf(first: number): string {
  const entry: BundleEntry[] = [];
  for (let n = first; n < first + PER_BUNDLE; n++) {
    entry.push({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      resource: observation(n),
      request: { method: 'PUT', url: `Observation?identifier=${OBS}|O-${n}` },
    });
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry } satisfies Bundle);
}

const QUERIES = (n: () => number): Record<string, () => string> => ({
  'identifier lookup': () => `Observation?identifier=${OBS}|O-${n()}`,
  'code + patient': () => `Observation?code=http://loinc.org|${CODES[n() % CODES.length]}&patient=p${n() % PATIENTS}`,
  'date range over a month': () => 'Observation?date=ge2025-03-01&date=lt2025-04-01&_count=50',
});

/**
 * @returns One conditional update per call, each changing the value of the next Observation (a new version),
 * sent through `handle`.
 */
function conditionalUpdates(total: number, handle: (req: FhirRequest) => Promise<FhirResponse>): () => Promise<void> {
  let u = 0;
  return async () => {
    const n = (u = (u + 1) % total);
    const [outcome] = await handle({
      method: 'PUT',
      url: `Observation?identifier=${OBS}|O-${n}`,
      pathname: '',
      body: observation(n, 1000 + Math.random()),
      params: {},
      query: {},
    });
    if (getStatus(outcome) >= 300) throw new Error(JSON.stringify(outcome));
  };
}

async function get(fhir: EmbeddedFhir, url: string): Promise<void> {
  const [outcome] = await fhir.handle({ method: 'GET', url, pathname: '', body: undefined, params: {}, query: {} });
  if (getStatus(outcome) !== 200) throw new Error(`${url}: ${JSON.stringify(outcome)}`);
}

/**
 * Runs the benchmark.
 * @param durationMs - Measuring time of each latency run.
 * @param total - Observations to ingest.
 * @returns The printed lines.
 */
export async function benchEmbeddedFhir(durationMs: number, total = 100_000): Promise<string[]> {
  const lines: string[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-fhir-bench-'));
  const file = path.join(dir, 'fhir.sqlite');
  const validator = await loadValidator({ profilesDir: path.join(import.meta.dirname, '../../profiles') });
  let fhir = await openEmbeddedFhir({ file, validator });
  try {
    const pts: BundleEntry[] = [];
    for (let p = 0; p < PATIENTS; p++)
      pts.push({ resource: patient(p), request: { method: 'PUT', url: `Patient/p${p}` } });
    await fhir.transaction(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: pts }));
    const t0 = performance.now();
    for (let first = 0; first < total; first += PER_BUNDLE) {
      const r = await fhir.transaction(bundleOf(first));
      if (r.status !== 200) throw new Error(`ingest failed: ${JSON.stringify(r.body)}`);
    }
    const secs = (performance.now() - t0) / 1000;
    lines.push(
      `ingest: ${total.toLocaleString('en-US')} Observations in ${PER_BUNDLE}-entry transactions of conditional PUTs, ` +
        `${Math.round(total / secs).toLocaleString('en-US')} Observations/s (target >= 2,000); validated on write`,
    );
    let i = 0;
    const next = (): number => (i = (i * 7919 + 13) % total);
    const sqlite: Record<string, RunStats> = {};
    for (const [name, q] of Object.entries(QUERIES(next))) {
      sqlite[name] = await measure(() => get(fhir, q()), durationMs);
      lines.push(formatRow(`sqlite ${name}`, sqlite[name], 'queries/s'));
    }
    const cu = await measure(
      conditionalUpdates(total, (req) => fhir.handle(req)),
      durationMs,
    );
    lines.push(formatRow('sqlite conditional update (standalone PUT)', cu, 'updates/s') + ' (target >= 1,000/s)');
    await fhir.close();
    const s0 = performance.now();
    fhir = await openEmbeddedFhir({ file, validator });
    await get(fhir, `Observation?identifier=${OBS}|O-1`);
    lines.push(
      `startup with that data (open + first query): ${(performance.now() - s0).toFixed(0)} ms (target < 5,000)`,
    );
    const size = ['', '-wal'].reduce((s, ext) => s + (statSync(file + ext, { throwIfNoEntry: false })?.size ?? 0), 0);
    lines.push(
      `database size: ${(size / 1024 / 1024).toFixed(1)} MB (${Math.round(size / total)} bytes per Observation)`,
    );
    lines.push(...(await benchMemory(Math.round(total / 10))));
  } finally {
    await fhir.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

/**
 * The same queries and conditional updates on MemoryRepository. Each of its searches scans every resource, so a
 * run of about a second measures only a couple of calls: enough to show the order of magnitude.
 */
async function benchMemory(total: number): Promise<string[]> {
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  for (let p = 0; p < PATIENTS; p++) await repo.updateResource(patient(p));
  for (let n = 0; n < total; n++) await repo.createResource(observation(n));
  const lines = [`MemoryRepository at ${total.toLocaleString('en-US')} Observations (created directly):`];
  let i = 0;
  const next = (): number => (i = (i * 7919 + 13) % total);
  for (const [name, q] of Object.entries(QUERIES(next))) {
    const stats = await measure(() => repo.search(parseSearchRequest(q())), 1000);
    lines.push(formatRow(`memory ${name}`, stats, 'queries/s'));
  }
  const cu = await measure(
    conditionalUpdates(total, (req) => router.handleRequest(req, repo)),
    1000,
  );
  lines.push(formatRow('memory conditional update (standalone PUT)', cu, 'updates/s'));
  return lines;
}

if (import.meta.main) {
  const lines = await benchEmbeddedFhir(
    Number(process.env['BENCH_MS'] ?? 3000),
    Number(process.env['BENCH_OBS'] ?? 100_000),
  );
  for (const line of lines) console.log(line);
}

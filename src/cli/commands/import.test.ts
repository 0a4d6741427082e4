import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StubFhirServer } from '../../deliver/testing/stub-fhir-server.ts';
import { openEmbeddedFhir } from '../../fhir-server/embedded-fhir.ts';
import type { ResourceValidator } from '../../validate/types.ts';
import { runCli } from '../program.ts';
import { loadCsvImport, realStages, type Stages } from '../stages.ts';
import { fakeStages, memoryIo } from '../test-support.ts';
import { runImport, type ImportCommandOptions, type ImportDeps } from './import.ts';
import type { ImportReport } from './import-summary.ts';

const WIDE = 'examples/csv/registry-labs-wide.csv';
const LONG = 'examples/csv/trial-labs-long.csv';
const AT = '2026-01-01T00:00:00Z';

// The real mappings, layouts and profiles; the validator is loaded once for the whole file.
let validator: Promise<ResourceValidator> | undefined;
const stages: Stages = {
  ...fakeStages({}),
  async loadCsvImport(options) {
    const parts = await loadCsvImport({ ...options, validator: false });
    if (!options.validator) return parts;
    validator ??= realStages.loadValidator({ profilesDir: options.profilesDir });
    return { ...parts, validator: await validator };
  },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-import-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function options(file: string, mapping: string, extra: Partial<ImportCommandOptions> = {}): ImportCommandOptions {
  return {
    file,
    mapping,
    dryRun: false,
    strict: false,
    validate: true,
    json: true,
    receivedAt: AT,
    data: path.join(dir, 'data'),
    mappingsDir: 'mappings',
    profilesDir: 'profiles',
    ...extra,
  };
}

async function run(opts: ImportCommandOptions, deps: Partial<ImportDeps> = {}, io = memoryIo()) {
  const code = await runImport(opts, io, stages, { env: {}, ...deps });
  const report = opts.json && io.out() ? (JSON.parse(io.out()) as ImportReport) : undefined;
  return { code, io, report };
}

/** A copy of the wide example in the temp directory, with rows changed by `edit`. */
async function wideCopy(name: string, edit: (lines: string[]) => string[] = (l) => l): Promise<string> {
  const lines = (await readFile(WIDE, 'utf8')).trimEnd().split(/\r?\n/);
  const file = path.join(dir, name);
  await writeFile(file, edit(lines).join('\r\n') + '\r\n');
  return file;
}

/** Line 3 has a HbA1c that is not a number, line 5 too few fields. */
const withBadRows = (lines: string[]): string[] => [
  lines[0] as string,
  lines[1] as string,
  (lines[2] as string).replace(';7,6;', ';7x6;'),
  lines[3] as string,
  'SUBJ-0009;KL;baseline',
];

describe('studybridge import', () => {
  it('When each example file is imported as a dry run, then every row maps, nothing is written and the exit code is 0', async () => {
    const wide = await run(options(WIDE, 'registry-labs-wide', { dryRun: true }));
    expect(wide.code).toBe(0);
    expect(wide.report).toMatchObject({
      mode: 'dry-run',
      complete: true,
      rows: { read: 18, imported: 18, rejected: 0, duplicates: 0, withoutValues: 0 },
      bundles: 1,
      entries: { Patient: 6, Observation: 187, Provenance: 1 },
    });
    expect(wide.report?.writes).toBeUndefined();

    const long = await run(options(LONG, 'trial-labs-long', { dryRun: true, json: false }));
    expect(long.code).toBe(0);
    expect(long.io.err()).toContain('80 rows read: 79 imported, 0 rejected, 0 duplicates skipped, 1 without values');
    expect(long.io.err()).toContain('not delivered (dry run)');
    expect(existsSync('examples/csv/trial-labs-long.errors.csv')).toBe(false);
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('When --out is given, then each Bundle is a numbered file with conditional Patient creates and conditional Observation updates', async () => {
    const out = path.join(dir, 'out');
    const { code, report } = await run(options(WIDE, 'registry-labs-wide', { out, bundleSize: '60' }));
    expect(code).toBe(0);
    const names = (await readdir(out)).sort();
    expect(names[0]).toBe('registry-labs-wide-0001.json');
    expect(names).toHaveLength(report?.bundles as number);
    expect(names.at(-1)).toBe(`registry-labs-wide-${String(names.length).padStart(4, '0')}.json`);

    const bundles = await Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(out, n), 'utf8'))));
    const entries = bundles.flatMap((b: Bundle) => b.entry ?? []);
    expect(bundles.every((b: Bundle) => b.type === 'transaction' && (b.entry?.length ?? 0) <= 60)).toBe(true);
    expect(entries.filter((e) => e.resource?.resourceType === 'Observation')).toHaveLength(187);
    const first = bundles[0] as Bundle;
    expect(first.entry?.[0]?.request).toEqual({
      method: 'POST',
      url: 'Patient',
      ifNoneExist: `identifier=${encodeURIComponent('https://studybridge.org/fhir/NamingSystem/uc-msc-registry-subject')}|SUBJ-0001`,
    });
    const obs = first.entry?.find((e) => e.resource?.resourceType === 'Observation');
    expect(obs?.request?.method).toBe('PUT');
    expect(obs?.request?.url).toMatch(/^Observation\?identifier=/);
    expect(first.timestamp).toBe(AT);
    expect(report?.writes).toBeUndefined();
  });

  it("When rows are rejected, then stderr names line and column without the cell's value, and the errors file holds the rows with their reasons", async () => {
    const file = await wideCopy('labs.csv', withBadRows);
    const { code, io, report } = await run(options(file, 'registry-labs-wide', { dryRun: true }));
    expect(code).toBe(1);
    expect(io.err()).toContain("line 3, column 'HbA1c (%)': not a number\n");
    expect(io.err()).toContain('line 5: expected 15 fields as in the header, found 3\n');
    expect(io.err()).not.toContain('7x6');
    expect(report).toMatchObject({
      rows: { read: 4, imported: 2, rejected: 2 },
      errorsFile: path.join(dir, 'labs.errors.csv'),
    });

    const original = withBadRows((await readFile(WIDE, 'utf8')).split(/\r?\n/));
    // The example is a Windows export: the errors file keeps its CRLF line breaks.
    expect((await readFile(path.join(dir, 'labs.errors.csv'), 'utf8')).split('\r\n')).toEqual([
      `${original[0]};import_error`,
      `${original[2]};line 3, column 'HbA1c (%)': not a number`,
      `${original[4]};line 5: expected 15 fields as in the header, found 3`,
      '',
    ]);
  });

  it('When the rows of an errors file are fixed, then it imports with the same layout, its error column ignored', async () => {
    const file = await wideCopy('labs.csv', withBadRows);
    await run(options(file, 'registry-labs-wide', { dryRun: true }));
    const errorsFile = path.join(dir, 'labs.errors.csv');
    const fixed = (await readFile(errorsFile, 'utf8'))
      .replace(';7x6;', ';7,6;')
      .replace('SUBJ-0009;KL;baseline;', 'SUBJ-0009;KL;baseline;01/02/2023;7,0;;;;;;;;;;;');
    await writeFile(errorsFile, fixed);

    const out = path.join(dir, 'out');
    const { code, report } = await run(options(errorsFile, 'registry-labs-wide', { out }));
    expect(code).toBe(0);
    expect(report?.rows).toEqual({ read: 2, imported: 2, rejected: 0, duplicates: 0, withoutValues: 0 });
    const bundle = JSON.parse(await readFile(path.join(out, 'labs.errors-0001.json'), 'utf8')) as Bundle;
    const hba1c = bundle.entry?.map((e) => e.resource).filter((r) => r?.resourceType === 'Observation');
    expect(hba1c?.map((o) => (o as { valueQuantity?: { value?: number } }).valueQuantity?.value)).toContain(7.6);
    expect(existsSync(path.join(dir, 'labs.errors.errors.csv'))).toBe(false);
  });

  it('When --strict meets a bad row, then the file is refused with exit 1 and nothing is written or delivered', async () => {
    const file = await wideCopy('labs.csv', withBadRows);
    const out = path.join(dir, 'out');
    const written = await run(options(file, 'registry-labs-wide', { strict: true, out }));
    expect(written.code).toBe(1);
    expect(written.io.err()).toContain(
      "refused (--strict): nothing was imported (csv.invalid-row):\nstudybridge import:   line 3, column 'HbA1c (%)': not a number",
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, 'labs.errors.csv'))).toBe(false);

    const delivered = await run(options(file, 'registry-labs-wide', { strict: true }));
    expect(delivered.code).toBe(1);
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('When a later run rejects no row, then the errors file an earlier run left is removed', async () => {
    const file = await wideCopy('labs.csv');
    await writeFile(path.join(dir, 'labs.errors.csv'), 'stale');
    expect((await run(options(file, 'registry-labs-wide', { dryRun: true }))).code).toBe(0);
    expect(existsSync(path.join(dir, 'labs.errors.csv'))).toBe(false);
  });

  it('When the file uses another delimiter than its layout, then the file error is printed and the exit code is 2', async () => {
    const file = path.join(dir, 'semi.csv');
    await writeFile(file, (await readFile(LONG, 'utf8')).replaceAll(',', ';'));
    const { code, io, report } = await run(options(file, 'trial-labs-long', { dryRun: true }));
    expect(code).toBe(2);
    expect(io.err()).toContain(`cannot import ${file} (csv.wrong-delimiter):\nstudybridge import:   error: The header`);
    expect(report).toBeUndefined();
  });

  it('When --study names a study whose visits the layout does not use, then each visit is named and nothing is read', async () => {
    const { code, io } = await run(options(LONG, 'trial-labs-long', { dryRun: true, study: 'uc-msc-registry' }));
    expect(code).toBe(2);
    for (const v of ['W0', 'W9', 'W20', 'W48']) expect(io.err()).toContain(`/visit/values/${v}: visit`);
  });

  it('When --study names a study layout of another study, then the import is refused naming both', async () => {
    const infusions = 'examples/csv/safety-rct-infusions.csv';
    const { code, io } = await run(
      options(infusions, 'safety-rct-infusions', { dryRun: true, study: 'uc-msc-registry' }),
    );
    expect(code).toBe(2);
    expect(io.err()).toContain(
      "--study uc-msc-registry: this infusion-log layout belongs to study 'uc-msc-safety-rct'",
    );
  });

  it('When the layout id is unknown, then the layouts there are listed and the exit code is 2', async () => {
    const { code, io } = await run(options(LONG, 'no-such-layout', { dryRun: true }));
    expect(code).toBe(2);
    expect(io.err()).toMatch(
      /no layout 'no-such-layout' \(layouts there: [^)]*registry-labs-wide, [^)]*trial-labs-long/,
    );
  });

  it('When delivering to the embedded server, then a first import creates, the same file again changes nothing, and a changed value updates', async () => {
    const first = await run(options(WIDE, 'registry-labs-wide'));
    expect(first.code).toBe(0);
    expect(first.report).toMatchObject({ target: 'embedded', complete: true });
    expect(first.report?.writes).toEqual({ created: 213, updated: 0, unchanged: 0, unknown: 0 });

    const again = await run(options(WIDE, 'registry-labs-wide'));
    expect(again.report?.writes).toEqual({ created: 0, updated: 0, unchanged: 213, unknown: 0 });

    const changed = await wideCopy('changed.csv', (lines) =>
      lines.map((l) => l.replace('SUBJ-0001;KL;baseline;06/02/2023;8,9;', 'SUBJ-0001;KL;baseline;06/02/2023;9,1;')),
    );
    const third = await run(options(changed, 'registry-labs-wide'));
    // The changed rows are another source, so the Bundle gets a Provenance of its own.
    expect(third.report?.writes).toEqual({ created: 1, updated: 1, unchanged: 211, unknown: 0 });

    const fhir = await openEmbeddedFhir({ file: path.join(dir, 'data', 'fhir.db') });
    try {
      expect(await fhir.repository.searchResources({ resourceType: 'Patient', count: 100 })).toHaveLength(6);
      expect(await fhir.repository.searchResources({ resourceType: 'Observation', count: 500 })).toHaveLength(187);
    } finally {
      await fhir.close();
    }
  });

  it('When the FHIR server refuses a Bundle, then the import stops there with exit 1 and the Bundles before stay delivered', async () => {
    const stub = await StubFhirServer.start();
    try {
      stub.respondNext(1, { status: 200 }).respondNext(1, { status: 422 });
      const env = { STUDYBRIDGE_FHIR_BASE_URL: stub.baseUrl };
      const { code, io, report } = await run(options(WIDE, 'registry-labs-wide', { bundleSize: '60' }), { env });
      expect(code).toBe(1);
      expect(stub.requests).toHaveLength(2);
      expect(io.err()).toMatch(
        /Bundle 2 \(lines \d+–\d+\) not delivered: the FHIR server \(http:\/\/127\.0\.0\.1:\d+\/fhir\) refused \(HTTP 422\)/,
      );
      expect(report).toMatchObject({ complete: false, bundles: 1, target: stub.baseUrl });
      expect(report?.stopped).toContain('refused (HTTP 422)');
    } finally {
      await stub.stop();
    }
  });

  it('When the FHIR server is briefly unavailable, then the Bundle is retried and the import completes', async () => {
    const stub = await StubFhirServer.start();
    try {
      stub.respondNext(2, { status: 503 });
      const env = { STUDYBRIDGE_FHIR_BASE_URL: stub.baseUrl };
      const { code, io } = await run(options(LONG, 'trial-labs-long', { json: false }), { env, retry: { baseMs: 1 } });
      expect(code).toBe(0);
      expect(stub.requests).toHaveLength(3);
      expect(io.err()).toContain('FHIR server failed on Bundle 1 (HTTP 503), retrying in');
      // The stub answers 201 to every entry: all created, as far as that server says.
      expect(io.err()).toContain(`FHIR server (${stub.baseUrl}): 101 created, 0 updated, 0 unchanged`);
    } finally {
      await stub.stop();
    }
  });

  it('When stderr is a terminal, then a progress line is drawn and cleared; otherwise none is written', async () => {
    let t = 0;
    const now = (): number => (t += 1000);
    const tty = memoryIo();
    Object.assign(tty.stderr, { isTTY: true });
    await run(options(LONG, 'trial-labs-long', { dryRun: true, json: false }), { now }, tty);
    expect(tty.err()).toContain('\r\x1b[K79 rows, ');
    expect(tty.err()).toMatch(/ rows, \d+ rows\/s, 100%, 0:00 left/);
    expect(tty.err()).toContain(`\r\x1b[K${LONG} (layout trial-labs-long): 80 rows read`);

    const pipe = memoryIo();
    await run(options(LONG, 'trial-labs-long', { dryRun: true, json: false }), { now }, pipe);
    expect(pipe.err()).not.toContain('\r');
    expect(pipe.err()).toContain('80 rows read');
  });

  it('When import is called from the command line, then its options reach the command', async () => {
    const io = memoryIo();
    const args = ['import', WIDE, '--mapping', 'mappings/csv/registry-labs-wide.yaml', '--dry-run', '--json'];
    const code = await runCli([...args, '--bundle-size', '60', '--received-at', AT, '--no-validate'], {
      io,
      env: {},
      stages,
    });
    expect(code).toBe(0);
    const report = JSON.parse(io.out()) as ImportReport;
    expect(report.bundles).toBeGreaterThan(1);
    expect(report.layout).toBe('registry-labs-wide');
  });

  it('When options conflict or are malformed, then the exit code is 2 before anything is read', async () => {
    const cases: [Partial<ImportCommandOptions>, string][] = [
      [{ dryRun: true, out: 'x' }, '--dry-run and --out exclude each other'],
      [{ bundleSize: '2' }, '--bundle-size must be a whole number of at least 3'],
      [{ receivedAt: '2026-01-01' }, '--received-at must be an ISO 8601 instant'],
      [{ errors: WIDE }, '--errors must not be the input file'],
      [{ file: path.join(dir, 'missing.csv') }, 'no such file'],
      [{ errors: path.join(dir, 'nowhere', 'x.csv') }, `${path.join(dir, 'nowhere')} is not a directory`],
    ];
    for (const [extra, message] of cases) {
      const { code, io } = await run(options(WIDE, 'registry-labs-wide', extra));
      expect(code).toBe(2);
      expect(io.err()).toContain(message);
    }
  });
});

import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/program.ts';
import { fakeStages, memoryIo } from '../cli/test-support.ts';
import type { AnyCsvLayouts } from '../map/csv/layout-types.ts';
import { loadMappings } from '../map/load-mappings.ts';
import type { Mappings } from '../map/mapping-types.ts';
import type { ConvertOptions } from '../pipeline/convert-types.ts';
import { csvCaseKind, type CsvCaseConvertFn } from './case-kinds.ts';
import { layoutCaseConverter, loadCaseLayouts } from './csv-layout-cases.ts';
import { checkOutputInvariants } from './invariants.ts';
import { FIXED_RECEIVED_AT } from './run-case.ts';
import { runConformance } from './run-conformance.ts';
import { fakeHl7Kind, okMessage, sampleBundle, useCaseDirs } from './test-fixtures.ts';

const dir = useCaseDirs();
const LONG_HEADER = 'subject_id,visit,collected,test_code,result,unit';

let mappings: Mappings;
let layouts: AnyCsvLayouts;
beforeAll(async () => {
  mappings = await loadMappings('mappings');
  layouts = await loadCaseLayouts('mappings', mappings);
});

/** A CSV converter that records its calls and answers with one sample Bundle. */
function recordingConverter(): CsvCaseConvertFn & { calls: [string, string, ConvertOptions][] } {
  const calls: [string, string, ConvertOptions][] = [];
  const fn: CsvCaseConvertFn = async (input, layoutId, options) => {
    calls.push([Buffer.from(input).toString('utf8'), layoutId, options]);
    return [okMessage(0)];
  };
  return Object.assign(fn, { calls });
}

describe('the .csv case kind', () => {
  it('When a CSV case runs, then its bytes are converted with the layout its folder names, at the fixed time', async () => {
    const convert = recordingConverter();
    const root = await dir({
      'csv/some-layout/a.csv': 'x,y\n1,2\n',
      'csv/some-layout/a.expected.json': sampleBundle(),
      'oru/b.hl7': 'B',
      'oru/b.expected.json': sampleBundle(),
    });
    const report = await runConformance({
      dirs: [root],
      kinds: [fakeHl7Kind({ B: [okMessage(0)] }), csvCaseKind(convert)],
    });
    expect(report.results.map((r) => [r.name, r.passed])).toEqual([
      ['csv/some-layout/a', true],
      ['oru/b', true],
    ]);
    expect(convert.calls).toEqual([['x,y\n1,2\n', 'some-layout', { receivedAt: FIXED_RECEIVED_AT }]]);
  });

  it('When a CSV case names no known layout, then it fails naming the layouts, and no expectation is written', async () => {
    const root = await dir({ 'no-such-layout/a.csv': `${LONG_HEADER}\n` });
    const kind = csvCaseKind(layoutCaseConverter(layouts, { mappings }));
    const report = await runConformance({ dirs: [root], kinds: [kind], update: true });
    expect(report.failed).toBe(1);
    const problems = report.results[0]?.problems.join('\n');
    expect(problems).toContain(
      "no CSV layout 'no-such-layout': a CSV case sits in a folder named after its layout (known: ",
    );
    for (const id of layouts.keys()) expect(problems).toContain(`'${id}'`);
    await expect(stat(path.join(root, 'no-such-layout/a.expected.json'))).rejects.toThrow();
  });

  it('When a CSV export gives no document (no row has a value), then the empty output breaks no invariant', async () => {
    const root = await dir({ 'trial-labs-long/nothing.csv': `${LONG_HEADER}\nT-0501,W0,2025-04-07,GLU,NA,\n` });
    const kind = csvCaseKind(layoutCaseConverter(layouts, { mappings }));
    const written = await runConformance({ dirs: [root], kinds: [kind], update: true });
    expect(written.results[0]?.actual).toEqual([]);
    expect(written.results[0]?.invariantIssues).toEqual([]);
    expect((await runConformance({ dirs: [root], kinds: [kind] })).passed).toBe(1);
    // Inside a document an empty element is still a violation.
    expect(checkOutputInvariants([{ resourceType: 'OperationOutcome', issue: [] }]).map((i) => i.path)).toEqual([
      '[0].issue',
    ]);
  });

  it('When a mapping set has no csv folder, then it has no layouts; with one, every layout is loaded by id', async () => {
    const root = await dir({ 'readme.md': '' });
    expect([...(await loadCaseLayouts(root, mappings)).keys()]).toEqual([]);
    const files = (await readdir('mappings/csv')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5));
    expect([...layouts.keys()].sort()).toEqual(files.sort());
    expect(files).toContain('registry-labs-wide');
  });
});

describe('studybridge conformance with CSV cases', () => {
  async function cli(args: string[], stages = fakeStages({ mappings })) {
    const io = memoryIo();
    const code = await runCli(['conformance', ...args], { io, env: {}, stages });
    return { code, out: io.out(), err: io.err(), stages };
  }

  it('When a CSV case is run, then layouts are loaded from <mappings>/csv and the case is converted with one', async () => {
    const root = await dir({ 'trial-labs-long/glucose.csv': `${LONG_HEADER}\nT-0502,W0,2025-04-07,GLU,126,mg/dL\n` });
    const first = await cli([root, '--mappings', 'mappings', '--update']);
    expect(first.out).toBe('✓ trial-labs-long/glucose (updated)\nupdated 1\n1 passed, 0 failed\n');
    expect(first.stages.calls.mappings).toEqual(['mappings']);
    const expected = JSON.parse(await readFile(path.join(root, 'trial-labs-long/glucose.expected.json'), 'utf8'));
    const observation = expected.entry.find(
      (e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Observation',
    ).resource;
    expect(observation.code.coding[0].code).toBe('14771-0');
    expect(observation.valueQuantity).toMatchObject({ value: 6.994, code: 'mmol/L' });
    const again = await cli([root, '--mappings', 'mappings']);
    expect([again.code, again.out]).toEqual([0, '✓ trial-labs-long/glucose\n1 passed, 0 failed\n']);
  });

  it('When no CSV case is run, then no mappings or layouts are loaded for them', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.expected.json': sampleBundle(), 'x/b.csv': 'b' });
    const r = await cli([root, '--filter', 'a'], fakeStages({ convert: async () => [okMessage(0)] }));
    expect([r.code, r.out]).toEqual([0, '✓ a\n1 passed, 0 failed\n']);
    expect(r.stages.calls.mappings).toEqual([]);
  });

  it('When the layouts do not load, then every problem is printed and the exit code is 2', async () => {
    const maps = await dir({ 'csv/broken.yaml': 'id: broken\n' });
    const root = await dir({ 'broken/a.csv': 'a\n' });
    const r = await cli([root, '--mappings', maps]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('studybridge conformance: cannot load the CSV layouts (mapping.invalid)');
    expect(r.err).toContain('broken.yaml');
    await expect(stat(path.join(root, 'broken/a.expected.json'))).rejects.toThrow();
  });

  it('When an HL7 and a CSV input would share one expectation, then the run is refused before loading', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.csv': 'a' });
    await writeFile(path.join(root, 'a.expected.json'), '[]');
    const r = await cli([root]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('would share one expectation file');
    expect(r.stages.calls.converter).toEqual([]);
  });
});

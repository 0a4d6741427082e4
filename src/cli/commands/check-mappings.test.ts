import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { loadMappings } from '../../map/load-mappings.ts';
import type { Mappings } from '../../map/mapping-types.ts';
import { fakeStages, memoryIo } from '../test-support.ts';
import { describeCounts, runCheckMappings } from './check-mappings.ts';

const dirs = { mappingsDir: 'maps', profilesDir: 'profs' };

describe('studybridge check-mappings', () => {
  it('When mappings and profiles load, then counts of what was loaded are printed and the exit code is 0', async () => {
    const io = memoryIo();
    const mappings = { codes: new Map([['a', 1]]), units: ['x', 'y'], name: 'lab' };
    const stages = fakeStages({ mappings, validator: { validate: () => [] } });
    expect(await runCheckMappings(dirs, io, stages)).toBe(0);
    expect(io.out()).toBe(
      'mappings OK (maps): codes 1, units 2\ncsv layouts: none (maps/csv does not exist)\nprofiles OK (profs)\n',
    );
    expect(stages.calls.mappings).toEqual(['maps']);
    expect(stages.calls.validator).toEqual([{ profilesDir: 'profs' }]);
  });

  it('When both mappings and profiles have problems, then every issue is listed as file: path: reason with a count, exit 1', async () => {
    const io = memoryIo();
    const mappingError = adapterErrorFromIssues(ErrorCode.MappingInvalid, [
      issue('error', IssueType.Invalid, 'unknown UCUM unit "mmoll"', { file: 'maps/codes/glu.yaml:/rows/3/unit' }),
      issue('error', IssueType.Duplicate, 'duplicate local code K', { file: 'maps/codes/k.yaml:/rows/1/code' }),
    ]);
    const profileError = adapterErrorFromIssues(ErrorCode.ProfileInvalid, [
      issue('error', IssueType.Structure, 'not a StructureDefinition', { file: 'profs/StructureDefinition-x.json:/' }),
    ]);
    const stages = fakeStages({ fail: { mappings: mappingError, validator: profileError } });
    expect(await runCheckMappings(dirs, io, stages)).toBe(1);
    expect(io.out()).toBe(
      [
        'csv layouts not checked (maps/csv): they need the mappings',
        'maps/codes/glu.yaml: /rows/3/unit: unknown UCUM unit "mmoll"',
        'maps/codes/k.yaml: /rows/1/code: duplicate local code K',
        'profs/StructureDefinition-x.json: /: not a StructureDefinition',
        '3 problems found',
        '',
      ].join('\n'),
    );
  });

  it('When a loader fails with something other than an AdapterError, then the check could not run: exit 2', async () => {
    const io = memoryIo();
    const stages = fakeStages({ fail: { validator: new Error('not implemented yet') } });
    expect(await runCheckMappings(dirs, io, stages)).toBe(2);
    expect(io.out()).toContain('mappings OK (maps)');
    expect(io.err()).toContain('cannot check profiles (profs): Error: not implemented yet');
  });

  it('When a loaded object exposes nothing countable, then no census is printed', () => {
    expect(describeCounts({ version: 2, validate: () => [] })).toBe('');
    expect(describeCounts(undefined)).toBe('');
    expect(describeCounts({ byCode: { a: 1, b: 2 }, rules: new Set([1]) })).toBe('byCode 2, rules 1');
  });
});

describe('studybridge check-mappings with CSV layouts', () => {
  let mappings: Mappings;
  let dir: string;
  beforeAll(async () => {
    mappings = await loadMappings('mappings');
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sb-check-'));
    await mkdir(path.join(dir, 'csv'));
    for (const id of ['registry-labs-wide', 'trial-labs-long']) {
      await copyFile(`mappings/csv/${id}.yaml`, path.join(dir, 'csv', `${id}.yaml`));
    }
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('When the layouts load, then each is listed with its kind', async () => {
    const io = memoryIo();
    const stages = fakeStages({ mappings, validator: { validate: () => [] } });
    expect(await runCheckMappings({ mappingsDir: dir, profilesDir: 'profs' }, io, stages)).toBe(0);
    expect(io.out()).toContain(
      `csv layouts OK (${path.join(dir, 'csv')}): registry-labs-wide (labs-wide), trial-labs-long (labs-long)\n`,
    );
  });

  it('When layouts and profiles have problems, then all of them are listed together, layouts under csv/, exit 1', async () => {
    // A copy of the long layout under another id, with a zone that does not exist.
    const long = await readFile('mappings/csv/trial-labs-long.yaml', 'utf8');
    const broken = long
      .replace('id: trial-labs-long', 'id: broken')
      .replace('timezone: "+08:00"', 'timezone: "+25:00"');
    await writeFile(path.join(dir, 'csv', 'broken.yaml'), broken);
    await writeFile(path.join(dir, 'csv', 'other.yaml'), 'id: elsewhere\n');
    const io = memoryIo();
    const profileError = adapterErrorFromIssues(ErrorCode.ProfileInvalid, [
      issue('error', IssueType.Structure, 'not a StructureDefinition', { file: 'profs/StructureDefinition-x.json:/' }),
    ]);
    const stages = fakeStages({ mappings, fail: { validator: profileError } });
    expect(await runCheckMappings({ mappingsDir: dir, profilesDir: 'profs' }, io, stages)).toBe(1);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^mappings OK /);
    expect(lines).toContain("csv/broken.yaml: /timezone: timezone '+25:00' is neither Z nor ±HH:MM (-14:00 to +14:00)");
    expect(lines.filter((l) => l.startsWith('csv/other.yaml: ')).length).toBeGreaterThan(0);
    expect(lines.at(-2)).toBe('profs/StructureDefinition-x.json: /: not a StructureDefinition');
    expect(lines.at(-1)).toMatch(/^\d+ problems found$/);
    expect(io.out()).not.toContain('csv layouts OK');
  });

  it('When the mappings do not load, then the layouts are not checked and the mapping problems are listed', async () => {
    const io = memoryIo();
    const mappingError = adapterErrorFromIssues(ErrorCode.MappingInvalid, [
      issue('error', IssueType.Required, 'settings.yaml is missing', { file: 'settings.yaml' }),
    ]);
    const stages = fakeStages({ fail: { mappings: mappingError } });
    expect(await runCheckMappings({ mappingsDir: dir, profilesDir: 'profs' }, io, stages)).toBe(1);
    expect(io.out()).toBe(
      [
        `csv layouts not checked (${path.join(dir, 'csv')}): they need the mappings`,
        'profiles OK (profs)',
        'settings.yaml: settings.yaml is missing',
        '1 problem found',
        '',
      ].join('\n'),
    );
  });
});

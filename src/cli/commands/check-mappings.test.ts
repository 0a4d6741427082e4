import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { fakeStages, memoryIo } from '../test-support.ts';
import { describeCounts, runCheckMappings } from './check-mappings.ts';

const dirs = { mappingsDir: 'maps', profilesDir: 'profs' };

describe('studybridge check-mappings', () => {
  it('When mappings and profiles load, then counts of what was loaded are printed and the exit code is 0', async () => {
    const io = memoryIo();
    const mappings = { codes: new Map([['a', 1]]), units: ['x', 'y'], name: 'lab' };
    const stages = fakeStages({ mappings, validator: { validate: () => [] } });
    expect(await runCheckMappings(dirs, io, stages)).toBe(0);
    expect(io.out()).toBe('mappings OK (maps): codes 1, units 2\nprofiles OK (profs)\n');
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

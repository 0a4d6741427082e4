import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConvertFn } from '../../pipeline/convert-types.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import { failedMessage, okMessage, sampleBundle, useCaseDirs } from '../../conformance/test-fixtures.ts';
import { fakeStages, memoryIo } from '../test-support.ts';
import { runCli } from '../program.ts';

const dir = useCaseDirs();

/** A converter answering by input text: `A` is one good message, `B` a batch with a failed message. */
const convert: ConvertFn = async (input) => {
  const text = Buffer.from(input as Uint8Array).toString('utf8');
  return text === 'A' ? [okMessage(0, 'A')] : [okMessage(0, 'B'), failedMessage(1, 'B2')];
};

async function cli(args: string[], stages = fakeStages({ convert })) {
  const io = memoryIo();
  const code = await runCli(['conformance', ...args], { io, env: {}, stages });
  return { code, out: io.out(), err: io.err(), stages };
}

describe('studybridge conformance', () => {
  it('When every case matches, then each is ticked, the last line is the count and the exit code is 0', async () => {
    const root = await dir({
      'a.hl7': 'A',
      'a.expected.json': sampleBundle(),
      'b.hl7': 'B',
      'b.expected.json': [sampleBundle(), failedMessage(1).outcome],
    });
    const r = await cli([root, '--mappings', 'maps', '--profiles', 'profs']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('✓ a\n✓ b\n2 passed, 0 failed\n');
    expect(r.stages.calls.converter).toEqual([{ mappingsDir: 'maps', profilesDir: 'profs' }]);
    expect(r.stages.calls.validator).toEqual([{ profilesDir: 'profs' }]);
  });

  it('When a case differs, then the diff is shown, the last line counts the failure and the exit code is 1', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.expected.json': sampleBundle(9.9), 'b.hl7': 'B' });
    const r = await cli([root]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ a\n');
    expect(r.out).toContain('entry[1].resource.valueQuantity.value: expected 9.9, got 5.4');
    expect(r.out).toContain('--- expected\n');
    expect(r.out).toContain('✗ b\n    no expectation; run with --update to create it\n');
    expect(r.out.split('\n').at(-2)).toBe('0 passed, 2 failed');
  });

  it('When the validator rejects a resource, then the case fails even though it matches', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.expected.json': sampleBundle() });
    const validator = { validate: () => [issue('error', IssueType.Required, 'status missing')] };
    const r = await cli([root], fakeStages({ convert, validator }));
    expect(r.code).toBe(1);
    expect(r.out).toContain('status missing [resource-valid]');
  });

  it('When --update is given, then expectations are written, "updated N" is printed and the next run passes', async () => {
    const root = await dir({ 'a.hl7': 'A', 'b.hl7': 'B', 'b.expected.json': [] });
    const r = await cli([root, '--update']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('✓ a (updated)\n✓ b (updated)\nupdated 2\n2 passed, 0 failed\n');
    expect(JSON.parse(await readFile(path.join(root, 'a.expected.json'), 'utf8'))).toEqual(sampleBundle());
    expect((await cli([root])).out).toBe('✓ a\n✓ b\n2 passed, 0 failed\n');
  });

  it('When --filter is given, then only matching cases run', async () => {
    const root = await dir({ 'glucose/a.hl7': 'A', 'glucose/a.expected.json': sampleBundle(), 'other/b.hl7': 'B' });
    const r = await cli([root, '--filter', 'glucose']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('✓ glucose/a\n1 passed, 0 failed\n');
  });

  it('When --junit is given, then a JUnit report with the failure is written as well', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.expected.json': sampleBundle(), 'b.hl7': 'B' });
    const junit = path.join(root, 'reports', 'junit.xml');
    const r = await cli([root, '--junit', junit]);
    expect(r.code).toBe(1);
    const text = await readFile(junit, 'utf8');
    expect(text).toContain('<testsuite name="studybridge conformance" tests="2" failures="1"');
    expect(text).toContain('<testcase classname="conformance" name="a"');
    expect(text).toContain('<failure message="no expectation; run with --update to create it"');
  });

  it('When no case is found, then that is a failure, not a pass', async () => {
    const root = await dir({ 'readme.md': '' });
    const r = await cli([root]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no conformance cases found in ${root}`);
    expect(r.out).toBe('0 passed, 0 failed\n');
  });

  it('When the directory is missing, then the exit code is 2 and nothing is loaded', async () => {
    const r = await cli([path.join(tmpdir(), 'studybridge-no-such-cases-dir')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('conformance directory not found');
    expect(r.stages.calls.converter).toEqual([]);
  });

  it('When mappings do not load, then every issue is printed and the exit code is 2', async () => {
    const root = await dir({ 'a.hl7': 'A' });
    const error = adapterErrorFromIssues(ErrorCode.MappingInvalid, [
      issue('error', IssueType.Invalid, 'bad unit', { file: 'maps/a.yaml:/rows/1' }),
    ]);
    const r = await cli([root], fakeStages({ fail: { converter: error } }));
    expect(r.code).toBe(2);
    expect(r.err).toContain('maps/a.yaml: /rows/1: bad unit');
    await expect(stat(path.join(root, 'a.expected.json'))).rejects.toThrow();
  });
});

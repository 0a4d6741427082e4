import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import type { ConvertedMessage, ConvertFn, ConvertOptions } from '../../pipeline/convert-types.ts';
import { failedMessage, okMessage, sampleBundle, unmappedWarning } from '../../conformance/test-fixtures.ts';
import { fakeStages, memoryIo } from '../test-support.ts';
import { runConvert, type ConvertCommandOptions } from './convert.ts';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-convert-'));
  file = path.join(dir, 'lab.hl7');
  await writeFile(file, Buffer.from('MSH|^~\\&|LAB\r', 'latin1'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function options(extra: Partial<ConvertCommandOptions> = {}): ConvertCommandOptions {
  return { file, validate: true, mappingsDir: 'm', profilesDir: 'p', ...extra };
}

function converting(
  messages: ConvertedMessage[],
): ConvertFn & { seen: { input: unknown; options?: ConvertOptions }[] } {
  const seen: { input: unknown; options?: ConvertOptions }[] = [];
  const fn = async (input: Uint8Array | string, opts?: ConvertOptions) => (
    seen.push({ input, options: opts }),
    messages
  );
  return Object.assign(fn, { seen });
}

describe('studybridge convert', () => {
  it('When the file holds one message, then the Bundle itself is printed and the exit code is 0', async () => {
    const io = memoryIo();
    const code = await runConvert(options(), io, fakeStages({ convert: converting([okMessage(0, 'M1')]) }));
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toEqual(sampleBundle());
    expect(io.out()).toContain('\n  "resourceType"');
    expect(io.err()).toBe('');
  });

  it('When converting, then the file goes in as bytes, with the options and directories given', async () => {
    const convert = converting([okMessage(0, 'M1')]);
    const stages = fakeStages({ convert });
    await runConvert(options({ validate: false, receivedAt: '2026-02-03T04:05:06Z' }), memoryIo(), stages);
    expect(convert.seen).toHaveLength(1);
    expect(convert.seen[0]?.input).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(convert.seen[0]?.input as Uint8Array).toString('latin1')).toBe('MSH|^~\\&|LAB\r');
    expect(convert.seen[0]?.options).toEqual({ validate: false, receivedAt: '2026-02-03T04:05:06Z' });
    expect(stages.calls.converter).toEqual([{ mappingsDir: 'm', profilesDir: 'p' }]);
  });

  it('When a batch has a failed message, then an array with a Bundle or OperationOutcome each is printed and the exit code is 1', async () => {
    const io = memoryIo();
    const messages = [okMessage(0, 'M1'), failedMessage(1, 'M2')];
    const code = await runConvert(options(), io, fakeStages({ convert: converting(messages) }));
    expect(code).toBe(1);
    const printed = JSON.parse(io.out());
    expect(printed).toHaveLength(2);
    expect(printed[0].resourceType).toBe('Bundle');
    expect(printed[1]).toEqual(failedMessage(1).outcome);
    expect(io.err()).toContain(
      'message 1 (M2) failed:\n  error Observation.valueQuantity, OBX[2].5: OBX-5 is not a number\n',
    );
    expect(io.err()).toContain('1 of 2 messages failed');
  });

  it('When --out is given, then one file per message is written, named with a safe control id, and summarised on stderr', async () => {
    const io = memoryIo();
    const out = path.join(dir, 'out');
    const messages = [okMessage(0, 'A/1'), failedMessage(1, '../x'), okMessage(2)];
    const code = await runConvert(options({ out }), io, fakeStages({ convert: converting(messages) }));
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    expect((await readdir(out)).sort()).toEqual(['lab-0-A_1.json', 'lab-1-__x.json', 'lab-2-unknown.json']);
    expect(JSON.parse(await readFile(path.join(out, 'lab-0-A_1.json'), 'utf8'))).toEqual(sampleBundle());
    expect(JSON.parse(await readFile(path.join(out, 'lab-1-__x.json'), 'utf8')).resourceType).toBe('OperationOutcome');
    expect(io.err()).toContain(`message 0 (A/1): ok, Bundle with 2 entries → ${path.join(out, 'lab-0-A_1.json')}\n`);
    expect(io.err()).toContain(`message 1 (../x): FAILED, 1 issue → ${path.join(out, 'lab-1-__x.json')}\n`);
    expect(io.err()).toContain(`message 2: ok, Bundle with 2 entries`);
  });

  it('When messages succeed with unmapped codes passed through, then stderr names the codes and HL7 locations and the exit code stays 0', async () => {
    const io = memoryIo();
    const warnings = [unmappedWarning('GLU-X', '99LAB', 'OBX[1].3'), unmappedWarning('K-LOC', '99LAB', 'OBX[2].3')];
    const other = issue('warning', IssueType.Value, 'reference range dropped', { hl7: 'OBX[2].7' });
    const code = await runConvert(
      options(),
      io,
      fakeStages({ convert: converting([okMessage(0, 'M1', [...warnings, other])]) }),
    );
    expect(code).toBe(0);
    expect(io.err()).toContain(
      '2 unmapped local codes passed through: GLU-X (99LAB) at OBX[1].3; K-LOC (99LAB) at OBX[2].3\n',
    );
    expect(io.err()).toContain('1 other warning:\n  warning OBX[2].7: reference range dropped\n');
  });

  it('When the file does not exist, then a clear message is printed and the exit code is 2, without loading mappings', async () => {
    const io = memoryIo();
    const stages = fakeStages({});
    const code = await runConvert(options({ file: path.join(dir, 'missing.hl7') }), io, stages);
    expect(code).toBe(2);
    expect(io.err()).toContain(`cannot read ${path.join(dir, 'missing.hl7')}: no such file`);
    expect(stages.calls.converter).toEqual([]);
  });

  it('When the mappings do not load, then every issue is printed and the exit code is 2', async () => {
    const io = memoryIo();
    const error = adapterErrorFromIssues(ErrorCode.MappingInvalid, [
      issue('error', IssueType.Invalid, 'unknown unit', { file: 'mappings/codes/a.yaml:/rows/3/unit' }),
      issue('error', IssueType.Required, 'code missing', { file: 'mappings/codes/b.yaml:/rows/0' }),
    ]);
    const code = await runConvert(options(), io, fakeStages({ fail: { converter: error } }));
    expect(code).toBe(2);
    expect(io.err()).toContain('cannot load mappings and profiles (mapping.invalid), 2 problems:');
    expect(io.err()).toContain('  mappings/codes/a.yaml: /rows/3/unit: unknown unit\n');
    expect(io.err()).toContain('  mappings/codes/b.yaml: /rows/0: code missing\n');
  });

  it('When --received-at is not an instant, then the exit code is 2 before anything is loaded', async () => {
    const io = memoryIo();
    const stages = fakeStages({});
    expect(await runConvert(options({ receivedAt: '2026-01-01' }), io, stages)).toBe(2);
    expect(io.err()).toContain('--received-at must be an ISO 8601 instant');
    expect(stages.calls.converter).toEqual([]);
  });

  it('When the converter throws, then its text is not echoed and the exit code is 1', async () => {
    const io = memoryIo();
    const convert: ConvertFn = async () => {
      throw new Error('PID|Jane Doe');
    };
    expect(await runConvert(options(), io, fakeStages({ convert }))).toBe(1);
    expect(io.err()).toContain('conversion failed (internal.error)');
    expect(io.err()).not.toContain('Jane');
  });

  it('When the input holds no message, then the exit code is 1', async () => {
    const io = memoryIo();
    expect(await runConvert(options(), io, fakeStages({ convert: converting([]) }))).toBe(1);
    expect(io.err()).toContain('no messages found');
  });
});

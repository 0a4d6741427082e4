import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleBundle } from '../../conformance/test-fixtures.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { silentLogger } from '../../observe/logger.ts';
import type { ConvertFn } from '../../pipeline/convert-types.ts';
import { exampleCsv, layoutVariant, loadCsvTestDeps, WIDE } from '../../pipeline/csv-test-support.ts';
import { createCsvReceiver } from '../../pipeline/receive-csv.ts';
import { openSqliteMessageStore } from '../../store/sqlite-message-store.ts';
import { testMessage } from '../../store/test-support/test-message.ts';
import { runCli } from '../program.ts';
import { fakeStages, memoryIo } from '../test-support.ts';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-replay-'));
  file = path.join(dir, 'messages.db');
  const store = openSqliteMessageStore({ file });
  const failure = adapterError(ErrorCode.MapUnmappedCode, IssueType.CodeInvalid, 'no mapping').outcome;
  const failed = { state: 'failed' as const, bundle: undefined, orderKey: null, error: failure };
  // 1 failed, 2 dead, 3 converted, 4 dead, 5 failed
  await store.append([
    testMessage({ controlId: 'M1', raw: encode('M1'), ...failed }),
    testMessage({ controlId: 'M2', raw: encode('M2') }),
    testMessage({ controlId: 'M3', raw: encode('M3') }),
    testMessage({ controlId: 'M4', raw: encode('M4') }),
    testMessage({ controlId: 'M5', raw: encode('M5'), ...failed }),
  ]);
  const rejected = adapterError(ErrorCode.DeliverRejected, IssueType.Processing, 'rejected').outcome;
  await store.markDead(4, rejected);
  await store.markDead(2, rejected);
  await store.close();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function encode(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A converter that fails for the inputs in `failing` and converts the rest; it records what it saw. */
function converter(failing: string[] = []) {
  const seen: string[] = [];
  const convert: ConvertFn = async (input) => {
    const text = new TextDecoder().decode(input as Uint8Array);
    seen.push(text);
    if (failing.includes(text)) {
      const error = adapterError(ErrorCode.MapUnmappedCode, IssueType.CodeInvalid, 'still no mapping');
      return [{ index: 0, ok: false, error, outcome: error.outcome }];
    }
    return [{ index: 0, ok: true, bundle: sampleBundle(), outcome: { resourceType: 'OperationOutcome', issue: [] } }];
  };
  return { convert, seen };
}

async function run(args: string[], convert: ConvertFn) {
  const io = memoryIo();
  const stages = fakeStages({ convert });
  const code = await runCli(['--mappings', 'm-dir', '--profiles', 'p-dir', 'replay', ...args], {
    io,
    env: {},
    stages,
  });
  return { code, out: io.out(), err: io.err(), stages };
}

function stateOf(id: number): string | undefined {
  const store = openSqliteMessageStore({ file });
  try {
    return store.get(id)?.state;
  } finally {
    void store.close();
  }
}

describe('studybridge replay', () => {
  it('When a failed message now converts, then it is queued, printed as id and state, and the exit code is 0', async () => {
    const { convert, seen } = converter();
    const { code, out, err, stages } = await run(['1', '--data', dir], convert);
    expect(code).toBe(0);
    expect(out).toBe('1\tconverted\n');
    expect(err).toBe('replayed 1: 1 queued for delivery, 0 still failing\n');
    expect(seen).toEqual(['M1']);
    expect(stages.calls.converter).toEqual([{ mappingsDir: 'm-dir', profilesDir: 'p-dir' }]);
    expect(stateOf(1)).toBe('converted');
  });

  it('When the message still fails, then its code is printed and the exit code is 1', async () => {
    const { convert } = converter(['M5']);
    const { code, out, err } = await run(['5', '--data', dir], convert);
    expect(code).toBe(1);
    expect(out).toBe(`5\tfailed\t${ErrorCode.MapUnmappedCode}\n`);
    expect(err).toContain('0 queued for delivery, 1 still failing');
    expect(stateOf(5)).toBe('failed');
  });

  it('When --dead is given, then every dead letter is replayed, oldest first', async () => {
    const { convert, seen } = converter();
    const { code, out } = await run(['--dead', '--data', dir], convert);
    expect(code).toBe(0);
    expect(out).toBe('2\tconverted\n4\tconverted\n');
    expect(seen).toEqual(['M2', 'M4']);
    expect([stateOf(2), stateOf(4)]).toEqual(['converted', 'converted']);
  });

  it('When --failed is given and one still fails, then both are printed and the exit code is 1', async () => {
    const { convert } = converter(['M5']);
    const { code, out, err } = await run(['--failed', '--data', dir], convert);
    expect(code).toBe(1);
    expect(out).toBe(`1\tconverted\n5\tfailed\t${ErrorCode.MapUnmappedCode}\n`);
    expect(err).toBe('replayed 2: 1 queued for delivery, 1 still failing\n');
  });

  it('When no id, --dead or --failed is given, or more than one, then the exit code is 2 and nothing is loaded', async () => {
    for (const args of [
      ['--data', dir],
      ['1', '--dead', '--data', dir],
    ]) {
      const { convert, seen } = converter();
      const { code, out, err, stages } = await run(args, convert);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toBe('replay: give a message id, --dead or --failed (one of them)\n');
      expect(stages.calls.converter).toEqual([]);
      expect(seen).toEqual([]);
    }
  });

  it('When the id is not a number or not stored, then the exit code is 2', async () => {
    const { convert } = converter();
    const bad = await run(['abc', '--data', dir], convert);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('replay: abc is not a message id\n');
    const missing = await run(['99', '--data', dir], convert);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('replay: no message 99\n');
  });

  it('When the mappings do not load, then the exit code is 2', async () => {
    const io = memoryIo();
    const stages = fakeStages({ fail: { converter: new Error('mappings are broken') } });
    const code = await runCli(['replay', '1', '--data', dir], { io, env: {}, stages });
    expect(code).toBe(2);
    expect(io.err()).toContain('cannot load mappings and profiles: Error: mappings are broken');
    expect(stateOf(1)).toBe('failed');
  });
});

describe('studybridge replay of messages stored from CSV files', () => {
  let csv: Awaited<ReturnType<typeof loadCsvTestDeps>>;
  beforeAll(async () => {
    csv = await loadCsvTestDeps();
  });

  /** Stores the wide example as received while `NA` was not a missing value: 4 rows failed (ids 6-9), a Bundle (10). */
  async function storeCsv(): Promise<void> {
    const store = openSqliteMessageStore({ file });
    const receive = createCsvReceiver({ csv, store, logger: silentLogger() });
    await receive(exampleCsv(WIDE), layoutVariant(csv.layouts.get(WIDE)!, { missing: [''] }), 'http');
    await store.close();
  }

  async function runWithMappings(args: string[], mappingsDir = 'mappings') {
    const io = memoryIo();
    const { convert, seen } = converter();
    const stages = fakeStages({ convert, mappings: csv.mappings, validator: csv.validator });
    const code = await runCli(['--mappings', mappingsDir, '--profiles', 'profiles', 'replay', ...args], {
      io,
      env: {},
      stages,
    });
    return { code, out: io.out(), err: io.err(), stages, seen };
  }

  it('When failed CSV rows are replayed, then they convert with their layout, loaded once, and HL7 ones as before', async () => {
    await storeCsv();
    const { code, out, stages, seen } = await runWithMappings(['--failed', '--data', dir]);
    expect(code).toBe(0);
    expect(out).toBe(['1', '5', '6', '7', '8', '9'].map((id) => `${id}\tconverted\n`).join(''));
    expect(seen).toEqual(['M1', 'M5']);
    expect(stages.calls.mappings).toEqual(['mappings']);
    expect(stages.calls.validator).toEqual([{ profilesDir: 'profiles' }]);
    expect([6, 7, 8, 9].map(stateOf)).toEqual(['converted', 'converted', 'converted', 'converted']);
  });

  it('When only HL7 messages are replayed, then the CSV layouts are not loaded', async () => {
    const { code, stages } = await runWithMappings(['--failed', '--data', dir]);
    expect(code).toBe(0);
    expect(stages.calls.mappings).toEqual([]);
  });

  it('When the CSV layouts do not load, then the exit code is 2 and the CSV messages are left as they were', async () => {
    await storeCsv();
    const broken = await mkdtemp(path.join(tmpdir(), 'sb-maps-'));
    try {
      await mkdir(path.join(broken, 'csv'));
      await writeFile(path.join(broken, 'csv', 'bad.yaml'), 'id: other\n');
      const { code, err } = await runWithMappings(['6', '--data', dir], broken);
      expect(code).toBe(2);
      expect(err).toContain('cannot load CSV layouts (mapping.invalid)');
      expect(err).toContain('bad.yaml');
      expect(stateOf(6)).toBe('failed');
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

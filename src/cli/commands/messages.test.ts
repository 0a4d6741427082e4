import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { openSqliteMessageStore } from '../../store/sqlite-message-store.ts';
import { testMessage } from '../../store/test-support/test-message.ts';
import { runCli } from '../program.ts';
import { fakeStages, memoryIo } from '../test-support.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-messages-'));
  const store = openSqliteMessageStore({ file: path.join(dir, 'messages.db') });
  const raw = (c: string) =>
    new TextEncoder().encode(`MSH|^~\\&|LIS|SITE1|||||ORU^R01|${c}\rPID|1||SECRET-MRN||DOE^JANE\r`);
  const failure = adapterError(ErrorCode.MapInvalidValue, IssueType.Value, 'value is not a number', {
    hl7: 'OBX[1].5',
  }).outcome;
  await store.append([
    testMessage({ controlId: 'C-1', raw: raw('C-1'), receivedAt: '2026-03-01T10:00:00.123Z' }),
    testMessage({
      controlId: 'C-2',
      raw: raw('C-2'),
      transport: 'http',
      state: 'failed',
      bundle: undefined,
      orderKey: null,
      error: failure,
      receivedAt: '2026-03-01T10:01:00.000Z',
    }),
    testMessage({ controlId: 'C-3', raw: raw('C-3'), receivedAt: '2026-03-01T10:02:00.000Z' }),
  ]);
  await store.markDelivered(3, '2026-03-01T10:03:00.000Z');
  await store.close();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const run = async (args: string[], env: Record<string, string> = {}) => {
  const io = memoryIo();
  const code = await runCli(['messages', ...args], { io, env, stages: fakeStages({}) });
  return { code, out: io.out(), err: io.err() };
};

describe('studybridge messages', () => {
  it('When the store holds messages, then counts and a table are printed, newest first, with no content', async () => {
    const { code, out, err } = await run(['--data', dir]);
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('received 0, converted 1, delivered 1, failed 1, dead 0');
    expect(lines[1]).toMatch(/^id\s+received\s+via\s+type\s+control id\s+state\s+tries\s+last error$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/).slice(0, 6))).toEqual([
      ['3', '2026-03-01T10:02:00Z', 'mllp', 'ORU^R01', 'C-3', 'delivered'],
      ['2', '2026-03-01T10:01:00Z', 'http', 'ORU^R01', 'C-2', 'failed'],
      ['1', '2026-03-01T10:00:00Z', 'mllp', 'ORU^R01', 'C-1', 'converted'],
    ]);
    // The last error: its location and reason, never the message.
    expect(lines[3]).toMatch(/\s{2}failed\s+0\s+OBX\[1\]\.5 value is not a number$/);
    expect(lines[2]).toMatch(/\s{2}delivered\s+0$/);
    expect(out).not.toContain('SECRET-MRN');
    expect(out).not.toContain('DOE');
    expect(out).not.toContain('resourceType');
  });

  it('When --json is given, then counts and records are printed as JSON', async () => {
    const { code, out } = await run(['--data', dir, '--json']);
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { counts: Record<string, number>; messages: { id: number; state: string }[] };
    expect(printed.counts).toEqual({ received: 0, converted: 1, delivered: 1, failed: 1, dead: 0 });
    expect(printed.messages.map((m) => [m.id, m.state])).toEqual([
      [3, 'delivered'],
      [2, 'failed'],
      [1, 'converted'],
    ]);
    expect(out).not.toContain('SECRET-MRN');
  });

  it('When --state and --limit are given, then only those messages are listed', async () => {
    const failed = await run(['--data', dir, '--state', 'failed', '--json']);
    expect((JSON.parse(failed.out) as { messages: { id: number }[] }).messages.map((m) => m.id)).toEqual([2]);
    const two = await run(['--data', dir, '--state', 'converted,delivered', '--limit', '1', '--json']);
    expect((JSON.parse(two.out) as { messages: { id: number }[] }).messages.map((m) => m.id)).toEqual([3]);
  });

  it('When the data directory comes from the environment, then that store is read', async () => {
    const { code, out } = await run(['--json'], { STUDYBRIDGE_DATA_DIR: dir });
    expect(code).toBe(0);
    expect((JSON.parse(out) as { messages: unknown[] }).messages).toHaveLength(3);
  });

  it('When nothing matches, then only the counts are printed', async () => {
    const { code, out } = await run(['--data', dir, '--state', 'dead']);
    expect(code).toBe(0);
    expect(out).toBe('received 0, converted 1, delivered 1, failed 1, dead 0\n');
  });

  it('When a state is unknown, then the exit code is 2 and the known states are listed', async () => {
    const { code, out, err } = await run(['--data', dir, '--state', 'failed,bogus']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe('unknown state bogus (states: received, converted, delivered, failed, dead)\n');
  });
});

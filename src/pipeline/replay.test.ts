import { describe, expect, it } from 'vitest';
import { sampleBundle } from '../conformance/test-fixtures.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import { testMessage } from '../store/test-support/test-message.ts';
import type { ConvertedMessage, ConvertFn, ConvertOptions } from './convert-types.ts';
import { replayAll, replayMessage } from './replay.ts';

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A converter whose result a test switches: `ok` (a Bundle), `fail` (a mapping error) or `many` (two messages). */
function switchable(mode: 'ok' | 'fail' | 'many' = 'fail') {
  const calls: { input: string; options?: ConvertOptions }[] = [];
  const state = { mode };
  const good = (): ConvertedMessage => ({
    index: 0,
    ok: true,
    bundle: sampleBundle(),
    outcome: { resourceType: 'OperationOutcome', issue: [] },
  });
  const convert: ConvertFn = async (input, options) => {
    calls.push({ input: new TextDecoder().decode(input as Uint8Array), ...(options ? { options } : {}) });
    if (state.mode === 'ok') return [good()];
    if (state.mode === 'many') return [good(), { ...good(), index: 1 }];
    const error = adapterError(ErrorCode.MapUnmappedCode, IssueType.CodeInvalid, 'no mapping for GLU-X');
    return [{ index: 0, ok: false, error, outcome: error.outcome }];
  };
  return { convert, calls, state };
}

/** A store holding one failed message, as the receiver leaves a message whose mapping did not work. */
async function storeWithFailed() {
  const store = new MemoryMessageStore();
  const failure = adapterError(ErrorCode.MapUnmappedCode, IssueType.CodeInvalid, 'first failure').outcome;
  const [id] = await store.append([
    testMessage({
      raw: encode('MSH|^~\\&|LIS|SITE1|||||ORU^R01|F-1\r'),
      state: 'failed',
      bundle: undefined,
      orderKey: null,
      error: failure,
      receivedAt: '2026-02-01T08:00:00.000Z',
    }),
  ]);
  return { store, id: id! };
}

describe('replayMessage', () => {
  it('When the mapping of a failed message now works, then it is converted and queued with its Bundle', async () => {
    const { store, id } = await storeWithFailed();
    const { convert, calls, state } = switchable('fail');
    expect(await replayMessage(id, { store, convert })).toEqual({
      id,
      state: 'failed',
      code: ErrorCode.MapUnmappedCode,
    });

    state.mode = 'ok';
    const result = await replayMessage(id, { store, convert });
    expect(result).toEqual({ id, state: 'converted' });
    expect(store.get(id)).toMatchObject({
      state: 'converted',
      orderKey: 'Patient?identifier=urn:mrn|123',
      lastError: null,
      attempts: 0,
    });
    expect(JSON.parse(store.bundle(id)!)).toEqual(sampleBundle());
    // Re-converted from the stored bytes, with the original time of receipt.
    expect(calls.at(-1)).toEqual({
      input: 'MSH|^~\\&|LIS|SITE1|||||ORU^R01|F-1\r',
      options: { receivedAt: '2026-02-01T08:00:00.000Z' },
    });
    // And the message is now deliverable.
    expect(store.claimDue({ now: Date.now(), limit: 10, exclude: new Set() }).map((d) => d.id)).toEqual([id]);
  });

  it('When the message still fails, then it stays failed with the new error and its code', async () => {
    const { store, id } = await storeWithFailed();
    const { convert } = switchable('fail');
    const result = await replayMessage(id, { store, convert });
    expect(result).toEqual({ id, state: 'failed', code: ErrorCode.MapUnmappedCode });
    const record = store.get(id)!;
    expect(record.state).toBe('failed');
    expect(record.lastError?.issue?.[0]?.diagnostics).toBe('no mapping for GLU-X');
    expect(store.bundle(id)).toBeUndefined();
  });

  it('When a converted message is replayed into a failure, then its Bundle is dropped', async () => {
    const store = new MemoryMessageStore();
    const [id] = await store.append([testMessage()]);
    const { convert } = switchable('fail');
    await replayMessage(id!, { store, convert });
    expect(store.get(id!)?.state).toBe('failed');
    expect(store.bundle(id!)).toBeUndefined();
  });

  it('When the stored input converts to more than one message, then it is failed as bad input', async () => {
    const { store, id } = await storeWithFailed();
    const { convert } = switchable('many');
    const result = await replayMessage(id, { store, convert });
    expect(result).toEqual({ id, state: 'failed', code: ErrorCode.IngestBadInput });
    expect(store.get(id)?.lastError?.issue?.[0]?.diagnostics).toBe('stored input holds 2 messages, not one');
  });

  it('When no message has the id, then the result is undefined and nothing is converted', async () => {
    const { store } = await storeWithFailed();
    const { convert, calls } = switchable('ok');
    expect(await replayMessage(42, { store, convert })).toBeUndefined();
    expect(calls).toEqual([]);
  });
});

describe('replayAll', () => {
  it('When dead letters are replayed, then only they are replayed, oldest first', async () => {
    const store = new MemoryMessageStore();
    const ids = await store.append(
      ['D-1', 'C-2', 'D-3', 'D-4'].map((c) => testMessage({ controlId: c, raw: encode(`MSH|${c}\r`) })),
    );
    const dead = outcome('gave up');
    await store.markDead(ids[3]!, dead);
    await store.markDead(ids[0]!, dead);
    await store.markDead(ids[2]!, dead);
    const { convert, calls } = switchable('ok');
    const results = await replayAll('dead', { store, convert });
    expect(results).toEqual([
      { id: ids[0], state: 'converted' },
      { id: ids[2], state: 'converted' },
      { id: ids[3], state: 'converted' },
    ]);
    expect(calls.map((c) => c.input)).toEqual(['MSH|D-1\r', 'MSH|D-3\r', 'MSH|D-4\r']);
    expect(store.countByState()).toMatchObject({ dead: 0, converted: 4 });
  });

  it('When more messages are in the state than one page holds, then every one is replayed once, in order', async () => {
    const store = new MemoryMessageStore();
    const ids = await store.append(
      Array.from({ length: 1203 }, (_, i) => testMessage({ controlId: `F-${i}`, state: 'failed', bundle: undefined })),
    );
    const { convert, calls } = switchable('fail');
    const results = await replayAll('failed', { store, convert });
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(calls).toHaveLength(1203);
    expect(new Set(results.map((r) => r.code))).toEqual(new Set([ErrorCode.MapUnmappedCode]));
  });

  it('When nothing is in the state, then nothing is replayed', async () => {
    const store = new MemoryMessageStore();
    await store.append([testMessage()]);
    const { convert, calls } = switchable('ok');
    expect(await replayAll('dead', { store, convert })).toEqual([]);
    expect(calls).toEqual([]);
  });
});

function outcome(diagnostics: string) {
  return adapterError(ErrorCode.DeliverRejected, IssueType.Processing, diagnostics).outcome;
}

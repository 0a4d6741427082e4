import { beforeAll, describe, expect, it } from 'vitest';
import { sampleBundle } from '../conformance/test-fixtures.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import { testMessage } from '../store/test-support/test-message.ts';
import { ERROR_CODE_SYSTEM } from '../errors/outcomes.ts';
import { silentLogger } from '../observe/logger.ts';
import type { ConvertedMessage, ConvertFn, ConvertOptions } from './convert-types.ts';
import { commaLayout, exampleCsv, layoutVariant, loadCsvTestDeps, LONG, WIDE } from './csv-test-support.ts';
import { createCsvReceiver, type CsvDeps } from './receive-csv.ts';
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

describe('replayMessage of messages stored from CSV files', () => {
  let csv: Awaited<ReturnType<typeof loadCsvTestDeps>>;
  beforeAll(async () => {
    csv = await loadCsvTestDeps();
  });

  /** An HL7 converter that must not be called for CSV messages. */
  const hl7: ConvertFn = () => Promise.reject(new Error('the HL7 converter was used for CSV'));

  /** Receives an example file with a layout variant, as the service would, into a fresh memory store. */
  async function received(id: string, layout = csv.layouts.get(id)!) {
    const store = new MemoryMessageStore();
    const receive = createCsvReceiver({ csv: csv as CsvDeps, store, logger: silentLogger() });
    const result = await receive(exampleCsv(id), layout, 'http');
    return { store, result };
  }

  it('When a stored Bundle is replayed, then it converts to the same one Bundle, ordered by its layout', async () => {
    for (const id of [WIDE, LONG]) {
      const { store } = await received(id);
      const before = store.bundle(1);
      await store.markDead(1, outcome('gave up'));
      expect(await replayMessage(1, { store, convert: hl7, csv })).toEqual({ id: 1, state: 'converted' });
      expect(store.get(1)).toMatchObject({ state: 'converted', orderKey: `csv/${id}`, attempts: 0 });
      expect(store.bundle(1)).toBe(before);
    }
  });

  it('When a rejected row maps now, then it becomes converted with one Bundle of that row', async () => {
    // Stored while `NA` was not a missing value: the rows holding it were rejected.
    const { store, result } = await received(WIDE, layoutVariant(csv.layouts.get(WIDE)!, { missing: [''] }));
    const failed = result.messages.find((m) => !m.ok)!;
    expect(store.get(failed.storedId!)?.state).toBe('failed');
    expect(await replayMessage(failed.storedId!, { store, convert: hl7, csv })).toEqual({
      id: failed.storedId,
      state: 'converted',
    });
    expect(store.get(failed.storedId!)).toMatchObject({ state: 'converted', orderKey: `csv/${WIDE}` });
    const bundle = JSON.parse(store.bundle(failed.storedId!)!) as { entry: { resource: { resourceType: string } }[] };
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'Patient')).toHaveLength(1);
  });

  it('When a rejected row still does not map, then it stays failed with its code on the stored issues', async () => {
    const strict = layoutVariant(csv.layouts.get(WIDE)!, { missing: [''] });
    const { store, result } = await received(WIDE, strict);
    const stillStrict = { ...csv, layouts: new Map([[WIDE, strict]]) };
    const failed = result.messages.find((m) => !m.ok)!;
    expect(await replayMessage(failed.storedId!, { store, convert: hl7, csv: stillStrict })).toEqual({
      id: failed.storedId,
      state: 'failed',
      code: ErrorCode.CsvInvalidRow,
    });
    const issues = store.get(failed.storedId!)?.lastError?.issue ?? [];
    // Replayed alone, the row is still reported at the line it had in the file it came from.
    expect(issues[0]?.expression).toEqual([
      `${failed.controlId!.replace('-', ' ')}, column 'Fasting insulin (uIU/mL)'`,
    ]);
    expect(failed.controlId).not.toBe('line-2');
    expect(issues[0]?.details?.coding).toEqual([{ system: ERROR_CODE_SYSTEM, code: ErrorCode.CsvInvalidRow }]);
  });

  it('When a refused file is replayed after its layout was fixed, then its bytes convert as received', async () => {
    const { store, result } = await received(WIDE, commaLayout(csv.layouts.get(WIDE)!));
    expect(result.refused?.code).toBe(ErrorCode.CsvWrongDelimiter);
    // The whole file fits one Bundle, so the stored file is one message again.
    expect(await replayMessage(1, { store, convert: hl7, csv })).toEqual({ id: 1, state: 'converted' });
    expect(store.get(1)?.orderKey).toBe(`csv/${WIDE}`);
  });

  it('When stored rows now convert to more than one result, then the message fails as bad input', async () => {
    const { store } = await received(WIDE);
    const strict = { ...csv, layouts: new Map([[WIDE, layoutVariant(csv.layouts.get(WIDE)!, { missing: [''] })]]) };
    expect(await replayMessage(1, { store, convert: hl7, csv: strict })).toEqual({
      id: 1,
      state: 'failed',
      code: ErrorCode.IngestBadInput,
    });
    expect(store.get(1)?.lastError?.issue?.[0]?.diagnostics).toBe(
      'the stored CSV now converts to 1 Bundle and 4 rejected rows, not one result; ' +
        'send the file to POST /csv again to import them',
    );
    expect(store.bundle(1)).toBeUndefined();
  });

  it('When the layout no longer exists or none are loaded, then the message fails with csv.unknown-layout', async () => {
    const { store } = await received(LONG);
    const withoutLong = { ...csv, layouts: new Map([[WIDE, csv.layouts.get(WIDE)!]]) };
    expect(await replayMessage(1, { store, convert: hl7, csv: withoutLong })).toEqual({
      id: 1,
      state: 'failed',
      code: ErrorCode.CsvUnknownLayout,
    });
    expect(store.get(1)?.lastError?.issue?.[0]?.diagnostics).toBe(
      `unknown CSV layout '${LONG}'; known layouts: ${WIDE}`,
    );
    expect(await replayMessage(1, { store, convert: hl7 })).toMatchObject({ code: ErrorCode.CsvUnknownLayout });
  });

  it('When the CSV deps are given as a loader, then it is called for CSV messages only, and HL7 ones convert as before', async () => {
    const { store } = await received(LONG);
    await store.append([testMessage({ controlId: 'H-1', raw: encode('MSH|H-1\r') })]);
    await store.markDead(1, outcome('gave up'));
    await store.markDead(2, outcome('gave up'));
    const { convert, calls } = switchable('ok');
    let loads = 0;
    const load = (): Promise<CsvDeps> => {
      loads++;
      return Promise.resolve(csv);
    };
    expect(await replayAll('dead', { store, convert, csv: load })).toEqual([
      { id: 1, state: 'converted' },
      { id: 2, state: 'converted' },
    ]);
    expect(loads).toBe(1);
    expect(calls.map((c) => c.input)).toEqual(['MSH|H-1\r']);
  });
});

function outcome(diagnostics: string) {
  return adapterError(ErrorCode.DeliverRejected, IssueType.Processing, diagnostics).outcome;
}

import type { Bundle } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleBundle } from '../conformance/test-fixtures.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { silentLogger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import type { NewMessage } from '../store/message-store.ts';
import type { ConvertedMessage, ConvertFn } from './convert-types.ts';
import { createConverter } from './create-converter.ts';
import { createReceiver, orderKeyOf, type ReceiverDeps } from './receive.ts';
import {
  BATCH_CONTROL_IDS,
  batchBytes,
  batchMessageSegments,
  ORU_PATIENT_URL,
  oruBytes,
  oruText,
} from './test-support.ts';

let convert: ConvertFn;
beforeAll(async () => {
  convert = await createConverter({ mappingsDir: 'mappings', profilesDir: 'profiles' });
});

const NOW = new Date('2026-03-04T05:06:07.890Z');
const decode = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

/** A receiver over a memory store, counting `onStored` calls. */
function receiver(extra: Partial<ReceiverDeps> = {}) {
  const store = extra.store ?? new MemoryMessageStore();
  const calls = { onStored: 0 };
  const receive = createReceiver({
    convert,
    store,
    logger: silentLogger(),
    onStored: () => calls.onStored++,
    now: () => NOW,
    ...extra,
  });
  return { receive, store, calls };
}

/** A memory store whose appends can be made to fail. */
class FailingStore extends MemoryMessageStore {
  failWith: unknown;
  appended: NewMessage[][] = [];
  override append(messages: readonly NewMessage[]): Promise<number[]> {
    this.appended.push([...messages]);
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return super.append(messages);
  }
}

describe('createReceiver', () => {
  it('When a good message arrives, then it is stored converted with its Bundle and the Patient URL as order key', async () => {
    const { receive, store } = receiver();
    const result = await receive(oruBytes({ controlId: 'GOOD-1' }), 'http');
    expect(result.stored).toBe(true);
    expect(result.messages).toHaveLength(1);
    const [m] = result.messages;
    expect(m).toMatchObject({ index: 0, ok: true, controlId: 'GOOD-1', storedId: 1 });
    expect(m!.error).toBeUndefined();
    expect(m!.message?.messageCode).toBe('ORU');

    const record = store.get(1)!;
    expect(record).toMatchObject({
      state: 'converted',
      transport: 'http',
      sender: 'UNILAB|UNIVHOSP',
      controlId: 'GOOD-1',
      messageType: 'ORU^R01',
      receivedAt: NOW.toISOString(),
      orderKey: ORU_PATIENT_URL,
      lastError: null,
    });
    const bundle = JSON.parse(store.bundle(1)!) as Bundle;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('transaction');
    const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient');
    expect(patient?.request?.url).toBe(ORU_PATIENT_URL);
    expect(bundle.entry?.some((e) => e.resource?.resourceType === 'Observation')).toBe(true);
  });

  it('When a message fails mapping, then it is stored failed with its outcome and reported not ok', async () => {
    const { receive, store, calls } = receiver();
    const result = await receive(oruBytes({ controlId: 'BAD-1', value: 'lots' }), 'mllp');
    expect(result.stored).toBe(true);
    const [m] = result.messages;
    expect(m!.ok).toBe(false);
    expect(m!.error?.code).toBe(ErrorCode.MapInvalidValue);
    expect(m!.outcome.issue?.some((i) => i.severity === 'error')).toBe(true);
    expect(m!.storedId).toBe(1);

    const record = store.get(1)!;
    expect(record.state).toBe('failed');
    expect(record.transport).toBe('mllp');
    expect(record.controlId).toBe('BAD-1');
    expect(record.orderKey).toBeNull();
    // The stored outcome is the reported one, each error issue tagged with the error code.
    expect(record.lastError?.issue?.map((i) => i.diagnostics)).toEqual(m!.outcome.issue?.map((i) => i.diagnostics));
    expect(record.lastError?.issue?.[0]?.details?.coding?.[0]?.code).toBe(ErrorCode.MapInvalidValue);
    expect(store.bundle(1)).toBeUndefined();
    expect(calls.onStored).toBe(0);
  });

  it('When a batch of three with one broken message arrives, then three rows keep each message its own segments', async () => {
    const { receive, store, calls } = receiver();
    const result = await receive(batchBytes(), 'http');
    expect(result.stored).toBe(true);
    expect(result.messages.map((m) => [m.index, m.ok, m.controlId, m.storedId])).toEqual([
      [0, true, BATCH_CONTROL_IDS[0], 1],
      [1, false, BATCH_CONTROL_IDS[1], 2],
      [2, true, BATCH_CONTROL_IDS[2], 3],
    ]);
    expect(result.messages[1]!.error?.code).toBe(ErrorCode.ParseInvalidSegment);
    expect([1, 2, 3].map((id) => store.get(id)?.state)).toEqual(['converted', 'failed', 'converted']);
    const segments = batchMessageSegments();
    for (const [i, id] of [1, 2, 3].entries()) {
      const raw = decode(store.raw(id));
      expect(raw).toBe(segments[i]!.join('\r'));
      expect(raw).not.toMatch(/[FB]HS\||BTS\||FTS\|/);
    }
    // Each row names only its own control id.
    expect(decode(store.raw(2))).toContain(BATCH_CONTROL_IDS[1]);
    expect(decode(store.raw(2))).not.toContain(BATCH_CONTROL_IDS[0]);
    expect(store.get(1)!.orderKey).not.toBe(store.get(3)!.orderKey);
    expect(calls.onStored).toBe(1);
  });

  it('When a lone message arrives, then its stored bytes are the original bytes exactly', async () => {
    const { receive, store } = receiver();
    // LF separators, a trailing blank line and Latin-1 bytes: nothing may be normalised away.
    const text = oruText({ separator: '\n' }) + '\n';
    const raw = Uint8Array.from([...Buffer.from(text, 'latin1')]);
    const result = await receive(raw, 'mllp');
    expect(result.messages[0]!.ok).toBe(true);
    expect(Buffer.from(store.raw(1)!).equals(Buffer.from(raw))).toBe(true);
  });

  it('When the store write fails, then the result says not stored with the store error and onStored is not called', async () => {
    const store = new FailingStore();
    store.failWith = adapterError(ErrorCode.StoreWriteFailed, IssueType.Exception, 'disk full');
    const { receive, calls } = receiver({ store });
    const result = await receive(oruBytes({ controlId: 'S-1' }), 'http');
    expect(result.stored).toBe(false);
    expect(result.storeError?.code).toBe(ErrorCode.StoreWriteFailed);
    expect(result.storeError?.message).toContain('disk full');
    expect(result.messages).toHaveLength(1);
    expect(result.messages[0]).toMatchObject({ ok: true, controlId: 'S-1' });
    expect(result.messages[0]!.storedId).toBeUndefined();
    expect(store.appended).toHaveLength(1);
    expect(store.countByState().converted).toBe(0);
    expect(calls.onStored).toBe(0);
  });

  it('When the store rejects with a plain error, then it is normalised and the input is still reported not stored', async () => {
    const store = new FailingStore();
    store.failWith = new Error('boom');
    const { receive, calls } = receiver({ store });
    const result = await receive(oruBytes(), 'http');
    expect(result.stored).toBe(false);
    expect(result.storeError?.code).toBe(ErrorCode.Internal);
    expect(calls.onStored).toBe(0);
  });

  it('When the store is closed, then the write fails as store.write-failed', async () => {
    const store = new MemoryMessageStore();
    await store.close();
    const { receive } = receiver({ store });
    const result = await receive(oruBytes(), 'mllp');
    expect(result).toMatchObject({ stored: false, storeError: { code: ErrorCode.StoreWriteFailed } });
  });

  it('When only failed messages are stored, then onStored is not called; when one is deliverable, it is called once', async () => {
    const { receive, calls } = receiver();
    await receive(oruBytes({ value: 'x' }), 'http');
    await receive(new TextEncoder().encode('not hl7 at all'), 'http');
    expect(calls.onStored).toBe(0);
    await receive(oruBytes(), 'http');
    expect(calls.onStored).toBe(1);
  });

  it('When the converter finds no HL7 at all, then the input is still stored as failed, with no sender', async () => {
    const { receive, store } = receiver();
    const raw = new TextEncoder().encode('hello');
    const result = await receive(raw, 'http');
    expect(result.messages[0]).toMatchObject({ ok: false, error: { code: ErrorCode.ParseNotHl7 } });
    expect(store.get(1)).toMatchObject({ state: 'failed', sender: '', controlId: null, messageType: null });
    expect(decode(store.raw(1))).toBe('hello');
  });

  it('When messages are received, then the received, rejected and conversion metrics move', async () => {
    const metrics = new Metrics();
    const { receive } = receiver({ metrics });
    await receive(oruBytes(), 'http');
    await receive(oruBytes({ value: 'x' }), 'http');
    await receive(oruBytes(), 'mllp');

    const received = await metrics.received.get();
    const value = (labels: Record<string, string>) =>
      received.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k as never] === x))?.value;
    expect(value({ transport: 'http', type: 'ORU^R01', sender: 'UNILAB' })).toBe(2);
    expect(value({ transport: 'mllp', type: 'ORU^R01', sender: 'UNILAB' })).toBe(1);

    const rejected = await metrics.registry.getSingleMetricAsString('studybridge_messages_rejected_total');
    expect(rejected).toContain(
      'studybridge_messages_rejected_total{transport="http",type="ORU^R01",sender="UNILAB",reason="map.invalid-value"} 1',
    );
    expect(rejected).not.toContain('transport="mllp"');
    const conversion = await metrics.registry.getSingleMetricAsString('studybridge_conversion_seconds');
    expect(conversion).toContain('studybridge_conversion_seconds_count{type="ORU^R01"} 3');
  });

  it('When MSH-3 is not a plain name, or there are too many senders, then the sender label is bounded', async () => {
    const metrics = new Metrics();
    const bodies: Record<string, ConvertedMessage[]> = {};
    // A fake converter that hands back a parsed message with the MSH-3 it was given.
    const fake: ConvertFn = async (input) => {
      const app = new TextDecoder().decode(input as Uint8Array);
      return (bodies[app] ??= [
        {
          index: 0,
          ok: false,
          outcome: { resourceType: 'OperationOutcome', issue: [] },
          message: {
            messageCode: 'ORU',
            triggerEvent: 'R01',
            header: { get: (field: number) => (field === 3 ? app : '') },
          } as unknown as ConvertedMessage['message'],
        },
      ]);
    };
    const { receive } = receiver({ metrics, convert: fake });
    await receive(new TextEncoder().encode('LAB one'), 'http');
    for (let i = 0; i < 51; i++) await receive(new TextEncoder().encode(`LAB${i}`), 'http');
    const text = await metrics.registry.getSingleMetricAsString('studybridge_messages_received_total');
    expect(text).toContain('sender="unknown"} 1');
    expect(text).toContain('sender="LAB0"} 1');
    expect(text).toContain('sender="LAB49"} 1');
    expect(text).not.toContain('sender="LAB50"');
    expect(text).toContain('sender="other"} 1');
  });

  it('When the converter reports a good message without a Patient, then it is stored with no order key', async () => {
    const bundle = sampleBundle();
    bundle.entry = bundle.entry!.filter((e) => e.resource?.resourceType !== 'Patient');
    const fake: ConvertFn = async () => [
      { index: 0, ok: true, bundle, outcome: { resourceType: 'OperationOutcome', issue: [] } },
    ];
    const { receive, store } = receiver({ convert: fake });
    await receive(new TextEncoder().encode('x'), 'cli');
    expect(store.get(1)).toMatchObject({ state: 'converted', orderKey: null, transport: 'cli' });
    expect(JSON.parse(store.bundle(1)!)).toEqual(bundle);
  });
});

describe('orderKeyOf', () => {
  it('When the Bundle has a Patient entry with a request, then its URL is the key', () => {
    expect(orderKeyOf(sampleBundle())).toBe('Patient?identifier=urn:mrn|123');
  });

  it('When there is no Bundle, no Patient, or a Patient without request, then there is no key', () => {
    expect(orderKeyOf(undefined)).toBeNull();
    expect(orderKeyOf({ resourceType: 'Bundle', type: 'transaction' })).toBeNull();
    const noRequest = sampleBundle();
    delete noRequest.entry![0]!.request;
    expect(orderKeyOf(noRequest)).toBeNull();
    const observationOnly = sampleBundle();
    observationOnly.entry = observationOnly.entry!.slice(1);
    expect(orderKeyOf(observationOnly)).toBeNull();
  });
});

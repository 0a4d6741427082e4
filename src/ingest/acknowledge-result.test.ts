import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { silentLogger } from '../observe/logger.ts';
import type { ConvertFn } from '../pipeline/convert-types.ts';
import { createConverter } from '../pipeline/create-converter.ts';
import { createReceiver, type ReceiveResult } from '../pipeline/receive.ts';
import { BATCH_CONTROL_IDS, batchBytes, msaOf, oruBytes } from '../pipeline/test-support.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import { acknowledgeResult, type AcknowledgeOptions } from './acknowledge-result.ts';

let convert: ConvertFn;
beforeAll(async () => {
  convert = await createConverter({ mappingsDir: 'mappings', profilesDir: 'profiles' });
});

const NOW = new Date('2026-03-04T05:06:07Z');

/** Fixed time and control ids, so the ACK texts are predictable. */
function options(): AcknowledgeOptions {
  let n = 0;
  return { now: NOW, controlIds: () => `ACK${++n}` };
}

/** Receives the input into a memory store (closed first when `storeFails`) and acknowledges it. */
async function answer(raw: Uint8Array, storeFails = false) {
  const store = new MemoryMessageStore();
  if (storeFails) await store.close();
  const result = await createReceiver({ convert, store, logger: silentLogger() })(raw, 'mllp');
  return { result, acks: acknowledgeResult(raw, result, options()) };
}

const segments = (text: string): string[] => text.split('\r').filter(Boolean);

describe('acknowledgeResult', () => {
  it('When a good message arrives in original mode, then one AA answers its control id', async () => {
    const { acks } = await answer(oruBytes({ controlId: 'ORIG-1' }));
    expect(acks.codes).toEqual(['AA']);
    expect(acks.texts).toHaveLength(1);
    expect(acks.bytes).toHaveLength(1);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: 'AA', controlId: 'ORIG-1' }]);
    const [msh] = segments(acks.texts[0]!);
    // Sender and receiver swapped, our control id, the trigger of the message answered.
    expect(msh).toBe(
      'MSH|^~\\&|STUDYBRIDGE|UCMSC-T2DM|UNILAB|UNIVHOSP|20260304050607+0000||ACK^R01^ACK|ACK1|P|2.5.1||||||UNICODE UTF-8',
    );
    expect(acks.texts[0]).not.toContain('ERR|');
    expect(acks.bytes[0]!.toString('utf8')).toBe(acks.texts[0]);
  });

  it('When the content fails mapping, then AE answers with an ERR segment naming the error', async () => {
    const { acks } = await answer(oruBytes({ controlId: 'BAD-2', value: 'lots' }));
    expect(acks.codes).toEqual(['AE']);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: 'AE', controlId: 'BAD-2' }]);
    const err = segments(acks.texts[0]!).filter((s) => s.startsWith('ERR|'));
    expect(err.length).toBeGreaterThan(0);
    expect(err[0]).toContain(`${ErrorCode.MapInvalidValue}^^99SB`);
  });

  it('When the store fails in original mode, then AR answers with the store error', async () => {
    const { result, acks } = await answer(oruBytes({ controlId: 'ST-1' }), true);
    expect(result.stored).toBe(false);
    expect(acks.codes).toEqual(['AR']);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: 'AR', controlId: 'ST-1' }]);
    expect(acks.texts[0]).toContain(`${ErrorCode.StoreWriteFailed}^^99SB`);
  });

  it('When the store fails in enhanced mode (MSH-15 AL), then a CE commit ACK answers and nothing else', async () => {
    const { acks } = await answer(oruBytes({ controlId: 'ST-2', accept: 'AL', application: 'AL' }), true);
    expect(acks.codes).toEqual(['CE']);
    expect(acks.texts).toHaveLength(1);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: 'CE', controlId: 'ST-2' }]);
  });

  it('When a good message asks for both ACKs (MSH-15 AL, MSH-16 AL), then CA is sent and then AA', async () => {
    const { acks } = await answer(oruBytes({ controlId: 'ENH-1', accept: 'AL', application: 'AL' }));
    expect(acks.codes).toEqual(['CA', 'AA']);
    expect(acks.texts).toHaveLength(2);
    expect(acks.bytes).toHaveLength(2);
    expect(acks.texts.map((t) => msaOf(t))).toEqual([
      [{ code: 'CA', controlId: 'ENH-1' }],
      [{ code: 'AA', controlId: 'ENH-1' }],
    ]);
    // An acknowledgment is never acknowledged: its own MSH-15/16 are NE.
    expect(segments(acks.texts[0]!)[0]!.split('|').slice(14, 16)).toEqual(['NE', 'NE']);
    expect(acks.texts[0]!.split('|')[9]).not.toBe(acks.texts[1]!.split('|')[9]);
  });

  it('When a batch arrives in original mode, then one batch ACK holds an MSA per message with its code', async () => {
    const raw = batchBytes({ accept: '', application: '' });
    const { acks } = await answer(raw);
    expect(acks.codes).toEqual(['AA', 'AE', 'AA']);
    expect(acks.texts).toHaveLength(1);
    expect(acks.bytes).toHaveLength(1);
    const text = acks.texts[0]!;
    expect(msaOf(text)).toEqual([
      { code: 'AA', controlId: BATCH_CONTROL_IDS[0] },
      { code: 'AE', controlId: BATCH_CONTROL_IDS[1] },
      { code: 'AA', controlId: BATCH_CONTROL_IDS[2] },
    ]);
    const ids = segments(text).map((s) => s.slice(0, 3));
    expect(ids[0]).toBe('FHS');
    expect(ids[1]).toBe('BHS');
    expect(ids.slice(-2)).toEqual(['BTS', 'FTS']);
    expect(ids.filter((id) => id === 'MSH')).toHaveLength(3);
    expect(segments(text).at(-2)).toBe('BTS|3');
    // The response batch names the batch it answers (BHS-12 = received BHS-11, FHS-12 = received FHS-11).
    expect(segments(text)[1]!.split('|')[11]).toBe('GH-B-0312-1');
    expect(segments(text)[0]!.split('|')[11]).toBe('GH-F-0312');
    expect(text).toContain(`${ErrorCode.ParseInvalidSegment}^^99SB`);
  });

  it('When a batch arrives with MSH-15 AL and MSH-16 NE, then every message gets a commit accept', async () => {
    const { acks } = await answer(batchBytes());
    expect(acks.codes).toEqual(['CA', 'CA', 'CA']);
    expect(msaOf(acks.texts[0]!).map((m) => m.controlId)).toEqual(BATCH_CONTROL_IDS);
  });

  it('When a batch cannot be stored, then every message in the batch ACK is refused', async () => {
    const { acks } = await answer(batchBytes({ accept: '', application: '' }), true);
    expect(acks.codes).toEqual(['AR', 'AR', 'AR']);
    expect(msaOf(acks.texts[0]!).map((m) => m.controlId)).toEqual(BATCH_CONTROL_IDS);
  });

  it('When the input holds no MSH, then one negative ACK with an empty MSA-2 answers it', async () => {
    const { acks } = await answer(new TextEncoder().encode('hello world'));
    expect(acks.codes).toHaveLength(1);
    expect(['AR', 'AE']).toContain(acks.codes[0]);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: acks.codes[0], controlId: '' }]);
    expect(acks.texts[0]).toContain(`${ErrorCode.ParseNotHl7}^^99SB`);
    // Without a header to copy, the ACK names us as sender.
    expect(segments(acks.texts[0]!)[0]!.split('|')[2]).toBe('STUDYBRIDGE');
  });

  it('When the result holds no message at all, then AR answers with the store error', () => {
    const raw = oruBytes({ controlId: 'EMPTY-1' });
    const result: ReceiveResult = {
      stored: false,
      storeError: adapterError(ErrorCode.StoreWriteFailed, IssueType.Exception, 'store closed'),
      messages: [],
    };
    const acks = acknowledgeResult(raw, result, options());
    expect(acks.codes).toEqual(['AR']);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: 'AR', controlId: 'EMPTY-1' }]);
    expect(acks.texts[0]).toContain('store closed');
  });

  it('When a hand-built result says a message was stored with no header, then the raw header is answered', () => {
    const raw = oruBytes({ controlId: 'HAND-1' });
    const result: ReceiveResult = {
      stored: true,
      messages: [{ index: 0, ok: true, outcome: { resourceType: 'OperationOutcome', issue: [] }, storedId: 7 }],
    };
    const acks = acknowledgeResult(raw, result, options());
    expect(acks.codes).toEqual(['AA']);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: 'AA', controlId: 'HAND-1' }]);
  });

  it('When an identity is given and the message names no receiver, then the ACK is sent under that identity', () => {
    const raw = new TextEncoder().encode('MSH|^~\\&|LAB|SITE|||20260101000000||ORU^R01|ID-9|P|2.5.1\r');
    const result: ReceiveResult = {
      stored: true,
      messages: [{ index: 0, ok: true, outcome: { resourceType: 'OperationOutcome', issue: [] } }],
    };
    const acks = acknowledgeResult(raw, result, { ...options(), identity: { application: 'ME', facility: 'HERE' } });
    expect(segments(acks.texts[0]!)[0]!.split('|').slice(2, 6)).toEqual(['ME', 'HERE', 'LAB', 'SITE']);
    expect(msaOf(acks.texts[0]!)).toEqual([{ code: 'AA', controlId: 'ID-9' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseBatch, parseMessage } from '../../parse/hl7v2/index.ts';
import { ackHeaderFromSegment } from './ack-header.ts';
import { buildAck } from './build-ack.ts';
import { buildBatchAck } from './build-batch-ack.ts';
import { createControlIdGenerator } from './control-id.ts';

const msg = (id: string): string => `MSH|^~\\&|LIS|LAB|SB|SITE|20260101120000||ORU^R01|${id}|P|2.5.1\rPID|1\r`;
const BATCH = `FHS|^~\\&|LIS|LAB|SB|SITE|||||F-1\rBHS|^~\\&|LIS|LAB|SB|SITE|||||B-1\r${msg('M1')}${msg('M2')}BTS|2\rFTS|1\r`;

describe('buildBatchAck', () => {
  it('When a batch of two messages is answered, then the response batch holds both ACKs and references the batch', () => {
    const batch = parseBatch(BATCH);
    const acks = batch.items.map((item) =>
      item.ok ? buildAck(ackHeaderFromSegment(item.message.header), { code: 'AA' }) : '',
    );
    const fhs = batch.headers.find((h) => h.id === 'FHS');
    const bhs = batch.headers.find((h) => h.id === 'BHS');
    const text = buildBatchAck({ fhs, bhs }, acks, { controlIds: createControlIdGenerator('BT') });
    const back = parseBatch(text);
    expect(back.warnings).toEqual([]);
    expect(back.items.map((i) => (i.ok ? i.message.first('MSA')?.get(2) : 'failed'))).toEqual(['M1', 'M2']);
    const [rf, rb] = back.headers;
    expect([rf?.id, rf?.get(3), rf?.get(5), rf?.get(12)]).toEqual(['FHS', 'SB', 'LIS', 'F-1']);
    expect([rb?.id, rb?.get(3), rb?.get(4), rb?.get(5), rb?.get(6), rb?.get(12)]).toEqual([
      'BHS',
      'SB',
      'SITE',
      'LIS',
      'LAB',
      'B-1',
    ]);
    expect(rb?.get(11)).toMatch(/^BT/);
    expect(back.trailers.map((t) => [t.id, t.get(1)])).toEqual([
      ['BTS', '2'],
      ['FTS', '1'],
    ]);
  });

  it('When the batch had no FHS, then neither has the answer', () => {
    const text = buildBatchAck({}, [buildAck(ackHeaderFromSegment(parseMessage(msg('M9')).header), { code: 'AE' })]);
    const back = parseBatch(text);
    expect(back.headers.map((h) => h.id)).toEqual(['BHS']);
    expect(back.trailers.map((t) => t.id)).toEqual(['BTS']);
    expect(back.items).toHaveLength(1);
  });
});

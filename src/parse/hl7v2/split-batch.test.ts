import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { parseBatch } from './split-batch.ts';
import { catchAdapterError, diagnostics, hl7, hl7Where } from './test-support.ts';
import type { Hl7BatchItem } from './types.ts';

const msh = (id: string, charset = ''): string =>
  `MSH|^~\\&|LIS|LAB|SB|SITE|20261121||ORU^R01|${id}|P|2.5.1||||||${charset}`;
const message = (id: string): string[] => [msh(id), 'PID|1||X', 'OBX|1|NM|A||1'];
const ids = (items: readonly Hl7BatchItem[]): string[] => items.map((i) => (i.ok ? i.message.controlId : '!'));

describe('parseBatch', () => {
  it('When the input is a lone message, then there is one item and no headers', () => {
    const out = parseBatch(hl7(...message('M1')));
    expect(ids(out.items)).toEqual(['M1']);
    expect(out.items[0]?.index).toBe(0);
    expect(out.headers).toEqual([]);
    expect(out.warnings).toEqual([]);
  });

  it('When a file has FHS/BHS and trailers, then headers, counts and every message are returned', () => {
    const out = parseBatch(
      hl7('FHS|^~\\&|LIS|LAB', 'BHS|^~\\&|LIS|LAB', ...message('M1'), ...message('M2'), 'BTS|2', 'FTS|1'),
    );
    expect(out.headers.map((h) => h.id)).toEqual(['FHS', 'BHS']);
    expect(out.headers[0]?.get(3)).toBe('LIS');
    expect(out.trailers.map((t) => t.id)).toEqual(['BTS', 'FTS']);
    expect(out.declaredCounts).toEqual({ batch: 2, file: 1 });
    expect(ids(out.items)).toEqual(['M1', 'M2']);
    expect(out.items.map((i) => i.index)).toEqual([0, 1]);
    expect(out.warnings).toEqual([]);
    const first = out.items[0];
    expect(first?.ok && first.message.segments.map((s) => s.id)).toEqual(['MSH', 'PID', 'OBX']);
  });

  it('When messages are separated by blank lines and LF, then each is still found', () => {
    const out = parseBatch(`${message('M1').join('\n')}\n\n${message('M2').join('\r\n')}\r\n`);
    expect(ids(out.items)).toEqual(['M1', 'M2']);
  });

  it('When BTS-1 differs from the messages found, then a warning is returned, not an error', () => {
    const out = parseBatch(hl7('BHS|^~\\&', ...message('M1'), 'BTS|3'));
    expect(out.items).toHaveLength(1);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]?.severity).toBe('warning');
    expect(out.warnings[0]?.diagnostics).toBe('BTS-1 declares 3 messages but the batch holds 1');
    expect(out.warnings[0]?.expression).toEqual(['BTS[1].1']);
  });

  it('When FTS-1 differs from the batches found, then a warning is returned', () => {
    const out = parseBatch(hl7('FHS|^~\\&', 'BHS|^~\\&', ...message('M1'), 'BTS|1', 'FTS|2'));
    expect(out.warnings.map((w) => w.diagnostics)).toEqual(['FTS-1 declares 2 batches but the file holds 1']);
  });

  it('When a file has several batches, then each BTS-1 is checked against its own batch', () => {
    const out = parseBatch(
      hl7(
        'FHS|^~\\&',
        'BHS|^~\\&',
        ...message('A'),
        'BTS|1',
        'BHS|^~\\&',
        ...message('B'),
        ...message('C'),
        'BTS|2',
        'FTS|2',
      ),
    );
    expect(ids(out.items)).toEqual(['A', 'B', 'C']);
    expect(out.declaredCounts).toEqual({ batch: 3, file: 2 });
    expect(out.warnings).toEqual([]);
  });

  it('When one message in a batch is broken, then it fails alone and the others are parsed', () => {
    const broken = ['MSH|^^\\&|LIS|LAB|SB|SITE|20261121||ORU^R01|BAD1|P|2.5.1', 'PID|1||SECRET'];
    const out = parseBatch(hl7('BHS|^~\\&', ...message('M1'), ...broken, ...message('M3'), 'BTS|3'));
    expect(ids(out.items)).toEqual(['M1', '!', 'M3']);
    const bad = out.items[1];
    expect(bad?.ok).toBe(false);
    if (bad && !bad.ok) {
      expect(bad.index).toBe(1);
      expect(bad.error.code).toBe(ErrorCode.ParseInvalidMsh);
      expect(hl7Where(bad.error)).toBe('MSH[1].2');
      expect(bad.controlId).toBe('BAD1');
      expect(bad.text).toBe(hl7(...broken));
    }
    expect(out.warnings).toEqual([]);
  });

  it('When a message in a batch has a truncated segment, then only that message fails', () => {
    const out = parseBatch(hl7(...message('M1'), msh('M2'), 'OB', ...message('M3')));
    expect(ids(out.items)).toEqual(['M1', '!', 'M3']);
    const bad = out.items[1];
    expect(bad && !bad.ok && bad.error.code).toBe(ErrorCode.ParseInvalidSegment);
  });

  it('When a batch header or trailer is missing, then a warning says the input may be truncated', () => {
    const out = parseBatch(hl7('FHS|^~\\&', 'BHS|^~\\&', ...message('M1')));
    expect(out.items).toHaveLength(1);
    expect(out.warnings.map((w) => w.diagnostics)).toEqual([
      'The batch (BHS) has no BTS trailer: the input may be truncated',
      'The file (FHS) has no FTS trailer: the input may be truncated',
    ]);
  });

  it('When a trailer count is not a number, then a warning is returned and no count declared', () => {
    const out = parseBatch(hl7('BHS|^~\\&', ...message('M1'), 'BTS|two'));
    expect(out.declaredCounts).toEqual({});
    expect(out.warnings.map((w) => w.expression)).toEqual([['BTS[1].1']]);
  });

  it('When a segment lies between a trailer and the next message, then it is ignored with a warning', () => {
    const out = parseBatch(
      hl7('BHS|^~\\&', ...message('M1'), 'BTS|1', 'ZZZ|stray', 'BHS|^~\\&', ...message('M2'), 'BTS|1'),
    );
    expect(ids(out.items)).toEqual(['M1', 'M2']);
    expect(out.warnings.map((w) => w.diagnostics)).toEqual([
      'Segment 6 of the input lies outside any message and was ignored',
    ]);
  });

  it('When a segment other than FHS/BHS comes before the first MSH, then it is parse.invalid-msh', () => {
    const err = catchAdapterError(() => parseBatch(hl7('FHS|^~\\&', 'PID|1||X', ...message('M1'))));
    expect(err.code).toBe(ErrorCode.ParseInvalidMsh);
    expect(hl7Where(err)).toBe('MSH[1]');
    expect(diagnostics(err)).toContain('segment 2 of the input is PID');
  });

  it('When a line before the first MSH is not a segment, then it is parse.not-hl7', () => {
    const err = catchAdapterError(() => parseBatch(hl7('FHS|^~\\&', 'hello', ...message('M1'))));
    expect(err.code).toBe(ErrorCode.ParseNotHl7);
  });

  it('When the input holds no MSH at all, then it is parse.invalid-msh', () => {
    const err = catchAdapterError(() => parseBatch(hl7('FHS|^~\\&', 'BHS|^~\\&', 'BTS|1', 'FTS|1')));
    expect(err.code).toBe(ErrorCode.ParseInvalidMsh);
    expect(diagnostics(err)).toBe('Input holds no message (no MSH segment)');
  });

  it('When a batch declares itself empty, then it is valid with no items', () => {
    const out = parseBatch(hl7('FHS|^~\\&', 'BHS|^~\\&', 'BTS|0', 'FTS|1'));
    expect(out.items).toEqual([]);
    expect(out.declaredCounts).toEqual({ batch: 0, file: 1 });
    expect(out.warnings).toEqual([]);
  });

  it('When the input is not HL7, then it is parse.not-hl7', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(catchAdapterError(() => parseBatch(png)).code).toBe(ErrorCode.ParseNotHl7);
    expect(catchAdapterError(() => parseBatch('{"a": 1}')).code).toBe(ErrorCode.ParseNotHl7);
  });

  it('When a later message declares another charset than the bytes were decoded with, then a warning names it', () => {
    const text = hl7(msh('A', '8859/1'), 'PID|1', msh('B', 'UNICODE UTF-8'), 'PID|1');
    const out = parseBatch(Uint8Array.from(text, (c) => c.charCodeAt(0)));
    expect(ids(out.items)).toEqual(['A', 'B']);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]?.diagnostics).toContain('Message 2 declares a different charset');
  });

  it('When FHS-2 is broken, then a warning is returned and the messages are still parsed', () => {
    const out = parseBatch(hl7('FHS|^^|X', ...message('M1'), 'FTS|1'));
    expect(ids(out.items)).toEqual(['M1']);
    expect(out.warnings[0]?.expression).toEqual(['FHS[1].2']);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { isSupportedHl7Version } from './hl7-version.ts';
import { parseMessage } from './parse-hl7v2.ts';
import { catchAdapterError, diagnostics, hl7, hl7Where } from './test-support.ts';

const MSH = 'MSH|^~\\&|LIS|LAB|SB|SITE|20261121083000+0800||ORU^R01^ORU_R01|CTRL-42|P|2.5.1|||AL|NE||UNICODE UTF-8';
const ORU = hl7(
  MSH,
  'PID|1||ID1^^^AUTH^MR||Family^Given',
  'OBR|1|P1|F1|CBC^Blood count^L',
  'OBX|1|NM|HGB^Hb^L||13.5|g/dL',
);

describe('parseMessage', () => {
  it('When a message is parsed, then its header values are exposed', () => {
    const msg = parseMessage(ORU);
    expect(msg.messageCode).toBe('ORU');
    expect(msg.triggerEvent).toBe('R01');
    expect(msg.messageStructure).toBe('ORU_R01');
    expect(msg.controlId).toBe('CTRL-42');
    expect(msg.version).toBe('2.5.1');
    expect(msg.charset).toBe('UNICODE UTF-8');
    expect(msg.header.id).toBe('MSH');
    expect(msg.segments.map((s) => s.id)).toEqual(['MSH', 'PID', 'OBR', 'OBX']);
    expect(msg.encoding.field).toBe('|');
  });

  it('When segments are looked up, then all and first find them by ID', () => {
    const msg = parseMessage(hl7(MSH, 'OBX|1|NM|A', 'NTE|1', 'OBX|2|NM|B'));
    expect(msg.all('OBX').map((s) => s.get(3))).toEqual(['A', 'B']);
    expect(msg.all('OBX').map((s) => s.occurrence)).toEqual([1, 2]);
    expect(msg.first('NTE')?.index).toBe(2);
    expect(msg.first('ZZZ')).toBeUndefined();
    expect(msg.all('ZZZ')).toEqual([]);
  });

  it('When input uses LF or CRLF with a BOM and trailing lines, then text is re-joined with CR', () => {
    const msg = parseMessage(`\uFEFF${MSH}\r\nPID|1\nOBX|1\r\n\r\n`);
    expect(msg.text).toBe(hl7(MSH, 'PID|1', 'OBX|1'));
    expect(msg.segments).toHaveLength(3);
  });

  it('When bytes are given, then they are decoded with MSH-18 before parsing', () => {
    const bytes = Uint8Array.from(hl7(MSH.replace('UNICODE UTF-8', '8859/1'), 'NTE|1||\u00e9t\u00e9'), (c) =>
      c.charCodeAt(0),
    );
    expect(parseMessage(bytes).first('NTE')?.get(3)).toBe('été');
  });

  it('When hex escapes are sent, then they are decoded with the charset MSH-18 names, or kept when it is unknown', () => {
    const latin = parseMessage(hl7(MSH.replace('UNICODE UTF-8', '8859/1'), 'NTE|1||caf\\XE9\\'));
    expect(latin.first('NTE')?.get(3)).toBe('café');
    const utf8 = parseMessage(hl7(MSH, 'NTE|1||caf\\XC3A9\\'));
    expect(utf8.first('NTE')?.get(3)).toBe('café');
    const unknown = parseMessage(hl7(MSH.replace('UNICODE UTF-8', 'EBCDIC'), 'NTE|1||caf\\XE9\\'));
    expect(unknown.first('NTE')?.get(3)).toBe('caf\\XE9\\');
  });

  it('When MSH-2 has a truncation character, then it is known and \\P\\ decodes to it', () => {
    const msg = parseMessage(hl7('MSH|^~\\&#|A|B|C|D|2026||ORU^R01|1|P|2.7', 'NTE|1||cut\\P\\'));
    expect(msg.encoding.truncation).toBe('#');
    expect(msg.header.get(2)).toBe('^~\\&#');
    expect(msg.first('NTE')?.get(3)).toBe('cut#');
  });

  it('When delimiters are fully custom, then fields, components and escapes follow them', () => {
    const msg = parseMessage(hl7('MSH$%*!@$APP$FAC$$$2026$$ORU%R01$7$P$2.5', 'PID$1$$A%B*C%D$$x!S!y'));
    expect(msg.messageCode).toBe('ORU');
    expect(msg.triggerEvent).toBe('R01');
    const pid = msg.first('PID');
    expect(pid?.get(3, 2, undefined, 2)).toBe('D');
    expect(pid?.get(5)).toBe('x%y');
  });

  it('When a version outside 2.3-2.8 is sent, then the message is still parsed and the helper says so', () => {
    const msg = parseMessage(MSH.replace('2.5.1', '2.2'));
    expect(msg.version).toBe('2.2');
    expect(isSupportedHl7Version(msg.version)).toBe(false);
    expect(['2.3', '2.3.1', '2.5.1', '2.7.1', '2.8.2'].every(isSupportedHl7Version)).toBe(true);
  });

  it('When MSH-10 or MSH-12 is absent, then they read as empty', () => {
    const msg = parseMessage('MSH|^~\\&|A|B|C|D|2026||ADT^A01');
    expect(msg.controlId).toBe('');
    expect(msg.version).toBe('');
    expect(msg.charset).toBe('');
  });

  it('When the first segment is not MSH, then it is parse.invalid-msh naming what was found', () => {
    const err = catchAdapterError(() => parseMessage(hl7('PID|1||X', 'OBX|1')));
    expect(err.code).toBe(ErrorCode.ParseInvalidMsh);
    expect(hl7Where(err)).toBe('MSH[1]');
    expect(diagnostics(err)).toContain('segment 1 is PID');
  });

  it('When the encoding characters repeat or are too few, then it is parse.invalid-msh at MSH[1].2', () => {
    for (const bad of ['MSH|^^\\&|A|B|C|D|2026||ORU^R01', 'MSH|^~|A|B|C|D|2026||ORU^R01', 'MSH|^|\\&|A']) {
      const err = catchAdapterError(() => parseMessage(bad));
      expect(err.code).toBe(ErrorCode.ParseInvalidMsh);
      expect(hl7Where(err)).toBe('MSH[1].2');
    }
  });

  it('When MSH-9 is empty, then it is parse.invalid-msh at MSH[1].9', () => {
    const err = catchAdapterError(() => parseMessage('MSH|^~\\&|A|B|C|D|2026|||1|P|2.5'));
    expect(err.code).toBe(ErrorCode.ParseInvalidMsh);
    expect(hl7Where(err)).toBe('MSH[1].9');
  });

  it('When a segment line is truncated or wrapped, then it is parse.invalid-segment naming its number only', () => {
    const err = catchAdapterError(() => parseMessage(hl7(MSH, 'PID|1||SECRET', 'OB', 'OBX|1')));
    expect(err.code).toBe(ErrorCode.ParseInvalidSegment);
    expect(diagnostics(err)).toContain('Segment 3 (after PID[1]) ');
    expect(err.message).not.toContain('OB|');
    const wrapped = catchAdapterError(() => parseMessage(hl7(MSH, 'OBX|1|TX|||first line', 'continued text')));
    expect(wrapped.code).toBe(ErrorCode.ParseInvalidSegment);
    expect(diagnostics(wrapped)).toContain('Segment 3 ');
    expect(wrapped.message).not.toContain('continued');
  });

  it('When a segment ID is lower-case or not followed by the field separator, then it is parse.invalid-segment', () => {
    expect(catchAdapterError(() => parseMessage(hl7(MSH, 'pid|1'))).code).toBe(ErrorCode.ParseInvalidSegment);
    expect(catchAdapterError(() => parseMessage(hl7(MSH, 'PID^1'))).code).toBe(ErrorCode.ParseInvalidSegment);
  });

  it('When a segment is only its ID, then it is accepted with no fields', () => {
    expect(parseMessage(hl7(MSH, 'ZZZ')).first('ZZZ')?.fieldCount).toBe(0);
  });

  it('When the input holds two messages or a batch, then parseMessage refuses it with parse.invalid-msh', () => {
    const two = catchAdapterError(() => parseMessage(hl7(MSH, 'PID|1', MSH)));
    expect(two.code).toBe(ErrorCode.ParseInvalidMsh);
    expect(hl7Where(two)).toBe('MSH[2]');
    const batch = catchAdapterError(() => parseMessage(hl7('FHS|^~\\&', MSH, 'FTS|1')));
    expect(batch.code).toBe(ErrorCode.ParseInvalidMsh);
    expect(diagnostics(batch)).toContain('batch');
  });

  it('When a 10 MB message arrives (under the 16 MiB limit), then it is parsed', () => {
    const obx = Array.from({ length: 50_000 }, (_, i) => `OBX|${i + 1}|NM|X^Y^L||${i}.5|mg|||||F`);
    const text = hl7(MSH, ...obx, `NTE|1||${'x'.repeat(10_000_000 - 50_000 * 30)}`);
    expect(text.length).toBeGreaterThan(10_000_000);
    const msg = parseMessage(new TextEncoder().encode(text));
    expect(msg.all('OBX')).toHaveLength(50_000);
    expect(msg.all('OBX')[49_999]?.get(5)).toBe('49999.5');
  });

  it('When a message is bigger than maxBytes, then it is parse.too-large', () => {
    expect(catchAdapterError(() => parseMessage(ORU, { maxBytes: 64 })).code).toBe(ErrorCode.ParseTooLarge);
  });
});

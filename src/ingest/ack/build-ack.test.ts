import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { parseHl7DateTime, parseMessage } from '../../parse/hl7v2/index.ts';
import { ackHeaderFromSegment } from './ack-header.ts';
import { buildAck } from './build-ack.ts';
import { createControlIdGenerator } from './control-id.ts';
import { MAX_ERR_ENTRIES } from './err-segment.ts';

const ORU =
  'MSH|^~\\&|LIS|MAINLAB|STUDYBRIDGE|SITE01|20260101120000+0100||ORU^R01^ORU_R01|MSG-42|P|2.5.1||||||UNICODE UTF-8\r' +
  'PID|1||S1\rOBX|1|NM|X^Y^L||5\rOBX|2|NM|X^Y^L||6\r';

const headerOf = (text: string) => ackHeaderFromSegment(parseMessage(text).header);
const ids = () => createControlIdGenerator('TEST');

describe('buildAck', () => {
  it('When a message is accepted, then the ACK swaps sender and receiver and echoes the control ID', () => {
    const now = new Date('2026-03-04T05:06:07Z');
    const ack = parseMessage(buildAck(headerOf(ORU), { code: 'AA', now, controlIds: ids() }));
    const msh = ack.header;
    expect([msh.get(3), msh.get(4), msh.get(5), msh.get(6)]).toEqual(['STUDYBRIDGE', 'SITE01', 'LIS', 'MAINLAB']);
    expect(msh.get(9)).toBe('ACK^R01^ACK');
    expect(ack.controlId).toMatch(/^TEST/);
    expect(ack.controlId).not.toBe('MSG-42');
    expect([msh.get(11), ack.version, ack.charset]).toEqual(['P', '2.5.1', 'UNICODE UTF-8']);
    expect(ack.first('MSA')?.get(1)).toBe('AA');
    expect(ack.first('MSA')?.get(2)).toBe('MSG-42');
    expect(ack.all('ERR')).toHaveLength(0);
    const sent = parseHl7DateTime(msh.get(7), { defaultZone: 'Z' });
    expect(sent.zoneAssumed).toBe(false);
    expect(new Date(sent.value).getTime()).toBe(now.getTime());
  });

  it('When two ACKs are built, then their control IDs differ', () => {
    const gen = ids();
    const a = parseMessage(buildAck(headerOf(ORU), { code: 'AA', controlIds: gen }));
    const b = parseMessage(buildAck(headerOf(ORU), { code: 'AA', controlIds: gen }));
    expect(a.controlId).not.toBe(b.controlId);
  });

  it('When the message uses its own delimiters, then the ACK uses the same ones', () => {
    const custom = ORU.replaceAll('|', '#').replace('#^~\\&#', '#$*!@#').replace('ORU^R01^ORU_R01', 'ORU$R01$ORU_R01');
    const text = buildAck(headerOf(custom), {
      code: 'AE',
      error: adapterError(ErrorCode.MapUnmappedCode, IssueType.CodeInvalid, 'a # b $ c', { hl7: 'OBX[2].3' }),
    });
    expect(text.startsWith('MSH#$*!@#SITE01#'.replace('SITE01', 'STUDYBRIDGE'))).toBe(true);
    expect(text).not.toContain('|');
    const ack = parseMessage(text);
    expect(ack.header.get(9, 1)).toBe('ACK');
    expect(ack.header.get(9, 2)).toBe('R01');
    expect(ack.first('ERR')?.get(8)).toBe('a # b $ c');
    expect(ack.first('ERR')?.get(2, 1)).toBe('OBX');
  });

  it('When diagnostics hold delimiters and line breaks, then they are escaped and read back intact', () => {
    const diagnostics = 'bad | value ^ with ~ all \\ the & delimiters\r\nand a break';
    const text = buildAck(headerOf(ORU), {
      code: 'AE',
      error: adapterError(ErrorCode.MapInvalidValue, IssueType.Value, diagnostics, { hl7: 'OBX[1].5' }),
    });
    const ack = parseMessage(text);
    expect(ack.segments.map((s) => s.id)).toEqual(['MSH', 'MSA', 'ERR']);
    expect(ack.first('ERR')?.get(8)).toBe(diagnostics);
    expect(ack.first('MSA')?.get(3)).toBe(diagnostics);
  });

  it('When the diagnostics are long, then MSA-3 is a summary and ERR-8 has them whole', () => {
    const long = 'x'.repeat(200);
    const ack = parseMessage(
      buildAck(headerOf(ORU), { code: 'AE', error: adapterError(ErrorCode.MapInvalidValue, IssueType.Value, long) }),
    );
    expect(ack.first('MSA')?.get(3)).toBe(`${'x'.repeat(77)}...`);
    expect(ack.first('ERR')?.get(8)).toBe(long);
  });

  it('When an issue names OBX[2].5.1, then ERR-2 locates segment, sequence, field, repetition and component', () => {
    const text = buildAck(headerOf(ORU), {
      code: 'AE',
      error: adapterErrorFromIssues(ErrorCode.MapUnmappedCode, [
        issue('error', IssueType.CodeInvalid, 'unmapped', { fhir: 'Observation.code', hl7: 'OBX[2].5.1' }),
        issue('warning', IssueType.Value, 'only a warning', { hl7: 'OBX[1].6' }),
        issue('error', IssueType.Required, 'missing', { hl7: 'PID[1].3[2].4.2' }),
      ]),
    });
    const errs = parseMessage(text).all('ERR');
    expect(errs).toHaveLength(2);
    expect(errs[0]?.rawField(2)).toBe('OBX^2^5^1^1');
    expect(errs[0]?.rawField(3)).toBe('103^Table value not found^HL70357');
    expect(errs[0]?.get(4)).toBe('E');
    expect(errs[0]?.rawField(5)).toBe('map.unmapped-code^^99SB');
    expect(errs[1]?.rawField(2)).toBe('PID^1^3^2^4^2');
  });

  it('When the message is v2.3, then one ERR carries each error in a repetition of ERR-1 (ELD)', () => {
    const v23 = ORU.replace('|2.5.1|', '|2.3|');
    const text = buildAck(headerOf(v23), {
      code: 'AE',
      error: adapterErrorFromIssues(ErrorCode.MapRequiredMissing, [
        issue('error', IssueType.Required, 'first', { hl7: 'OBX[2].5.1' }),
        issue('error', IssueType.Required, 'second'),
      ]),
    });
    const ack = parseMessage(text);
    const errs = ack.all('ERR');
    expect(errs).toHaveLength(1);
    expect(errs[0]?.rawField(1)).toBe(
      'OBX^2^5^101&Required field missing&HL70357~^^^101&Required field missing&HL70357',
    );
    expect(errs[0]?.fieldCount).toBe(1);
    expect(ack.header.get(9)).toBe('ACK^R01');
    expect(ack.first('MSA')?.get(3)).toBe('first');
  });

  it('When the message is v2.7, then MSA-3 is left out and ERR carries the text', () => {
    const text = buildAck(headerOf(ORU.replace('|2.5.1|', '|2.7|')), {
      code: 'AR',
      error: adapterError(ErrorCode.StoreWriteFailed, IssueType.Exception, 'store unavailable'),
    });
    const ack = parseMessage(text);
    expect(ack.first('MSA')?.rawField(3)).toBe('');
    expect(ack.first('ERR')?.get(8)).toBe('store unavailable');
    expect(ack.first('ERR')?.rawField(3)).toBe('207^Application internal error^HL70357');
  });

  it('When an error has more issues than the cap, then only the cap is sent', () => {
    const issues = Array.from({ length: 70 }, (_, i) =>
      issue('error', IssueType.Value, `e${i}`, { hl7: `OBX[${i + 1}].5` }),
    );
    const text = buildAck(headerOf(ORU), {
      code: 'AE',
      error: adapterErrorFromIssues(ErrorCode.MapInvalidValue, issues),
    });
    expect(parseMessage(text).all('ERR')).toHaveLength(MAX_ERR_ENTRIES);
  });

  it('When a negative ACK has no error object, then one ERR still names an internal error', () => {
    const errs = parseMessage(buildAck(headerOf(ORU), { code: 'AR' })).all('ERR');
    expect(errs.map((e) => e.rawField(3))).toEqual(['207^Application internal error^HL70357']);
  });

  it('When the message asked for enhanced acknowledgments, then the ACK itself asks for none', () => {
    const enhanced = ORU.replace('|P|2.5.1||||||', '|P|2.5.1|||AL|AL||');
    const ack = parseMessage(buildAck(headerOf(enhanced), { code: 'CA' }));
    expect([ack.header.get(15), ack.header.get(16)]).toEqual(['NE', 'NE']);
    const original = parseMessage(buildAck(headerOf(ORU), { code: 'AA' }));
    expect([original.header.get(15), original.header.get(16)]).toEqual(['', '']);
  });

  it('When no header could be read, then a minimal AR names us as sender and leaves MSA-2 empty', () => {
    const ack = parseMessage(
      buildAck(undefined, {
        code: 'AE',
        identity: { application: 'SB^X', facility: 'F' },
        error: adapterError(ErrorCode.ParseNotHl7, IssueType.Structure, 'not HL7'),
      }),
    );
    expect(ack.header.get(3)).toBe('SB^X');
    expect(ack.header.get(4)).toBe('F');
    expect(ack.header.get(5)).toBe('');
    expect([ack.version, ack.header.get(11), ack.header.get(9)]).toEqual(['2.5.1', 'P', 'ACK^^ACK']);
    expect(ack.first('MSA')?.rawField(2)).toBe('');
    expect(ack.first('ERR')?.get(5, 1)).toBe('parse.not-hl7');
  });

  it('When the received message names no receiver, then our identity fills MSH-3/4 of the ACK', () => {
    const noReceiver = ORU.replace('|STUDYBRIDGE|SITE01|', '|||');
    const ack = parseMessage(
      buildAck(headerOf(noReceiver), { code: 'AA', identity: { application: 'ME', facility: 'HERE' } }),
    );
    expect([ack.header.get(3), ack.header.get(4), ack.header.get(5)]).toEqual(['ME', 'HERE', 'LIS']);
  });
});

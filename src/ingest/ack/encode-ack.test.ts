import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../parse/hl7v2/index.ts';
import { encodeAck } from './encode-ack.ts';

const ack = (msh18: string, facility = 'LAB'): string =>
  `MSH|^~\\&|SB|SITE|LIS|${facility}|20260101120000+0000||ACK^R01^ACK|A1|P|2.5.1||||||${msh18}\rMSA|AA|C1\r`;

describe('encodeAck', () => {
  it('When MSH-18 is empty, then the ACK is UTF-8', () => {
    const r = encodeAck(ack('', 'Kraków'));
    expect(r.charset).toBe('UTF-8');
    expect(r.bytes.equals(Buffer.from(ack('', 'Kraków'), 'utf8'))).toBe(true);
  });

  it('When MSH-18 is 8859/1, then each character is one byte and the parser reads it back', () => {
    const text = ack('8859/1', 'Hôpital');
    const r = encodeAck(text);
    expect(r.charset).toBe('ISO-8859-1');
    expect(r.bytes.length).toBe(text.length);
    expect(parseMessage(r.bytes).header.get(6)).toBe('Hôpital');
  });

  it('When MSH-18 is 8859/2, then Polish letters are written in that charset', () => {
    const text = ack('8859/2', 'Łódź');
    const r = encodeAck(text);
    expect(r.relabelled).toBe(false);
    expect(r.bytes.length).toBe(text.length);
    expect(parseMessage(r.bytes).header.get(6)).toBe('Łódź');
  });

  it('When MSH-18 is UTF-16, then the ACK is UTF-16 and reads back', () => {
    const r = encodeAck(ack('UNICODE UTF-16', 'Zürich'));
    expect(r.charset).toBe('UTF-16');
    expect(parseMessage(r.bytes).header.get(6)).toBe('Zürich');
  });

  it('When the declared charset cannot hold a character, then MSH-18 becomes UNICODE UTF-8 and the bytes match', () => {
    const r = encodeAck(ack('8859/1', 'Łódź'));
    expect(r.relabelled).toBe(true);
    const back = parseMessage(r.bytes);
    expect(back.charset).toBe('UNICODE UTF-8');
    expect(back.header.get(6)).toBe('Łódź');
  });

  it('When MSH-18 is a charset we cannot encode but the text is ASCII, then the label is kept', () => {
    const r = encodeAck(ack('GB 18030-2000'));
    expect(r.relabelled).toBe(false);
    expect(r.bytes.toString('latin1')).toBe(ack('GB 18030-2000'));
  });

  it('When MSH-18 is ASCII and the text is not, then the ACK is relabelled UTF-8', () => {
    const r = encodeAck(ack('ASCII', 'Café'));
    expect(r.relabelled).toBe(true);
    expect(parseMessage(r.bytes).header.get(6)).toBe('Café');
  });

  it('When a batch of ACKs is encoded, then every MSH is relabelled alike', () => {
    const text = `BHS|^~\\&|SB\r${ack('8859/1', 'Łódź')}${ack('8859/1')}BTS|2\r`;
    const r = encodeAck(text);
    const out = r.bytes.toString('utf8');
    expect(out.match(/UNICODE UTF-8/g)).toHaveLength(2);
  });
});

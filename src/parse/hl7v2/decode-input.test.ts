import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { decodeInput } from './decode-input.ts';
import { catchAdapterError, diagnostics, hl7Where } from './test-support.ts';

const enc = new TextEncoder();
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** An MSH whose MSH-18 is `charset` (16 separators after MSH-2). */
const msh = (charset: string): string => `MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5.1||||||${charset}|`;

describe('decodeInput', () => {
  it('When a string starts with a BOM, then the BOM is dropped', () => {
    expect(decodeInput('\uFEFFMSH|^~\\&|A').text).toBe('MSH|^~\\&|A');
  });

  it('When UTF-8 bytes start with a BOM, then the BOM is dropped and the text decoded as UTF-8', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(`${msh('')}\rNTE|1||é`)]);
    const out = decodeInput(bytes);
    expect(out.text.startsWith('MSH|')).toBe(true);
    expect(out.text.endsWith('é')).toBe(true);
    expect(out.charset?.name).toBe('UTF-8');
  });

  it('When MSH-18 is 8859/1, then the bytes are decoded as ISO-8859-1', () => {
    const out = decodeInput(latin1(`${msh('8859/1')}\rNTE|1||caf\u00e9`));
    expect(out.text.endsWith('café')).toBe(true);
    expect(out.charset?.name).toBe('ISO-8859-1');
  });

  it('When MSH-18 is 8859/15, then 0xA4 is the euro sign', () => {
    expect(decodeInput(latin1(`${msh('8859/15')}\rNTE|1||\u00a4`)).text.endsWith('€')).toBe(true);
  });

  it('When MSH-18 repeats or has components, then only its first value is used', () => {
    expect(decodeInput(latin1(`${msh('8859/1~UNICODE UTF-8')}\rNTE|1||\u00e9`)).charset?.name).toBe('ISO-8859-1');
  });

  it('When MSH-18 is empty, then the default charset option applies, else UTF-8', () => {
    expect(decodeInput(latin1(`${msh('')}\rNTE|1||\u00e9`), { defaultCharset: '8859/1' }).text.endsWith('é')).toBe(
      true,
    );
    expect(decodeInput(enc.encode(msh(''))).charset?.name).toBe('UTF-8');
  });

  it('When a batch file starts with FHS, then MSH-18 of the first MSH chooses the charset', () => {
    const text = `FHS|^~\\&|X\nBHS|^~\\&|X\n${msh('8859/1')}\nNTE|1||\u00e9`;
    expect(decodeInput(latin1(text)).text.endsWith('é')).toBe(true);
  });

  it('When the bytes are UTF-16 with a BOM, then they are decoded as UTF-16', () => {
    const text = `${msh('UNICODE UTF-16')}\rNTE|1||é`;
    const le = new Uint8Array(2 + text.length * 2);
    le.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) le[2 + i * 2] = text.charCodeAt(i);
    expect(decodeInput(le).text).toBe(text);
  });

  it('When MSH-18 names an unknown charset, then it is parse.unsupported-charset at MSH-18', () => {
    const err = catchAdapterError(() => decodeInput(enc.encode(msh('EBCDIC'))));
    expect(err.code).toBe(ErrorCode.ParseUnsupportedCharset);
    expect(hl7Where(err)).toBe('MSH[1].18');
  });

  it('When a string declares an unknown charset, then it is accepted (it is already text)', () => {
    expect(decodeInput(msh('EBCDIC')).text).toBe(msh('EBCDIC'));
  });

  it('When bytes are not valid UTF-8, then it is parse.invalid-value naming the charset and offset only', () => {
    const bytes = new Uint8Array([...enc.encode(`${msh('UNICODE UTF-8')}\rNTE|1||ab`), 0xff, 0x41]);
    const err = catchAdapterError(() => decodeInput(bytes));
    expect(err.code).toBe(ErrorCode.ParseInvalidValue);
    expect(diagnostics(err)).toBe(`Input bytes are not valid UTF-8 (first invalid byte at offset ${bytes.length - 2})`);
  });

  it('When bytes are more than maxBytes, then it is parse.too-large before any decoding', () => {
    // Invalid UTF-8 and a non-HL7 start: only the size check can produce too-large here.
    const err = catchAdapterError(() => decodeInput(new Uint8Array(101).fill(0xff), { maxBytes: 100 }));
    expect(err.code).toBe(ErrorCode.ParseTooLarge);
  });

  it('When a string is more than maxBytes in UTF-8, then it is parse.too-large', () => {
    expect(catchAdapterError(() => decodeInput('M'.repeat(101), { maxBytes: 100 })).code).toBe(ErrorCode.ParseTooLarge);
    // 40 characters but 120 UTF-8 bytes.
    expect(catchAdapterError(() => decodeInput(`MSH|${'€'.repeat(36)}`, { maxBytes: 100 })).code).toBe(
      ErrorCode.ParseTooLarge,
    );
    expect(decodeInput(`MSH|${'a'.repeat(36)}`, { maxBytes: 100 }).text).toHaveLength(40);
  });

  it('When the input is empty or blank, then it is parse.empty', () => {
    for (const input of ['', '  \r\n\t', new Uint8Array(), enc.encode('\n\n  '), new Uint8Array([0xef, 0xbb, 0xbf])]) {
      expect(catchAdapterError(() => decodeInput(input)).code).toBe(ErrorCode.ParseEmpty);
    }
  });

  it('When the input is a PNG, JSON or prose, then it is parse.not-hl7', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    for (const input of [png, enc.encode('{"resourceType":"Patient"}'), 'Hello world', 'msh|^~\\&|lower', 'MSH']) {
      expect(catchAdapterError(() => decodeInput(input)).code).toBe(ErrorCode.ParseNotHl7);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ASCII, LATIN1, resolveCharset, UTF16, UTF8 } from './charsets.ts';

describe('charsets', () => {
  it('When MSH-18 names UTF-8 in any usual spelling, then UTF-8 is used', () => {
    expect(resolveCharset('UNICODE UTF-8')).toBe(UTF8);
    expect(resolveCharset(' unicode  utf-8 ')).toBe(UTF8);
    expect(resolveCharset('UTF-8')).toBe(UTF8);
  });

  it('When MSH-18 names 8859/1, then real ISO-8859-1 is used, not windows-1252', () => {
    expect(resolveCharset('8859/1')).toBe(LATIN1);
    expect(LATIN1.decode(new Uint8Array([0x80, 0xe9]))).toBe('\u0080é');
  });

  it('When MSH-18 names 8859/15, then the euro sign is decoded', () => {
    expect(resolveCharset('8859/15')?.decode(new Uint8Array([0xa4]))).toBe('€');
  });

  it('When MSH-18 names an unknown or unsupported charset, then there is none', () => {
    expect(resolveCharset('EBCDIC')).toBeUndefined();
    expect(resolveCharset('ISO IR87')).toBeUndefined();
    expect(resolveCharset('UNICODE UTF-32')).toBeUndefined();
  });

  it('When bytes are not valid UTF-8, then UTF-8 decoding gives undefined', () => {
    expect(UTF8.decode(new Uint8Array([0x41, 0xff]))).toBeUndefined();
  });

  it('When ASCII is declared but the bytes are UTF-8 or Latin-1, then they are read sensibly', () => {
    expect(ASCII.decode(new Uint8Array([0xc3, 0xa9]))).toBe('é');
    expect(ASCII.decode(new Uint8Array([0xe9]))).toBe('é');
  });

  it('When UTF-16 has no BOM, then the byte order is taken from the zero bytes', () => {
    expect(UTF16.decode(new Uint8Array([0x4d, 0, 0x53, 0]))).toBe('MS');
    expect(UTF16.decode(new Uint8Array([0, 0x4d, 0, 0x53]))).toBe('MS');
  });
});

import { describe, expect, it } from 'vitest';
import { LATIN1, UTF8 } from './charsets.ts';
import { DEFAULT_ENCODING } from './encoding-characters.ts';
import type { EncodingCharacters } from './types.ts';
import { unescapeHl7 } from './unescape.ts';

const u = (text: string, charset = UTF8, enc: EncodingCharacters = DEFAULT_ENCODING): string =>
  unescapeHl7(text, enc, charset);

describe('unescapeHl7', () => {
  it('When text holds no escape character, then the same string is returned', () => {
    const text = 'plain text ^ & ~';
    expect(u(text)).toBe(text);
  });

  it('When delimiter escapes are used, then they become the delimiters', () => {
    expect(u('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f')).toBe('a|b^c&d~e\\f');
  });

  it('When the message declares custom delimiters, then escapes use its own characters', () => {
    const enc = { field: '$', component: '%', repetition: '*', escape: '!', subcomponent: '@' };
    expect(u('x!F!y!S!z!E!', UTF8, enc)).toBe('x$y%z!');
    expect(u('back\\slash', UTF8, enc)).toBe('back\\slash');
  });

  it('When \\P\\ is used, then it is the truncation character if one is declared, else kept', () => {
    expect(u('a\\P\\b', UTF8, { ...DEFAULT_ENCODING, truncation: '#' })).toBe('a#b');
    expect(u('a\\P\\b')).toBe('a\\P\\b');
  });

  it('When hex data is escaped, then it is decoded with the message charset', () => {
    expect(u('caf\\XE9\\', LATIN1)).toBe('café');
    expect(u('caf\\XC3A9\\')).toBe('café');
    expect(u('line\\X0D0A\\next')).toBe('line\r\nnext');
  });

  it('When a UTF-8 character is split over adjacent hex escapes, then they are joined before decoding', () => {
    expect(u('\\XC3\\\\XA9\\!')).toBe('é!');
  });

  it('When hex bytes are invalid in the charset, odd-length or the charset is unknown, then they stay verbatim', () => {
    expect(u('a\\XE9\\b')).toBe('a\\XE9\\b');
    expect(u('a\\XABC\\b')).toBe('a\\XABC\\b');
    expect(unescapeHl7('a\\X41\\b', DEFAULT_ENCODING, undefined)).toBe('a\\X41\\b');
  });

  it('When formatting commands are used, then they become plain-text line breaks and spaces or disappear', () => {
    expect(u('one\\.br\\two')).toBe('one\ntwo');
    expect(u('a\\.sp\\b\\.sp 3\\c')).toBe('a\nb\n\n\nc');
    expect(u('a\\.sk 2\\b')).toBe('a  b');
    expect(u('\\H\\bold\\N\\ \\.in +4\\\\.ti -2\\\\.fi\\\\.nf\\x')).toBe('bold x');
    expect(u('a\\.ce\\b')).toBe('a\nb');
  });

  it('When a formatting count is huge, then it is capped at 100', () => {
    expect(u('\\.sp 999999999\\')).toBe('\n'.repeat(100));
  });

  it('When a locally defined or unknown escape is used, then it is kept verbatim', () => {
    expect(u('a\\Zcustom\\b')).toBe('a\\Zcustom\\b');
    expect(u('C:\\temp\\file')).toBe('C:\\temp\\file');
    expect(u('\\C2842\\x')).toBe('\\C2842\\x');
  });

  it('When an escape is never closed, then it is kept literally and later escapes still decode', () => {
    expect(u('path\\to')).toBe('path\\to');
    expect(u('a\\b^c\\S\\d')).toBe('a\\b^c^d');
  });
});

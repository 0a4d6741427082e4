import { Buffer } from 'node:buffer';
import { ErrorCode } from '../../errors/error-codes.ts';
import { IssueType } from '../../errors/outcomes.ts';
import { resolveCharset, UTF16, UTF8, type Hl7Charset } from './charsets.ts';
import { parseError } from './location.ts';
import type { ParseOptions } from './types.ts';

/** Default of {@link ParseOptions.maxBytes}: 16 MiB. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Input turned into text, ready to be split into segments. */
export interface DecodedInput {
  /** The text, without BOM. */
  text: string;
  /** The charset the bytes were decoded with; undefined when the input already was a string. */
  charset?: Hl7Charset;
}

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isIdChar = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39));
const isDelimiter = (c: number | undefined): boolean =>
  c !== undefined && c > 0x20 && c < 0x7f && !isIdChar(c) && !(c >= 0x61 && c <= 0x7a);

/**
 * Tells whether text at `at` starts like an HL7 segment: three upper-case letters or digits, then a
 * printable ASCII punctuation character (the field separator). Works on bytes and on strings alike.
 * @param code - Reads the character code at a position.
 * @param at - Where the first non-blank character is.
 * @returns True when it looks like a segment.
 */
export function looksLikeSegment(code: (i: number) => number | undefined, at: number): boolean {
  return isIdChar(code(at)) && isIdChar(code(at + 1)) && isIdChar(code(at + 2)) && isDelimiter(code(at + 3));
}

function firstNonSpace(code: (i: number) => number | undefined, from: number, length: number): number {
  let i = from;
  while (i < length && isSpace(code(i))) i++;
  return i;
}

function notHl7(): Error {
  return parseError(
    ErrorCode.ParseNotHl7,
    IssueType.Structure,
    'Input is not HL7 v2: it does not start with a segment (three upper-case letters or digits and a field separator, e.g. MSH|)',
  );
}

function checkSize(bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) {
    throw parseError(
      ErrorCode.ParseTooLarge,
      IssueType.TooLong,
      `Input is ${bytes} bytes, more than the ${maxBytes} bytes accepted`,
    );
  }
}

/**
 * Reads MSH-18 (first repetition, first component) straight from the bytes of the first MSH, so the bytes can
 * be decoded with the charset they declare. MSH-18 is the 17th field after `MSH|`, as MSH-1 is the separator.
 * @returns MSH-18, '' when absent; undefined when the input holds no MSH segment at all.
 */
function readMsh18(b: Uint8Array, from: number): string | undefined {
  let i = from;
  while (i < b.length) {
    if (b[i] === 0x4d && b[i + 1] === 0x53 && b[i + 2] === 0x48 && isDelimiter(b[i + 3])) {
      const fs = b[i + 3];
      const comp = b[i + 4];
      const rep = b[i + 5];
      let seen = 0;
      let j = i + 4;
      // MSH-2 is the 1st piece after `MSH|`, so MSH-18 starts after the 16th separator.
      while (j < b.length && seen < 16 && b[j] !== 0x0d && b[j] !== 0x0a) if (b[j++] === fs) seen++;
      if (seen < 16) return '';
      let end = j;
      while (end < b.length && b[end] !== fs && b[end] !== comp && b[end] !== rep && b[end] !== 0x0d && b[end] !== 0x0a)
        end++;
      return String.fromCharCode(...b.subarray(j, Math.min(end, j + 64)));
    }
    while (i < b.length && b[i] !== 0x0d && b[i] !== 0x0a) i++;
    while (i < b.length && (b[i] === 0x0d || b[i] === 0x0a)) i++;
  }
  return undefined;
}

/** Finds where UTF-8 decoding fails, so the error can point at a byte offset instead of at content. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i] as number;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    // Overlong 3/4-byte forms, surrogates and code points above U+10FFFF.
    const c1 = b[i + 1] ?? 0;
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 >= 0xa0) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 >= 0x90)
    )
      return i;
    i += n + 1;
  }
  return -1;
}

function decodeBytes(bytes: Uint8Array, options: ParseOptions): DecodedInput {
  const code = (i: number): number | undefined => bytes[i];
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 4 && ((bytes[0] !== 0 && bytes[1] === 0 && bytes[3] === 0) || (bytes[0] === 0 && bytes[2] === 0)));
  if (utf16) {
    const text = UTF16.decode(bytes);
    if (text === undefined) throw notHl7();
    return { ...decodeString(text), charset: UTF16 };
  }
  const first = firstNonSpace(code, start, bytes.length);
  if (first >= bytes.length) throw emptyInput();
  if (!looksLikeSegment(code, first)) throw notHl7();
  const declared = readMsh18(bytes, first) ?? '';
  const name = declared.trim() === '' ? (options.defaultCharset ?? '') : declared;
  const charset = name.trim() === '' ? UTF8 : resolveCharset(name);
  if (!charset) {
    throw parseError(
      ErrorCode.ParseUnsupportedCharset,
      IssueType.NotSupported,
      `Character set declared in MSH-18 is not supported (supported: ASCII, UNICODE UTF-8, 8859/1 to 8859/9, 8859/15, UNICODE UTF-16, GB 18030-2000, BIG-5, KS X 1001)`,
      declared.trim() === '' ? undefined : { segment: 'MSH', occurrence: 1, field: 18 },
    );
  }
  const text = charset.decode(bytes.subarray(start));
  if (text === undefined) {
    const at = charset === UTF8 ? firstInvalidUtf8(bytes.subarray(start)) : -1;
    throw parseError(
      ErrorCode.ParseInvalidValue,
      IssueType.Invalid,
      `Input bytes are not valid ${charset.name}${at >= 0 ? ` (first invalid byte at offset ${at + start})` : ''}`,
    );
  }
  return { text, charset };
}

function emptyInput(): Error {
  return parseError(ErrorCode.ParseEmpty, IssueType.Required, 'Input is empty (no HL7 segments)');
}

function decodeString(input: string): DecodedInput {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const code = (i: number): number | undefined => (i < text.length ? text.charCodeAt(i) : undefined);
  const first = firstNonSpace(code, 0, text.length);
  if (first >= text.length) throw emptyInput();
  if (!looksLikeSegment(code, first)) throw notHl7();
  return { text };
}

/**
 * Turns raw input into text. Bytes are decoded with the charset MSH-18 declares (read from the bytes before
 * decoding); a UTF-8 BOM is dropped, a UTF-16 BOM or UTF-16 byte pattern selects UTF-16.
 * @param input - The message or batch, as received.
 * @param options - Size limit and default charset.
 * @returns The text and the charset used.
 * @throws AdapterError `parse.too-large` (checked before decoding), `parse.empty`, `parse.not-hl7`,
 *   `parse.unsupported-charset`, or `parse.invalid-value` when the bytes are not valid in their charset.
 */
export function decodeInput(input: string | Uint8Array, options: ParseOptions = {}): DecodedInput {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof input !== 'string') {
    checkSize(input.byteLength, maxBytes);
    return decodeBytes(input, options);
  }
  // A string's UTF-8 size is between its length and three times it; only count when it matters.
  if (input.length > maxBytes) checkSize(input.length, maxBytes);
  else if (input.length * 3 > maxBytes) checkSize(Buffer.byteLength(input, 'utf8'), maxBytes);
  return decodeString(input);
}

import { Buffer } from 'node:buffer';
import { resolveCharset } from '../../parse/hl7v2/index.ts';
import { ackHeaderFromSegment, pieceOf, type AckHeader, type RawHeaderSegment } from './ack-header.ts';

/** How far into the bytes a header segment is looked for: a batch's first MSH follows FHS and BHS closely. */
const MAX_SCAN_BYTES = 64 * 1024;

const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');
const utf8Lenient = new TextDecoder('utf-8');

const isIdChar = (c: string): boolean => /^[A-Z0-9]$/.test(c);
const isDelimiter = (c: string): boolean => c.length === 1 && c > ' ' && c < '\x7f' && !/[A-Za-z0-9]/.test(c);

/** A header segment read from raw text, exposing its fields like a parsed segment. */
class RawSegment implements RawHeaderSegment {
  readonly id: string;
  readonly #parts: string[];
  readonly #sep: string;

  constructor(line: string) {
    this.id = line.slice(0, 3);
    this.#sep = line.charAt(3);
    this.#parts = line.split(this.#sep);
  }

  rawField(field: number): string {
    if (!Number.isInteger(field) || field < 1) return '';
    // parts[0] is the segment ID and parts[1] is field 2, as field 1 is the separator itself.
    return field === 1 ? this.#sep : (this.#parts[field - 1] ?? '');
  }
}

function isValidHeaderLine(line: string, id: string): boolean {
  if (!line.startsWith(id) || !isDelimiter(line.charAt(3))) return false;
  const sep = line.charAt(3);
  const end = line.indexOf(sep, 4);
  const enc = [...line.slice(4, end < 0 ? undefined : end)];
  return enc.length >= 4 && enc.length <= 5 && enc.every(isDelimiter) && new Set([sep, ...enc]).size === enc.length + 1;
}

/**
 * Decodes just enough of the bytes to find header lines. UTF-16 is decoded for real; anything else as latin1,
 * which maps bytes 1:1, so delimiters and MSH-18 can be found before the line is decoded in its own charset.
 */
function headText(bytes: Uint8Array): { text: string; final: boolean } {
  const b = bytes.subarray(0, MAX_SCAN_BYTES);
  if ((b[0] === 0xff && b[1] === 0xfe) || (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[3] === 0)) {
    return { text: utf16le.decode(b).replace(/^\ufeff/, ''), final: true };
  }
  if ((b[0] === 0xfe && b[1] === 0xff) || (b.length >= 4 && b[0] === 0 && b[2] === 0)) {
    return { text: utf16be.decode(b).replace(/^\ufeff/, ''), final: true };
  }
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  return { text: Buffer.from(b.buffer, b.byteOffset + start, b.byteLength - start).toString('latin1'), final: false };
}

/** Re-decodes one line's bytes with the charset MSH-18 names, so copied names keep their characters. */
function redecode(line: string, charsetName: string): string {
  const charset = charsetName === '' ? undefined : resolveCharset(charsetName);
  const bytes = Buffer.from(line, 'latin1');
  // A UTF-16 label on bytes that are not UTF-16 is wrong either way; UTF-8 keeps ASCII intact.
  if (charset && charset.name !== 'UTF-16') return charset.decode(bytes) ?? utf8Lenient.decode(bytes);
  return utf8Lenient.decode(bytes);
}

/**
 * Reads the first segment with ID `id` (default MSH) from raw message bytes without parsing the message:
 * used to answer frames that are too large or cannot be parsed, when their header is still readable.
 * Segments may end with CR, LF or CRLF; a UTF-8 BOM and UTF-16 input are handled.
 * @param bytes - The frame (or the first kilobytes of it).
 * @param id - `MSH`, or `BHS`/`FHS` for a batch envelope.
 * @returns The segment's raw fields, or undefined when no well-formed header segment is found.
 */
export function readHeaderSegment(bytes: Uint8Array, id = 'MSH'): RawHeaderSegment | undefined {
  const { text, final } = headText(bytes);
  let at = 0;
  while (at < text.length) {
    while (at < text.length && /\s/.test(text.charAt(at))) at++;
    let end = at;
    while (end < text.length && text.charAt(end) !== '\r' && text.charAt(end) !== '\n') end++;
    const line = text.slice(at, end);
    if (isValidHeaderLine(line, id)) {
      const raw = new RawSegment(line);
      if (final) return raw;
      // Only MSH names a charset (MSH-18); FHS and BHS lines are read as UTF-8.
      const enc = raw.rawField(2);
      const msh18 = id === 'MSH' ? pieceOf(pieceOf(raw.rawField(18), enc.charAt(1), 1), enc.charAt(0), 1) : '';
      return new RawSegment(redecode(line, msh18.trim()));
    }
    // Stop at the first line that is not a segment at all: whatever follows is not a message we can answer.
    if (!(line.length >= 4 && isIdChar(line.charAt(0)) && isIdChar(line.charAt(1)) && isIdChar(line.charAt(2)))) {
      return undefined;
    }
    at = end;
  }
  return undefined;
}

/**
 * Reads what an ACK needs from the first MSH in raw bytes (see {@link readHeaderSegment}).
 * @param bytes - The frame or its head.
 * @returns The header, or undefined when no readable MSH is found.
 */
export function readHeader(bytes: Uint8Array): AckHeader | undefined {
  const msh = readHeaderSegment(bytes, 'MSH');
  return msh ? ackHeaderFromSegment(msh) : undefined;
}

import { Buffer } from 'node:buffer';
import { resolveCharset } from '../../parse/hl7v2/index.ts';

/** MSH-18 we switch to when the declared charset cannot carry the ACK's characters. */
export const FALLBACK_CHARSET = 'UNICODE UTF-8';

/** An encoded acknowledgment. */
export interface EncodedAck {
  bytes: Buffer;
  /** The charset the bytes are in (canonical name), e.g. `UTF-8`, `ISO-8859-1`. */
  charset: string;
  /** True when MSH-18 was rewritten to {@link FALLBACK_CHARSET} because the declared one could not be written. */
  relabelled: boolean;
}

type Encoder = (text: string) => Buffer | undefined;

const utf8: Encoder = (t) => Buffer.from(t, 'utf8');
const below = (t: string, limit: number): boolean => {
  for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) >= limit) return false;
  return true;
};
const ascii: Encoder = (t) => (below(t, 0x80) ? Buffer.from(t, 'latin1') : undefined);
const latin1: Encoder = (t) => (below(t, 0x100) ? Buffer.from(t, 'latin1') : undefined);
const utf16: Encoder = (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]);

/**
 * An encoder for a single-byte charset, derived from its decoder: every byte 0x80-0xFF decoded once, the map
 * inverted. TextDecoder can decode these charsets but nothing in Node encodes them, and a table is exact.
 */
function singleByte(label: string): Encoder {
  const decoder = new TextDecoder(label);
  const table = new Map<string, number>();
  for (let b = 0x80; b <= 0xff; b++) {
    const c = decoder.decode(Uint8Array.of(b));
    if (c !== '\ufffd' && !table.has(c)) table.set(c, b);
  }
  return (t) => {
    const out = Buffer.allocUnsafe(t.length);
    for (let i = 0; i < t.length; i++) {
      const code = t.charCodeAt(i);
      if (code < 0x80) out[i] = code;
      else {
        const b = table.get(t.charAt(i));
        if (b === undefined) return undefined;
        out[i] = b;
      }
    }
    return out;
  };
}

const encoders = new Map<string, Encoder>();

/** Finds the encoder for a charset name as `resolveCharset` canonicalises it. */
function encoderFor(name: string): Encoder {
  const cached = encoders.get(name);
  if (cached) return cached;
  let e: Encoder;
  if (name === 'UTF-8') e = utf8;
  else if (name === 'ISO-8859-1') e = latin1;
  else if (name === 'UTF-16') e = utf16;
  else if (/^ISO-8859-\d+$/.test(name)) e = singleByte(name.toLowerCase());
  // ASCII, and the multi-byte East Asian charsets we can decode but not encode: ASCII text is the same bytes in
  // all of them, anything else falls back.
  else e = ascii;
  encoders.set(name, e);
  return e;
}

/** MSH-18 (first repetition, first component) of the first MSH in the text; '' when absent. */
function declaredCharset(text: string): string {
  const found = text.startsWith('MSH') ? 0 : text.indexOf('\rMSH');
  if (found < 0) return '';
  const at = found === 0 ? 0 : found + 1;
  const end = text.indexOf('\r', at);
  const line = text.slice(at, end < 0 ? undefined : end);
  const field = line.split(line.charAt(3))[17] ?? '';
  const [component, repetition] = [line.charAt(4), line.charAt(5)];
  return (field.split(repetition)[0] ?? '').split(component)[0]?.trim() ?? '';
}

/** Rewrites MSH-18 of every MSH in the text. */
function relabel(text: string, charset: string): string {
  return text
    .split('\r')
    .map((line) => {
      if (!line.startsWith('MSH') || line.length < 4) return line;
      const parts = line.split(line.charAt(3));
      while (parts.length < 18) parts.push('');
      parts[17] = charset;
      return parts.join(line.charAt(3));
    })
    .join('\r');
}

/**
 * Encodes an ACK (or a batch of ACKs) in the charset its MSH-18 declares, which `buildAck` copied from the
 * received message. Empty MSH-18 and UTF-8 give UTF-8; ISO-8859-1 is written byte for byte; the other ISO-8859
 * parts through a table inverted from their decoder; UTF-16 as little-endian with a BOM. ASCII and the East Asian
 * multi-byte charsets (GB 18030, BIG-5, KS X 1001) are written as is when the text is pure ASCII (the bytes are
 * the same in all of them). When the text holds a character the declared charset cannot carry, or the charset is
 * unknown and the text is not ASCII, MSH-18 is rewritten to `UNICODE UTF-8` and the text is written in UTF-8, so
 * the label always tells the truth about the bytes.
 * @param text - The ACK text.
 * @returns The bytes, the charset used and whether MSH-18 was changed.
 */
export function encodeAck(text: string): EncodedAck {
  const declared = declaredCharset(text);
  const name = declared === '' ? 'UTF-8' : (resolveCharset(declared)?.name ?? 'UNKNOWN');
  const bytes = encoderFor(name)(text);
  if (bytes) return { bytes, charset: name === 'UNKNOWN' ? 'ASCII' : name, relabelled: false };
  return { bytes: Buffer.from(relabel(text, FALLBACK_CHARSET), 'utf8'), charset: 'UTF-8', relabelled: true };
}

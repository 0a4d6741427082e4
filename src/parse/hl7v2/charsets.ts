import { Buffer } from 'node:buffer';

/** A character set named in MSH-18, able to turn the sender's bytes into text. */
export interface Hl7Charset {
  /** Canonical name, e.g. `UTF-8`, `ISO-8859-1`. */
  readonly name: string;
  /**
   * Decodes bytes in this charset.
   * @returns The text, or undefined when the bytes are not valid in this charset.
   */
  decode(bytes: Uint8Array): string | undefined;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

// WHATWG TextDecoder maps the 'iso-8859-1' label to windows-1252; HL7 8859/1 means the real ISO-8859-1,
// where every byte is the code point of the same value, which Buffer's latin1 decoding does exactly.
function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function viaTextDecoder(name: string, label: string): Hl7Charset {
  const decoder = new TextDecoder(label, { fatal: true });
  return {
    name,
    decode(bytes) {
      try {
        return decoder.decode(bytes);
      } catch {
        return undefined;
      }
    },
  };
}

/** UTF-8, the default when MSH-18 is empty (it is a superset of the ASCII HL7 implies). */
export const UTF8: Hl7Charset = { name: 'UTF-8', decode: decodeUtf8 };

/** Real ISO-8859-1 (not windows-1252). */
export const LATIN1: Hl7Charset = { name: 'ISO-8859-1', decode: decodeLatin1 };

/**
 * Declared ASCII yet holding bytes above 0x7F is common; rather than reject such messages we read them as
 * UTF-8 when they are valid UTF-8 (pure ASCII always is) and as ISO-8859-1 otherwise.
 */
export const ASCII: Hl7Charset = { name: 'ASCII', decode: (b) => decodeUtf8(b) ?? decodeLatin1(b) };

/** UTF-16 in either byte order; the order is taken from a BOM or from where the zero bytes of ASCII sit. */
export const UTF16: Hl7Charset = {
  name: 'UTF-16',
  decode(bytes) {
    const be = (bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0 && bytes[1] !== 0);
    return (be ? utf16be : utf16le).decode(bytes);
  },
};
const utf16le = viaTextDecoder('UTF-16LE', 'utf-16le');
const utf16be = viaTextDecoder('UTF-16BE', 'utf-16be');

/** MSH-18 values (HL7 table 0211, plus common spellings) mapped to decoders. */
const CHARSETS: ReadonlyMap<string, Hl7Charset> = new Map<string, Hl7Charset>([
  ['ASCII', ASCII],
  ['US-ASCII', ASCII],
  ['UNICODE UTF-8', UTF8],
  ['UTF-8', UTF8],
  ['UTF8', UTF8],
  ['8859/1', LATIN1],
  ['ISO-8859-1', LATIN1],
  ['8859/2', viaTextDecoder('ISO-8859-2', 'iso-8859-2')],
  ['8859/3', viaTextDecoder('ISO-8859-3', 'iso-8859-3')],
  ['8859/4', viaTextDecoder('ISO-8859-4', 'iso-8859-4')],
  ['8859/5', viaTextDecoder('ISO-8859-5', 'iso-8859-5')],
  ['8859/6', viaTextDecoder('ISO-8859-6', 'iso-8859-6')],
  ['8859/7', viaTextDecoder('ISO-8859-7', 'iso-8859-7')],
  ['8859/8', viaTextDecoder('ISO-8859-8', 'iso-8859-8')],
  // WHATWG decodes ISO-8859-9 as windows-1254, which differs only in 0x80-0x9F (C1 controls in 8859-9).
  ['8859/9', viaTextDecoder('ISO-8859-9', 'iso-8859-9')],
  ['8859/15', viaTextDecoder('ISO-8859-15', 'iso-8859-15')],
  ['ISO-8859-15', viaTextDecoder('ISO-8859-15', 'iso-8859-15')],
  ['UNICODE', UTF16],
  ['UNICODE UTF-16', UTF16],
  ['UTF-16', UTF16],
  ['GB 18030-2000', viaTextDecoder('GB18030', 'gb18030')],
  ['BIG-5', viaTextDecoder('BIG5', 'big5')],
  ['KS X 1001', viaTextDecoder('EUC-KR', 'euc-kr')],
]);

/**
 * Finds the decoder for an MSH-18 value.
 * @param msh18 - MSH-18 (first repetition, first component) as sent; case and surrounding spaces are ignored.
 * @returns The charset, or undefined when it is not supported (ISO IR14/87/159, UTF-32, anything unknown).
 */
export function resolveCharset(msh18: string): Hl7Charset | undefined {
  return CHARSETS.get(msh18.trim().replace(/\s+/g, ' ').toUpperCase());
}

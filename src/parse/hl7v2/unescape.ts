import { Buffer } from 'node:buffer';
import type { Hl7Charset } from './charsets.ts';
import type { EncodingCharacters } from './types.ts';

/** Upper bound for `\.sp n\` and `\.sk n\`, so a hostile count cannot blow up memory. */
const MAX_FORMAT_REPEAT = 100;

const FORMAT_WITH_NUMBER = /^\.(sp|sk|in|ti)\s*([+-]?\d+)?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/**
 * Index of the escape character closing the sequence opened at `open`, or -1 when the sequence is not closed
 * before the end of the text or a delimiter (a sequence never spans delimiters, so decoding a whole field
 * gives the same result as decoding each component).
 */
function closingEscape(text: string, open: number, enc: EncodingCharacters): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === enc.escape) return i;
    if (c === enc.field || c === enc.component || c === enc.repetition || c === enc.subcomponent) return -1;
  }
  return -1;
}

function formatting(seq: string): string | undefined {
  switch (seq) {
    case 'H': // start highlighting: plain text has none
    case 'N': // normal text
    case '.fi':
    case '.nf':
      return '';
    case '.br':
    case '.ce': // ends the current line; centring is dropped
      return '\n';
  }
  const m = FORMAT_WITH_NUMBER.exec(seq);
  if (!m) return undefined;
  const n = Math.min(Math.max(m[2] === undefined ? 1 : Number(m[2]), 1), MAX_FORMAT_REPEAT);
  if (m[1] === 'sp') return '\n'.repeat(n);
  if (m[1] === 'sk') return ' '.repeat(n);
  return ''; // .in / .ti: indentation is layout only
}

/**
 * Decodes HL7 v2 escape sequences using the message's own escape character.
 *
 * - `\F\ \S\ \T\ \R\ \E\` give the field, component, subcomponent, repetition and escape characters;
 *   `\P\` gives the 2.7 truncation character when the message declares one.
 * - `\Xhh..\` gives the bytes `hh..` decoded with the message charset; adjacent `\X..\` sequences are joined
 *   first so a UTF-8 character split over several of them still decodes. Kept verbatim when the charset is
 *   unknown or the bytes are invalid in it.
 * - Formatting commands become plain text: `\.br\` and `\.ce\` a line break, `\.sp n\` n line breaks,
 *   `\.sk n\` n spaces (n defaults to 1, capped at 100); `\H\ \N\ \.fi\ \.nf\ \.in n\ \.ti n\` are removed.
 * - Anything else (`\Zxx\` locally defined, `\C..\`/`\M..\` charset switches, unknown) is kept verbatim, and so
 *   is an escape character that never gets closed (real senders write lone backslashes).
 * @param text - Text of one field, repetition, component or subcomponent.
 * @param enc - The message's encoding characters.
 * @param charset - The message charset, for `\X..\`.
 * @returns The decoded text; `text` itself when it holds no escape character.
 */
export function unescapeHl7(text: string, enc: EncodingCharacters, charset?: Hl7Charset): string {
  const esc = enc.escape;
  let open = text.indexOf(esc);
  if (open < 0) return text;
  let out = '';
  let last = 0;
  while (open >= 0) {
    const close = closingEscape(text, open, enc);
    if (close < 0) {
      open = text.indexOf(esc, open + 1);
      continue;
    }
    const seq = text.slice(open + 1, close);
    let next = close + 1;
    let value: string | undefined;
    if (seq.length === 1) value = single(seq, enc);
    else if (seq[0] === 'X' && HEX.test(seq.slice(1))) {
      let hex = seq.slice(1);
      // Join directly following \X..\ sequences.
      while (text[next] === esc && text[next + 1] === 'X') {
        const c2 = closingEscape(text, next, enc);
        const more = c2 < 0 ? '' : text.slice(next + 2, c2);
        if (!HEX.test(more)) break;
        hex += more;
        next = c2 + 1;
      }
      value = charset?.decode(Buffer.from(hex, 'hex'));
    } else value = formatting(seq);
    if (value !== undefined) {
      out += text.slice(last, open) + value;
      last = next;
    }
    open = text.indexOf(esc, value === undefined ? close + 1 : next);
  }
  return last === 0 ? text : out + text.slice(last);
}

function single(seq: string, enc: EncodingCharacters): string | undefined {
  switch (seq) {
    case 'F':
      return enc.field;
    case 'S':
      return enc.component;
    case 'T':
      return enc.subcomponent;
    case 'R':
      return enc.repetition;
    case 'E':
      return enc.escape;
    case 'P':
      return enc.truncation;
    default:
      return formatting(seq);
  }
}

import { ErrorCode } from '../../errors/error-codes.ts';
import { IssueType } from '../../errors/outcomes.ts';
import { parseError } from './location.ts';
import type { EncodingCharacters, Hl7Location } from './types.ts';

/** The encoding characters HL7 recommends (`|^~\&`). */
export const DEFAULT_ENCODING: EncodingCharacters = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

// Letters, digits, blanks and controls would make segment IDs and values ambiguous.
const unusable = (c: string): boolean => /[\p{L}\p{N}\s\p{Cc}]/u.test(c);

/**
 * Reads the delimiters a header segment (MSH, FHS or BHS) declares: field separator at position 4 (MSH-1),
 * then 4 or 5 encoding characters (MSH-2: component, repetition, escape, subcomponent, and the 2.7
 * truncation character). Fully custom delimiters are allowed as long as they are usable.
 * @param line - The header segment's text.
 * @param at - Location of the header segment, for the error.
 * @returns The encoding characters.
 * @throws AdapterError `parse.invalid-msh` at field 1 or 2 when the delimiters are missing, repeated or unusable.
 */
export function readEncodingCharacters(line: string, at: Hl7Location): EncodingCharacters {
  const field = line.charAt(3);
  const fail = (fieldNo: number, why: string): Error =>
    parseError(ErrorCode.ParseInvalidMsh, IssueType.Structure, `${at.segment}-${fieldNo} ${why}`, {
      ...at,
      field: fieldNo,
    });
  if (field === '' || unusable(field)) {
    throw fail(1, 'must be the field separator: a punctuation character right after the segment ID');
  }
  const end = line.indexOf(field, 4);
  const chars = [...line.slice(4, end < 0 ? undefined : end)];
  if (chars.length < 4 || chars.length > 5) {
    throw fail(
      2,
      `must hold 4 or 5 encoding characters (component, repetition, escape, subcomponent, optional truncation); found ${chars.length}`,
    );
  }
  if (chars.some(unusable)) throw fail(2, 'holds a letter, digit, blank or control character');
  if (new Set([field, ...chars]).size !== chars.length + 1) {
    throw fail(2, 'repeats a delimiter: the encoding characters and the field separator must all differ');
  }
  const [component, repetition, escape, subcomponent, truncation] = chars as [string, string, string, string, string?];
  return truncation === undefined
    ? { field, component, repetition, escape, subcomponent }
    : { field, component, repetition, escape, subcomponent, truncation };
}

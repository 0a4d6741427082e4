import { ErrorCode } from '../../errors/error-codes.ts';
import { IssueType } from '../../errors/outcomes.ts';
import { formatLocation, parseError, valueShape } from './location.ts';
import type { Hl7Location } from './types.ts';

/** A number read from an HL7 NM value, keeping how it was written. */
export interface Hl7Number {
  /** The value as a double (may round beyond ~15 significant digits: use `text` for output). */
  value: number;
  /**
   * The number in FHIR decimal form, keeping the precision sent: `+007.50` gives `7.50`, `.5` gives `0.5`,
   * `5.` gives `5`. A JSON writer that must keep trailing zeros writes this text instead of `value`.
   */
  text: string;
  /** Digits written after the decimal point (2 for `5.10`). */
  decimals: number;
}

// HL7 NM: optional sign, digits, optional decimal point; at least one digit. No exponent, no grouping.
const NM = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Reads an HL7 NM value. Leading zeros, surrounding blanks and a leading `+` are tolerated; anything else
 * (`1,5`, `1e5`, `12abc`, `.`, '') is not a number.
 * @param text - The NM text.
 * @returns The number, or undefined when the text is not an NM (the caller names the location in its
 *   error, or uses {@link requireHl7Number}).
 */
export function parseHl7Number(text: string): Hl7Number | undefined {
  const m = NM.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction] = m;
  if (whole === '' && (fraction === undefined || fraction === '')) return undefined;
  const intPart = whole.replace(/^0+(?=\d)/, '') || '0';
  const canonical = `${sign === '-' ? '-' : ''}${intPart}${fraction ? `.${fraction}` : ''}`;
  return { value: Number(canonical), text: canonical, decimals: fraction?.length ?? 0 };
}

/**
 * Like {@link parseHl7Number} but throws for text that is not an NM.
 * @param text - The NM text.
 * @param where - Where it was read.
 * @returns The number.
 * @throws AdapterError `parse.invalid-value` at `where`, with the value's shape but not its content.
 */
export function requireHl7Number(text: string, where: Hl7Location): Hl7Number {
  const n = parseHl7Number(text);
  if (n) return n;
  throw parseError(
    ErrorCode.ParseInvalidValue,
    IssueType.Value,
    `Not an HL7 number (NM: optional sign, digits, optional decimal point) at ${formatLocation(where)} (value shape '${valueShape(text.trim())}')`,
    where,
  );
}

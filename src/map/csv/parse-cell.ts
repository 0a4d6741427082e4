import type { Quantity } from '@medplum/fhirtypes';
import { significantDigits, type Num } from '../canonical-quantity.ts';
import type { CsvDateFormat } from './layout-types.ts';

const DATE_PATTERNS: Record<CsvDateFormat, { re: RegExp; y: number; m: number; d: number }> = {
  'YYYY-MM-DD': { re: /^(\d{4})-(\d{2})-(\d{2})/, y: 1, m: 2, d: 3 },
  'DD/MM/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})/, y: 3, m: 2, d: 1 },
  'MM/DD/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})/, y: 3, m: 1, d: 2 },
  'DD.MM.YYYY': { re: /^(\d{1,2})\.(\d{1,2})\.(\d{4})/, y: 3, m: 2, d: 1 },
  YYYYMMDD: { re: /^(\d{4})(\d{2})(\d{2})/, y: 1, m: 2, d: 3 },
};
// After the date: nothing, or a time `HH:MM[:SS]` separated by a space or `T`.
const TIME = /^(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** A parsed date cell: an R4 `dateTime` (a date, or a date-time with the layout's zone), or why it is not one. */
export type CellDate = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Reads a date or date-time cell in the layout's stated format. A date stays a date (no invented time); a time
 * gets the layout's zone. Impossible dates (31/02/2025) and the other order (13/25/2025 read as MM/DD) are refused.
 * @param text - The cell, trimmed.
 * @param format - The layout's date format.
 * @param timezone - `Z` or `±HH:MM`, for cells with a time.
 */
export function parseCellDate(text: string, format: CsvDateFormat, timezone: string): CellDate {
  const p = DATE_PATTERNS[format];
  const m = p.re.exec(text);
  if (!m) return { ok: false, reason: `not a date in the format ${format}` };
  const t = TIME.exec(text.slice(m[0].length));
  if (!t) return { ok: false, reason: `not a date in the format ${format}` };
  const year = Number(m[p.y]);
  const month = Number(m[p.m]);
  const day = Number(m[p.d]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) {
    return { ok: false, reason: `no such date (format ${format})` };
  }
  const date = `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
  if (t[1] === undefined) return { ok: true, value: date };
  const [hh, mm, ss] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
  if (hh > 23 || mm > 59 || ss > 59) return { ok: false, reason: 'no such time of day' };
  return { ok: true, value: `${date}T${pad(hh)}:${pad(mm)}:${pad(ss)}${timezone}` };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A parsed numeric cell: the number, and the comparator when the value was written as `<0.5` or `>=100`. */
export type CellNumber =
  { ok: true; num: Num; comparator?: NonNullable<Quantity['comparator']> } | { ok: false; reason: string };

const NUMBER = /^([<>]=?)?\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))$/;

/**
 * Reads a numeric cell: an optional comparator (`<`, `<=`, `>`, `>=`), then a decimal number, with a decimal comma
 * when the layout says so (`7,2`). Thousands separators and exponents are refused rather than guessed.
 * @param text - The cell, trimmed and not a missing-value marker.
 * @param decimalComma - Whether `,` is the decimal separator.
 */
export function parseCellNumber(text: string, decimalComma: boolean): CellNumber {
  let s = text;
  if (decimalComma) {
    if (s.includes('.')) return { ok: false, reason: 'a point in a number where the layout uses a decimal comma' };
    s = s.replace(',', '.');
  }
  const m = NUMBER.exec(s);
  if (!m || s.includes(',')) return { ok: false, reason: 'not a number' };
  const digits = m[2] as string;
  const num: Num = { value: Number(digits), digits: significantDigits(digits) };
  const comparator = m[1] as NonNullable<Quantity['comparator']> | undefined;
  return comparator ? { ok: true, num, comparator } : { ok: true, num };
}

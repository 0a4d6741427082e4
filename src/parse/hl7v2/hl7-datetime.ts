import { ErrorCode } from '../../errors/error-codes.ts';
import { IssueType } from '../../errors/outcomes.ts';
import { formatLocation, parseError, valueShape } from './location.ts';
import type { Hl7Location } from './types.ts';

/** How much of a date/time the sender gave. */
export type Hl7DateTimePrecision = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction';

/** A FHIR R4 date or dateTime made from an HL7 DTM/TS/DT value. */
export interface Hl7DateTime {
  /** FHIR `date` (year, month, day precision) or `dateTime` (with a time). */
  value: string;
  precision: Hl7DateTimePrecision;
  /** True when the value had a time but no zone, so {@link Hl7DateTimeOptions.defaultZone} was used. */
  zoneAssumed: boolean;
}

/** Options of {@link parseHl7DateTime}. */
export interface Hl7DateTimeOptions {
  /** Zone for times sent without one: `Z` or `±hh:mm` (the sender's configured time zone). */
  defaultZone: string;
  /** Where the value was read, named in the error. */
  where?: Hl7Location;
}

// YYYY[MM[DD[HH[MM[SS[.S+]]]]]][±ZZZZ]; HL7 allows 1-4 fraction digits, up to 9 are tolerated (FHIR allows any).
const DTM = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,9}))?([+-]\d{4})?$/;
const ZONE = /^(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$/;
const PRECISIONS: readonly Hl7DateTimePrecision[] = ['year', 'month', 'day', 'hour', 'minute', 'second'];

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function invalid(value: string, why: string, where: Hl7Location | undefined): Error {
  const at = where ? ` at ${formatLocation(where)}` : '';
  return parseError(
    ErrorCode.ParseInvalidValue,
    IssueType.Value,
    `Invalid HL7 date/time${at}: ${why} (value shape '${valueShape(value)}')`,
    where,
  );
}

/**
 * Turns an HL7 DTM (also TS component 1 and DT) into a FHIR R4 date or dateTime with the precision sent:
 * `2026` → `2026`, `202611` → `2026-11`, `20261121` → `2026-11-21` (a date: no time, no zone, a zone sent
 * with a date is dropped because FHIR dates have none).
 *
 * Once a time is given FHIR requires seconds and a zone, so `2026112108` becomes `2026-11-21T08:00:00+08:00`:
 * the missing minutes and seconds are written as 00 (the precision field still says `hour`), and a missing
 * zone is taken from `defaultZone` with `zoneAssumed: true`. Fractions are kept as sent. Surrounding blanks
 * are ignored. Leap seconds (second 60) are refused.
 * @param value - The HL7 value.
 * @param options - Default zone and the location for errors.
 * @returns The FHIR value and what was sent.
 * @throws AdapterError `parse.invalid-value` naming what is wrong (bad month, day, hour, zone, length,
 *   characters) and the value's shape, never the value; `config.invalid` when `defaultZone` is malformed.
 */
export function parseHl7DateTime(value: string, options: Hl7DateTimeOptions): Hl7DateTime {
  const { where } = options;
  const text = value.trim();
  const m = DTM.exec(text);
  if (!m) {
    const why = /[^0-9.+-]/.test(text)
      ? 'it holds characters other than digits, one decimal point and a zone sign'
      : 'expected YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ] (wrong length or layout)';
    throw invalid(text, why, where);
  }
  const [, year, month, day, hour, minute, second, fraction, zone] = m;
  const parts = [year, month, day, hour, minute, second];
  const given = parts.filter((p) => p !== undefined).length;
  if (fraction !== undefined && second === undefined) throw invalid(text, 'a fraction needs seconds', where);
  const y = Number(year);
  if (y === 0) throw invalid(text, 'year 0000 does not exist', where);
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) {
    throw invalid(text, 'month must be 01-12', where);
  }
  if (day !== undefined && (Number(day) < 1 || Number(day) > daysInMonth(y, Number(month)))) {
    throw invalid(text, 'day does not exist in that month', where);
  }
  if (hour !== undefined && Number(hour) > 23) throw invalid(text, 'hour must be 00-23', where);
  if (minute !== undefined && Number(minute) > 59) throw invalid(text, 'minute must be 00-59', where);
  if (second !== undefined && Number(second) > 59) throw invalid(text, 'second must be 00-59', where);
  const date = [year, month, day].filter((p) => p !== undefined).join('-');
  const precision = fraction !== undefined ? 'fraction' : (PRECISIONS[given - 1] as Hl7DateTimePrecision);
  if (hour === undefined) return { value: date, precision, zoneAssumed: false };

  let offset: string;
  if (zone !== undefined) {
    offset = `${zone.slice(0, 3)}:${zone.slice(3)}`;
    if (!ZONE.test(offset)) throw invalid(text, 'zone offset must be between -14:00 and +14:00', where);
  } else {
    if (!ZONE.test(options.defaultZone)) {
      throw parseError(ErrorCode.ConfigInvalid, IssueType.Invalid, 'Default time zone must be Z or +hh:mm / -hh:mm');
    }
    offset = options.defaultZone;
  }
  const time = `${hour}:${minute ?? '00'}:${second ?? '00'}${fraction === undefined ? '' : `.${fraction}`}`;
  return { value: `${date}T${time}${offset}`, precision, zoneAssumed: zone === undefined };
}

/**
 * Turns an HL7 DTM into a FHIR R4 instant (e.g. for `issued`), which must hold a time down to the second and a
 * zone. Minute precision is accepted with seconds written as 00 (senders often stop at minutes); hour, day or
 * coarser values are refused because an instant made from them would claim a time that was never sent.
 * @param value - The HL7 value.
 * @param options - Default zone and the location for errors.
 * @returns The instant and what was sent.
 * @throws AdapterError `parse.invalid-value` when invalid or less precise than a minute.
 */
export function toFhirInstant(value: string, options: Hl7DateTimeOptions): Hl7DateTime {
  const dt = parseHl7DateTime(value, options);
  if (dt.precision !== 'minute' && dt.precision !== 'second' && dt.precision !== 'fraction') {
    throw invalid(
      value.trim(),
      `an instant needs at least minutes, but only the ${dt.precision} was sent`,
      options.where,
    );
  }
  return dt;
}

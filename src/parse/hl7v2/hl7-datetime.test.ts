import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { parseHl7DateTime, toFhirInstant } from './hl7-datetime.ts';
import { catchAdapterError, diagnostics, hl7Where } from './test-support.ts';

const opts = { defaultZone: '+08:00' };
const where = { segment: 'PID', occurrence: 1, field: 7 };

describe('parseHl7DateTime', () => {
  it('When only a date part is sent, then a FHIR date of the same precision is produced', () => {
    expect(parseHl7DateTime('2026', opts)).toEqual({ value: '2026', precision: 'year', zoneAssumed: false });
    expect(parseHl7DateTime('202611', opts)).toEqual({ value: '2026-11', precision: 'month', zoneAssumed: false });
    expect(parseHl7DateTime('20261121', opts)).toEqual({ value: '2026-11-21', precision: 'day', zoneAssumed: false });
  });

  it('When a date comes with a zone, then the zone is dropped (FHIR dates have none)', () => {
    expect(parseHl7DateTime('20261121-0500', opts).value).toBe('2026-11-21');
  });

  it('When a time has no zone, then seconds are filled and the default zone is assumed', () => {
    expect(parseHl7DateTime('2026112108', opts)).toEqual({
      value: '2026-11-21T08:00:00+08:00',
      precision: 'hour',
      zoneAssumed: true,
    });
    expect(parseHl7DateTime('202611210830', { defaultZone: 'Z' }).value).toBe('2026-11-21T08:30:00Z');
  });

  it('When a time has a zone, then the zone is kept in FHIR form', () => {
    expect(parseHl7DateTime('202611210830-0500', opts)).toEqual({
      value: '2026-11-21T08:30:00-05:00',
      precision: 'minute',
      zoneAssumed: false,
    });
  });

  it('When a fraction is sent, then it is kept as sent', () => {
    expect(parseHl7DateTime('20261121083015.1234+0100', opts)).toEqual({
      value: '2026-11-21T08:30:15.1234+01:00',
      precision: 'fraction',
      zoneAssumed: false,
    });
    expect(parseHl7DateTime('20261121083015', opts).precision).toBe('second');
  });

  it('When the value has surrounding blanks, then they are ignored', () => {
    expect(parseHl7DateTime(' 20240229 ', opts).value).toBe('2024-02-29');
  });

  it.each([
    ['20261321', 'month must be 01-12'],
    ['20260230', 'day does not exist in that month'],
    ['20250229', 'day does not exist in that month'],
    ['2026112125', 'hour must be 00-23'],
    ['202611210860', 'minute must be 00-59'],
    ['20261121083060', 'second must be 00-59'],
    ['202611210830+2500', 'zone offset must be between -14:00 and +14:00'],
    ['2026O121', 'characters other than digits'],
    ['2026-11-21', 'wrong length or layout'],
    ['20261', 'wrong length'],
    ['202611211', 'wrong length'],
    ['2026112108.5', 'a fraction needs seconds'],
    ['', 'wrong length'],
    ['00001121', 'year 0000'],
  ])('When the value is %s, then it is parse.invalid-value saying "%s"', (value, why) => {
    const err = catchAdapterError(() => parseHl7DateTime(value, { ...opts, where }));
    expect(err.code).toBe(ErrorCode.ParseInvalidValue);
    expect(hl7Where(err)).toBe('PID[1].7');
    expect(diagnostics(err)).toContain(why);
  });

  it('When an error is reported, then it shows the shape of the value but not the value', () => {
    const err = catchAdapterError(() => parseHl7DateTime('19731332', { ...opts, where }));
    expect(diagnostics(err)).toContain("'99999999'");
    expect(diagnostics(err)).not.toContain('1973');
  });

  it('When the default zone is malformed, then it is a configuration error', () => {
    expect(catchAdapterError(() => parseHl7DateTime('2026112108', { defaultZone: '+8' })).code).toBe(
      ErrorCode.ConfigInvalid,
    );
  });
});

describe('toFhirInstant', () => {
  it('When minutes or finer are sent, then an instant with seconds and zone is produced', () => {
    expect(toFhirInstant('202611210830', opts).value).toBe('2026-11-21T08:30:00+08:00');
    expect(toFhirInstant('20261121083015.12-0300', opts).value).toBe('2026-11-21T08:30:15.12-03:00');
  });

  it('When only a date or an hour is sent, then it is parse.invalid-value at the given location', () => {
    for (const value of ['20261121', '2026112108']) {
      const err = catchAdapterError(() => toFhirInstant(value, { ...opts, where }));
      expect(err.code).toBe(ErrorCode.ParseInvalidValue);
      expect(hl7Where(err)).toBe('PID[1].7');
      expect(diagnostics(err)).toContain('an instant needs at least minutes');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { formatLocation } from '../../parse/hl7v2/index.ts';
import { parseHl7Location } from './err-segment.ts';
import { escapeHl7, STANDARD_DELIMITERS } from './escape-hl7.ts';

describe('parseHl7Location', () => {
  it('When locations are written by the parser, then they read back to the same position', () => {
    const cases = [
      { segment: 'OBX', occurrence: 2, field: 5, component: 1 },
      { segment: 'PID', occurrence: 1, field: 3, repetition: 2, component: 4, subcomponent: 2 },
      { segment: 'MSH', occurrence: 1, field: 9 },
      { segment: 'NTE', occurrence: 3 },
    ];
    for (const loc of cases) {
      const back = parseHl7Location(formatLocation(loc));
      expect(back?.segment).toBe(loc.segment);
      expect(back?.sequence).toBe(loc.occurrence);
      expect(back?.field).toBe(loc.field);
      expect(back?.component).toBe(loc.component);
      expect(back?.subcomponent).toBe(loc.subcomponent);
      if (loc.field !== undefined) expect(back?.repetition).toBe(loc.repetition ?? 1);
    }
  });

  it('When an expression is a FHIR path or a file, then it is not a location', () => {
    expect(parseHl7Location('Observation.code')).toBeUndefined();
    expect(parseHl7Location('mappings/x.yaml:/rows/1')).toBeUndefined();
  });
});

describe('escapeHl7', () => {
  it('When text holds every delimiter, then each becomes its escape sequence', () => {
    expect(escapeHl7('a|b^c~d\\e&f\rg', STANDARD_DELIMITERS)).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\X0D\\g');
  });

  it('When the message declares a truncation character, then it is escaped too', () => {
    expect(escapeHl7('50#', { ...STANDARD_DELIMITERS, truncation: '#' })).toBe('50\\P\\');
    expect(escapeHl7('50#', STANDARD_DELIMITERS)).toBe('50#');
  });
});

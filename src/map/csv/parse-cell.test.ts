import { describe, expect, it } from 'vitest';
import { parseCellDate, parseCellNumber } from './parse-cell.ts';

describe('parseCellDate', () => {
  it.each([
    ['2025-03-12', 'YYYY-MM-DD', '2025-03-12'],
    ['12/03/2025', 'DD/MM/YYYY', '2025-03-12'],
    ['03/12/2025', 'MM/DD/YYYY', '2025-03-12'],
    ['1.3.2025', 'DD.MM.YYYY', '2025-03-01'],
    ['20250312', 'YYYYMMDD', '2025-03-12'],
    ['12/03/2025 07:30', 'DD/MM/YYYY', '2025-03-12T07:30:00+07:00'],
    ['2025-03-12T07:30:15', 'YYYY-MM-DD', '2025-03-12T07:30:15+07:00'],
    ['29/02/2024', 'DD/MM/YYYY', '2024-02-29'],
  ] as const)('When %s is read as %s, then it is %s', (text, format, value) => {
    expect(parseCellDate(text, format, '+07:00')).toEqual({ ok: true, value });
  });

  it.each([
    ['13/25/2025', 'MM/DD/YYYY', 'no such date'],
    ['25/12/2025', 'MM/DD/YYYY', 'no such date'],
    ['31/02/2025', 'DD/MM/YYYY', 'no such date'],
    ['29/02/2025', 'DD/MM/YYYY', 'no such date'],
    ['2025-03-12', 'DD/MM/YYYY', 'not a date'],
    ['12/03/2025 25:00', 'DD/MM/YYYY', 'no such time'],
    ['12/03/2025 morning', 'DD/MM/YYYY', 'not a date'],
  ] as const)('When %s is read as %s, then it is refused (%s)', (text, format, reason) => {
    const r = parseCellDate(text, format, 'Z');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain(reason);
  });
});

describe('parseCellNumber', () => {
  it.each([
    ['7.2', false, 7.2, 2, undefined],
    ['7,2', true, 7.2, 2, undefined],
    ['<0.5', false, 0.5, 1, '<'],
    ['>= 100', false, 100, 3, '>='],
    ['-1.50', false, -1.5, 3, undefined],
    ['.5', false, 0.5, 1, undefined],
  ] as const)(
    'When %s (decimal comma %s) is read, then it is %d with %i digits and comparator %s',
    (text, comma, value, digits, comparator) => {
      const r = parseCellNumber(text, comma);
      expect(r).toEqual({ ok: true, num: { value, digits }, ...(comparator ? { comparator } : {}) });
    },
  );

  it.each([
    ['7,2', false],
    ['7.2', true],
    ['1,234.5', false],
    ['1e3', false],
    ['high', false],
    ['~5', false],
  ] as const)('When %s (decimal comma %s) is read, then it is refused', (text, comma) => {
    expect(parseCellNumber(text, comma).ok).toBe(false);
  });
});

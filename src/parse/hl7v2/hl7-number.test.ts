import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { parseHl7Number, requireHl7Number } from './hl7-number.ts';
import { catchAdapterError, diagnostics, hl7Where } from './test-support.ts';

describe('parseHl7Number', () => {
  it.each([
    ['5', 5, '5', 0],
    ['-12.5', -12.5, '-12.5', 1],
    ['+3.25', 3.25, '3.25', 2],
    ['007.5', 7.5, '7.5', 1],
    ['  42  ', 42, '42', 0],
    ['.5', 0.5, '0.5', 1],
    ['5.', 5, '5', 0],
    ['000', 0, '0', 0],
  ])('When the text is "%s", then the value is %d written %s', (text, value, canonical, decimals) => {
    expect(parseHl7Number(text)).toEqual({ value, text: canonical, decimals });
  });

  it('When trailing zeros are sent, then the text keeps them so 5.10 stays distinct from 5.1', () => {
    expect(parseHl7Number('5.10')?.text).toBe('5.10');
    expect(parseHl7Number('5.10')?.decimals).toBe(2);
    expect(parseHl7Number('5.1')?.decimals).toBe(1);
  });

  it.each(['1,5', '1e5', '12abc', '.', '', '-', '+', '1.2.3', '- 1', '0x10', 'NaN', 'Infinity'])(
    'When the text is "%s", then it is not a number',
    (text) => {
      expect(parseHl7Number(text)).toBeUndefined();
    },
  );
});

describe('requireHl7Number', () => {
  it('When the text is a number, then it is returned', () => {
    expect(requireHl7Number('1.0', { segment: 'OBX', occurrence: 2, field: 5 }).text).toBe('1.0');
  });

  it('When the text is not a number, then it is parse.invalid-value at the location without the value', () => {
    const err = catchAdapterError(() =>
      requireHl7Number('12abc', { segment: 'OBX', occurrence: 2, field: 5, component: 1 }),
    );
    expect(err.code).toBe(ErrorCode.ParseInvalidValue);
    expect(hl7Where(err)).toBe('OBX[2].5.1');
    expect(diagnostics(err)).toContain("'99AAA'");
    expect(diagnostics(err)).not.toContain('12abc');
  });
});

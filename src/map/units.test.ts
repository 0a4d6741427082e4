import { describe, expect, it } from 'vitest';
import { convertUnit, resolveUnit, roundToSignificant, validUcum } from './units.ts';

describe('units', () => {
  it('When a unit is canonical UCUM, then it is valid; non-canonical spellings are not accepted on their own', () => {
    expect(validUcum('mmol/L')).toBe('mmol/L');
    expect(validUcum('10*9/L')).toBe('10*9/L');
    expect(validUcum('10^9/L')).toBeUndefined();
    expect(validUcum('mEq/L')).toBeUndefined();
  });

  it('When an alias exists, then it wins over the literal text', () => {
    expect(resolveUnit(' mEq/L ', new Map([['mEq/L', 'meq/L']]))).toEqual({ original: 'mEq/L', ucum: 'meq/L' });
    expect(resolveUnit('bogus', new Map())).toEqual({ original: 'bogus' });
  });

  it('When mass converts to substance, then the molar mass is required and used', () => {
    expect(convertUnit(126, 'mg/dL', 'mmol/L')).toMatchObject({ ok: false });
    const r = convertUnit(126, 'mg/dL', 'mmol/L', 180.16);
    expect(r.ok && roundToSignificant(r.value, 3)).toBe(6.994);
  });

  it('When both units are dimensionless, then UCUM is not trusted (HbA1c % is not 10 × mmol/mol)', () => {
    expect(convertUnit(6.5, '%', 'mmol/mol')).toMatchObject({ ok: false });
  });

  it('When a conversion is not a plain factor, then it is refused', () => {
    expect(convertUnit(37, 'Cel', '[degF]')).toMatchObject({ ok: false });
  });
});

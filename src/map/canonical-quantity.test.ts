import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalQuantity, significantDigits } from './canonical-quantity.ts';
import type { Mappings } from './mapping-types.ts';
import { loadMappings } from './load-mappings.ts';

const BASE = 'https://studybridge.org/fhir';
let mappings: Mappings;

beforeAll(async () => {
  mappings = await loadMappings('mappings');
});

describe('canonicalQuantity', () => {
  it('When the value is already in the canonical unit, then it is kept as sent with no extension', () => {
    const r = canonicalQuantity(
      { value: 7.2, digits: 2 },
      { original: '%', ucum: '%' },
      mappings.analytes.get('hba1c-ngsp'),
      BASE,
    );
    expect(r).toEqual({
      ok: true,
      quantity: { value: 7.2, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
  });

  it('When glucose is sent in mg/dL, then it is converted to mmol/L (one digit more than sent), the original kept', () => {
    const r = canonicalQuantity(
      { value: 126, digits: 3 },
      { original: 'mg/dL', ucum: 'mg/dL' },
      mappings.analytes.get('glucose-fasting'),
      BASE,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.quantity).toMatchObject({ value: 6.994, code: 'mmol/L' });
    expect(r.quantity.extension?.[0]).toEqual({
      url: `${BASE}/StructureDefinition/original-quantity`,
      valueQuantity: { value: 126, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    });
  });

  it('When the unit is not UCUM and has no alias, then the reason names the unit and the analyte', () => {
    const r = canonicalQuantity(
      { value: 5, digits: 1 },
      { original: 'furlongs' },
      mappings.analytes.get('glucose-fasting'),
      BASE,
    );
    expect(r).toEqual({ ok: false, reason: expect.stringContaining("unit 'furlongs' is not UCUM") });
    expect(r.ok ? '' : r.reason).toContain("analyte 'glucose-fasting'");
  });

  it.each([
    ['7.2', 2],
    ['0.0520', 3],
    ['-12', 2],
    ['0', 1],
  ])('When %s is written, then it has %i significant digits', (text, digits) => {
    expect(significantDigits(text)).toBe(digits);
  });
});

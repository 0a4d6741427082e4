import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import type { Mappings } from '../mapping-types.ts';
import { evaluateTemplate } from '../template/evaluate-template.ts';
import { loadTestMappings, segmentContext } from '../test-support.ts';

let mappings: Mappings;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ mappings, cleanup } = await loadTestMappings()));
afterAll(() => cleanup?.());

const DOSE = { $from: 'RXA.6', $as: 'quantity', $args: { unit: 'RXA.7' }, $unit: '10*6{cells}' };
const dose = (amount: string, unit: string, node: object = DOSE): unknown =>
  evaluateTemplate({ d: node }, segmentContext(mappings, `RXA|0|1|20250101||X^X^L|${amount}|${unit}`))?.d;

describe('quantity', () => {
  it('When the amount is sent in the wanted UCUM unit, then it is kept as sent', () => {
    expect(dose('68.4', '10*6{cells}^million cells^UCUM')).toEqual({
      value: 68.4,
      unit: '10*6{cells}',
      system: 'http://unitsofmeasure.org',
      code: '10*6{cells}',
    });
  });

  it('When the unit is an alias (10\\S\\6 cells), then the UCUM code is the wanted one and the text is kept', () => {
    expect(dose('70', '10\\S\\6 cells')).toEqual({
      value: 70,
      unit: '10^6 cells',
      system: 'http://unitsofmeasure.org',
      code: '10*6{cells}',
    });
  });

  it('When $get names the value, then only the number comes out', () => {
    expect(dose('70', '10*6{cells}^^UCUM', { ...DOSE, $get: 'value' })).toBe(70);
  });

  it('When the unit is missing or does not convert, then the error says so at the field', () => {
    for (const [unit, why, where] of [
      ['', /no unit was sent.*\(wanted unit 10\*6\{cells\}\)/, 'RXA[1].6'],
      ['mg^milligram^UCUM', /cannot convert mg to 10\*6\{cells\}/, 'RXA[1].7'],
    ] as const) {
      let error: unknown;
      try {
        dose('70', unit);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(AdapterError);
      expect((error as AdapterError).code).toBe('map.unit-conversion');
      expect((error as AdapterError).outcome.issue?.[0]?.diagnostics).toMatch(why);
      expect((error as AdapterError).outcome.issue?.[0]?.expression).toEqual([where]);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mappings } from '../mapping-types.ts';
import { evaluateTemplate } from '../template/evaluate-template.ts';
import { loadTestMappings, segmentContext } from '../test-support.ts';

let mappings: Mappings;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ mappings, cleanup } = await loadTestMappings()));
afterAll(() => cleanup?.());

const concept = (field: string): unknown =>
  evaluateTemplate({ c: { $from: 'ZZZ.1', $as: 'CodeableConcept' } }, segmentContext(mappings, `ZZZ|${field}`))?.c;

describe('CodeableConcept', () => {
  it('When a CWE has only its text component, then the text is that component, without separators', () => {
    expect(concept('^withdrew consent before the infusion')).toEqual({ text: 'withdrew consent before the infusion' });
  });

  it('When a CWE has original text, then it is the text, with the coding', () => {
    expect(concept('FEVER^Fever^L^^^^^^Fever 38.5 C on the day')).toEqual({
      coding: [{ system: 'https://example.org/strict-lab-codes', code: 'FEVER', display: 'Fever' }],
      text: 'Fever 38.5 C on the day',
    });
  });
});

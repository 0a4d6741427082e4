import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import type { Lookup, Mappings } from '../mapping-types.ts';
import { loadTestMappings, segmentContext } from '../test-support.ts';
import { evaluateTemplate } from './evaluate-template.ts';

let mappings: Mappings;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ mappings, cleanup } = await loadTestMappings()));
afterAll(() => cleanup?.());

const STUDIES: Lookup = {
  description: 'study of the test set',
  records: new Map<string, unknown>([
    ['STUDY-A', { id: 'study-a', identifier: [{ system: 'https://example.org/study', value: 'STUDY-A' }] }],
  ]),
};
const VISITS: Lookup = {
  description: 'visit of a study of the test set',
  records: new Map<string, unknown>([['STUDY-A|week-9', { code: 'week-9', day: 63 }]]),
  within: 'test-study',
};

/** Evaluates a template against a CTI, with the two test sets as the lookups. */
function evaluate(template: object, cti: string): Record<string, unknown> | undefined {
  const withSets: Mappings = {
    ...mappings,
    lookups: new Map([
      ['test-study', STUDIES],
      ['test-visit', VISITS],
    ]),
  };
  return evaluateTemplate(template, segmentContext(withSets, cti));
}

function errorOf(run: () => unknown): AdapterError {
  try {
    run();
  } catch (err) {
    if (err instanceof AdapterError) return err;
    throw err;
  }
  throw new Error('expected an AdapterError');
}

describe('$lookup', () => {
  it('When the key names a record, then $get picks a value inside it, list items by number', () => {
    const out = evaluate({ id: { $lookup: 'test-study', $key: 'CTI.1.1', $get: 'id' } }, 'CTI|STUDY-A^SPONSOR');
    expect(out).toEqual({ id: 'study-a' });
    const system = { $lookup: 'test-study', $key: 'CTI.1.1', $get: 'identifier.0.system' };
    expect(evaluate({ system }, 'CTI|STUDY-A')).toEqual({ system: 'https://example.org/study' });
  });

  it('When there is no $get, then the whole record is the value', () => {
    const out = evaluate({ visit: { $lookup: 'test-visit', $key: ['CTI.1.1', 'CTI.3.1'] } }, 'CTI|STUDY-A||week-9');
    expect(out).toEqual({ visit: { code: 'week-9', day: 63 } });
  });

  it('When a key field is empty, then nothing is produced, and $required makes that an error', () => {
    expect(evaluate({ v: { $lookup: 'test-visit', $key: ['CTI.1.1', 'CTI.3.1'] } }, 'CTI|STUDY-A')).toBeUndefined();
    const required = { v: { $lookup: 'test-visit', $key: ['CTI.1.1', 'CTI.3.1'], $required: true } };
    expect(errorOf(() => evaluate(required, 'CTI|STUDY-A')).code).toBe('map.required-missing');
  });

  it('When the key names no record, then the error says what was looked for and points at the last key field', () => {
    const err = errorOf(() =>
      evaluate({ v: { $lookup: 'test-visit', $key: ['CTI.1.1', 'CTI.3.1'] } }, 'CTI|STUDY-A||week-99'),
    );
    expect(err.code).toBe('map.invalid-value');
    expect(err.outcome.issue?.[0]?.diagnostics).toBe("'STUDY-A|week-99' names no visit of a study of the test set");
    expect(err.outcome.issue?.[0]?.expression).toEqual(['CTI[1].3.1']);
  });

  it("When the first key part is not in the set the lookup is within, then the error is that set's, at its field", () => {
    const err = errorOf(() =>
      evaluate({ v: { $lookup: 'test-visit', $key: ['CTI.1.1', 'CTI.3.1'] } }, 'CTI|STUDY-Z||week-9'),
    );
    expect(err.outcome.issue?.[0]?.diagnostics).toBe("'STUDY-Z' names no study of the test set");
    expect(err.outcome.issue?.[0]?.expression).toEqual(['CTI[1].1.1']);
  });

  it('When the path of $get leads nowhere, then nothing is produced', () => {
    expect(evaluate({ v: { $lookup: 'test-study', $key: 'CTI.1.1', $get: 'no.such' } }, 'CTI|STUDY-A')).toBeUndefined();
  });
});

describe('lookup condition', () => {
  const when = { lookup: 'test-visit', key: ['CTI.1.1', 'CTI.3.1'], get: 'day', equals: 63 };

  it('When the record holds the value at the path, then the condition holds', () => {
    expect(evaluate({ v: { $when: when, $from: 'CTI.3.1' } }, 'CTI|STUDY-A||week-9')).toEqual({ v: 'week-9' });
    expect(
      evaluate({ v: { $when: { ...when, equals: 64 }, $from: 'CTI.3.1' } }, 'CTI|STUDY-A||week-9'),
    ).toBeUndefined();
  });

  it('When the key names no record, then the condition is false and nothing is reported', () => {
    expect(evaluate({ v: { $when: when, $from: 'CTI.3.1' } }, 'CTI|STUDY-Z||week-9')).toBeUndefined();
    expect(evaluate({ v: { $when: { not: when }, $from: 'CTI.3.1' } }, 'CTI|STUDY-A||week-99')).toEqual({
      v: 'week-99',
    });
  });
});

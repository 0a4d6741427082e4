import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import { parseMessage } from '../../parse/hl7v2/index.ts';
import type { Lookup, Mappings } from '../mapping-types.ts';
import { loadTestMappings } from '../test-support.ts';
import { evaluateTemplate } from './evaluate-template.ts';
import type { EvalContext, ResourceInstance } from './map-context.ts';

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
};

/** Evaluates a template against the CTI of a small message, with the two test sets as the lookups. */
function evaluate(template: object, cti: string): Record<string, unknown> | undefined {
  const message = parseMessage(['MSH|^~\\&|STRICT|HOSP|SB|SB|20261121083000||ZRA^Z01|M1|P|2.5.1', cti].join('\r'));
  const segment = message.segments[1]!;
  const withSets: Mappings = {
    ...mappings,
    lookups: new Map([
      ['test-study', STUDIES],
      ['test-visit', VISITS],
    ]),
  };
  const ctx: EvalContext = {
    message,
    mappings: withSets,
    sender: mappings.senders[0]!,
    receivedAt: '2026-01-01T00:00:00Z',
    defaultZone: 'Z',
    instances: [],
    unmapped: [],
    lookups: new Map(),
    segment,
    scope: new Map([['CTI', segment]]),
    instance: {} as ResourceInstance,
  };
  return evaluateTemplate(template, ctx);
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

  it('When the path of $get leads nowhere, then nothing is produced', () => {
    expect(evaluate({ v: { $lookup: 'test-study', $key: 'CTI.1.1', $get: 'no.such' } }, 'CTI|STUDY-A')).toBeUndefined();
  });
});

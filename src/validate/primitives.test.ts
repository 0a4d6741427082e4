import { describe, expect, it } from 'vitest';
import { loadCoreDefinitions } from './definitions.ts';
import { buildPrimitiveRules } from './primitives.ts';
import { dedupe } from './validator.ts';

const rules = buildPrimitiveRules(
  [...loadCoreDefinitions().byType.values()].filter((sd) => sd.kind === 'primitive-type'),
);
const check = (type: string, value: unknown) => rules.get(type)?.check(value)?.reason ?? 'ok';

describe('primitive types', () => {
  it.each([
    ['dateTime', '2026-11-21', 'ok'],
    ['dateTime', '2026-11-21T07:30:00+01:00', 'ok'],
    ['dateTime', '2026-11-21T07:30:00', 'Invalid dateTime format'],
    ['dateTime', '2024-02-29', 'ok'],
    ['dateTime', '2026-02-29', 'Invalid dateTime: no such calendar day'],
    ['date', '0099-02-29', 'Invalid date: no such calendar day'],
    ['instant', '2026-11-21T07:30:00Z', 'ok'],
    ['instant', '2026-11-21', 'Invalid instant format'],
    ['code', 'final', 'ok'],
    ['code', ' final', 'Invalid code format'],
    ['id', 'a'.repeat(65), 'Invalid id format'],
    ['positiveInt', 0, 'positiveInt out of range 1..2147483647'],
    ['integer', 1.5, 'Expected an integer: not a whole number'],
    ['unsignedInt', 2 ** 31, 'unsignedInt out of range 0..2147483647'],
    ['decimal', '1.0', 'Expected a JSON number'],
    ['boolean', 'true', 'Expected a JSON boolean'],
    ['string', '', 'Empty string: omit the property instead'],
    ['string', '   ', 'String has no non-whitespace content'],
    ['uri', 'urn:uuid:1', 'Invalid uri: not a valid UUID after urn:uuid:'],
    ['uri', 'urn:uuid:2e0e81d7-e1fa-527e-b643-000000000041', 'ok'],
    ['uri', 'urn:oid:2.16.840.1.113883.6.1', 'ok'],
    ['uri', 'urn:oid:3.4.5.6.7', 'Invalid uri: not a valid OID after urn:oid:'],
    ['uri', 'urn:oid:1.02.3', 'Invalid uri: not a valid OID after urn:oid:'],
    ['canonical', 'urn:oid:9.9', 'Invalid canonical: not a valid OID after urn:oid:'],
    ['uri', 'https://example.org/urn:oid:3', 'ok'],
    ['base64Binary', 'aGVsbG8=', 'ok'],
    ['base64Binary', 'aGVsbG8', 'Invalid base64Binary format'],
    ['oid', 'urn:oid:1.2.3', 'ok'],
  ])('When a %s is %j, then the verdict is %s', (type, value, verdict) => {
    expect(check(type, value)).toBe(verdict);
  });

  it('When every R4 primitive is built, then each has a rule', () => {
    expect([...rules.keys()].sort()).toEqual([
      'base64Binary',
      'boolean',
      'canonical',
      'code',
      'date',
      'dateTime',
      'decimal',
      'id',
      'instant',
      'integer',
      'markdown',
      'oid',
      'positiveInt',
      'string',
      'time',
      'unsignedInt',
      'uri',
      'url',
      'uuid',
      'xhtml',
    ]);
  });
});

describe('dedupe', () => {
  it('When two issues have the same severity, code, path and text, then one is kept', () => {
    const a = {
      severity: 'error' as const,
      code: 'value' as const,
      diagnostics: 'x',
      expression: ['Observation.status'],
    };
    expect(dedupe([a, { ...a }, { ...a, expression: ['Observation.code'] }])).toHaveLength(2);
  });
});

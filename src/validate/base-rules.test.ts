import { describe, expect, it } from 'vitest';
import { studyPatient } from './fixtures.ts';
import { useValidator } from './test-support.ts';
import type { Loose } from './test-support.ts';

const v = useValidator();
const { errors, found, obs } = v;

describe('base R4 rules on a lab Observation', () => {
  it.each([
    ['status "bogus"', 'Observation.status', 'code-invalid', (o: Loose) => (o.status = 'bogus')],
    [
      'comparator "=>"',
      'Observation.valueQuantity.comparator',
      'code-invalid',
      (o: Loose) => (o.valueQuantity.comparator = '=>'),
    ],
    ['unknown property', 'Observation.foo', 'structure', (o: Loose) => (o.foo = 1)],
    [
      'unknown nested property',
      'Observation.code.coding[0].foo',
      'structure',
      (o: Loose) => (o.code.coding[0].foo = 'x'),
    ],
    ['empty string', 'Observation.code.text', 'value', (o: Loose) => (o.code.text = '')],
    ['number as string', 'Observation.valueQuantity.value', 'structure', (o: Loose) => (o.valueQuantity.value = '6.3')],
    [
      'dateTime without zone',
      'Observation.effectiveDateTime',
      'value',
      (o: Loose) => (o.effectiveDateTime = '2026-11-21T07:30:00'),
    ],
    ['non-existent day', 'Observation.effectiveDateTime', 'value', (o: Loose) => (o.effectiveDateTime = '2026-02-30')],
    [
      'uri with a space',
      'Observation.code.coding[0].system',
      'value',
      (o: Loose) => (o.code.coding[0].system = 'http://loinc .org'),
    ],
    [
      'object where an array is due',
      'Observation.identifier',
      'structure',
      (o: Loose) => (o.identifier = o.identifier[0]),
    ],
    ['array where one value is due', 'Observation.subject', 'structure', (o: Loose) => (o.subject = [o.subject])],
    ['empty array', 'Observation.performer', 'structure', (o: Loose) => (o.performer = [])],
    ['null in an array', 'Observation.performer[0]', 'structure', (o: Loose) => (o.performer = [null])],
    ['empty object', 'Observation.performer[0]', 'structure', (o: Loose) => (o.performer = [{}])],
    ['two value[x]', 'Observation.valueString', 'structure', (o: Loose) => (o.valueString = 'x')],
    [
      'qty-3: code without system',
      'Observation.referenceRange[0].low',
      'invariant',
      (o: Loose) => delete o.referenceRange[0].low.system,
    ],
    [
      'SimpleQuantity comparator',
      'Observation.referenceRange[0].low.comparator',
      'structure',
      (o: Loose) => (o.referenceRange[0].low.comparator = '<'),
    ],
    [
      'obs-3: empty reference range',
      'Observation.referenceRange[0]',
      'invariant',
      (o: Loose) => (o.referenceRange = [{ type: { text: 'x' } }]),
    ],
  ])('When a lab Observation has %s, then %s gets a %s error', (_name, path, code, change) => {
    const issues = errors(obs(change));
    expect(issues.map((i) => [i.expression?.[0], i.code])).toContainEqual([path, code]);
  });

  it('When Patient.gender is "unknownish", then Patient.gender is not in the required value set', () => {
    const r = { ...studyPatient(), gender: 'unknownish' };
    expect(found(r)).toEqual([
      'Patient.gender: Code not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender',
    ]);
  });

  it('When a CodeableConcept with a required binding has no code from it, then it fails', () => {
    const condition = {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'gone' }],
      },
    };
    expect(found(condition)).toEqual([
      expect.stringMatching(/^Condition.clinicalStatus: Code not in the required value set/),
    ]);
    condition.clinicalStatus.coding[0] = {
      system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
      code: 'active',
    };
    expect(errors(condition)).toEqual([]);
  });

  it('When a repeating primitive has a null matched by an extension, then it passes; a bare null fails', () => {
    const ext = [{ url: 'http://example.org/x', valueString: 'y' }];
    expect(errors({ ...studyPatient(), name: [{ given: ['A', null], _given: [null, { extension: ext }] }] })).toEqual(
      [],
    );
    expect(found({ ...studyPatient(), name: [{ given: ['A', null] }] })).toEqual([
      'Patient.name[0].given[1]: null is not a FHIR value: omit the property',
    ]);
  });

  it('When a contained resource is not referenced, then dom-3 fails; once referenced, it passes', () => {
    const contained = [{ resourceType: 'Practitioner', id: 'doc' }];
    expect(found(obs((o) => (o.contained = contained)))).toEqual([
      expect.stringMatching(/^Observation: Invariant dom-3/),
    ]);
    const referenced = obs((o) => {
      o.contained = contained;
      o.performer = [{ reference: '#doc' }];
    });
    expect(errors(referenced)).toEqual([]);
  });

  it('When a local reference names no contained resource, then ref-1 fails on that Reference', () => {
    expect(found(obs((o) => (o.performer = [{ reference: '#nobody' }])))).toEqual([
      expect.stringMatching(/^Observation.performer\[0\]: Invariant ref-1 failed/),
    ]);
  });

  it('When a Reference has only a display, then ref-1 holds (R5 reading of the R4 invariant)', () => {
    expect(errors(obs((o) => (o.performer = [{ display: 'Lab' }])))).toEqual([]);
  });

  it('When a contained resource is itself invalid, then its errors carry the path inside contained', () => {
    const r = obs((o) => {
      o.contained = [{ resourceType: 'Practitioner', id: 'doc', gender: 'x' }];
      o.performer = [{ reference: '#doc' }];
    });
    expect(found(r)).toEqual([
      expect.stringMatching(/^Observation.contained\[0\].gender: Code not in the required value set/),
    ]);
  });
});

describe('input that is not a resource', () => {
  it.each([
    [null, 'Resource'],
    ['text', 'Resource'],
    [{}, 'Resource.resourceType'],
    [{ resourceType: 'Nonsense' }, 'Resource.resourceType'],
    [{ resourceType: 'SubscriptionStatus' }, 'Resource.resourceType'],
  ])('When validating %j, then an error names %s and nothing throws', (input, path) => {
    expect(errors(input).map((i) => i.expression?.[0])).toEqual([path]);
  });
});

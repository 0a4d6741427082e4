import { describe, expect, it } from 'vitest';
import { labObservation } from './fixtures.ts';
import { useValidator } from './test-support.ts';

const v = useValidator();
const { errors, found, obs } = v;

describe('studybridge-lab-observation', () => {
  it('When a lab Observation follows the profile, then it has no issues at all', () => {
    expect(v.validator.validate(labObservation(0))).toEqual([]);
  });

  it('When code has no LOINC coding, then sb-obs-1 fails on the Observation', () => {
    const r = obs((o) => (o.code.coding[0].system = 'http://snomed.info/sct'));
    expect(found(r)).toEqual([expect.stringMatching(/^Observation: Invariant sb-obs-1 failed/)]);
  });

  it('When code comes from the study-measures code system instead of LOINC, then it passes', () => {
    const r = obs(
      (o) => (o.code.coding = [{ system: 'https://studybridge.org/fhir/CodeSystem/study-measures', code: 'x1' }]),
    );
    expect(errors(r)).toEqual([]);
  });

  it('When the LOINC coding has no code, then sb-obs-1 fails', () => {
    const r = obs((o) => delete o.code.coding[0].code);
    expect(found(r)).toEqual([expect.stringMatching(/sb-obs-1/)]);
  });

  it('When valueQuantity uses a non-UCUM system, then sb-obs-3 fails', () => {
    const r = obs((o) => (o.valueQuantity.system = 'http://example.org/units'));
    expect(found(r)).toEqual([expect.stringMatching(/^Observation: Invariant sb-obs-3 failed/)]);
  });

  it('When valueQuantity has no code, then sb-obs-3 fails', () => {
    const r = obs((o) => delete o.valueQuantity.code);
    expect(found(r)).toEqual([expect.stringMatching(/sb-obs-3/)]);
  });

  it('When valueQuantity has no numeric value but a foreign unit system, then sb-obs-3 still fails', () => {
    const r = obs((o) => (o.valueQuantity = { system: 'http://example.org/units', code: 'x' }));
    expect(found(r)).toEqual([expect.stringMatching(/sb-obs-3/)]);
  });

  it('When the UCUM code is not valid UCUM, then Observation.valueQuantity.code is rejected', () => {
    const r = obs((o) => (o.valueQuantity.code = 'MG/DL'));
    expect(found(r)).toEqual(['Observation.valueQuantity.code: Quantity.code is not a valid UCUM unit code']);
  });

  it('When subject is missing, then Observation.subject is required', () => {
    const r = obs((o) => delete o.subject);
    expect(found(r)).toEqual(['Observation.subject: Missing required element Observation.subject (min 1)']);
  });

  it('When subject refers to a Group, then the target type is rejected (Reference(Patient))', () => {
    const r = obs((o) => (o.subject = { reference: 'Group/g1' }));
    expect(found(r)).toEqual([
      'Observation.subject.reference: Reference to Group not allowed by Observation.subject (Patient)',
    ]);
  });

  it('When a final result has no effective[x], then sb-obs-2 fails', () => {
    const r = obs((o) => delete o.effectiveDateTime);
    expect(found(r)).toEqual([expect.stringMatching(/^Observation: Invariant sb-obs-2 failed/)]);
  });

  it('When a result still in process (registered) has no effective[x] and no value yet, then it passes', () => {
    const r = obs((o) => {
      o.status = 'registered';
      delete o.effectiveDateTime;
      delete o.valueQuantity;
    });
    expect(found(r)).toEqual([]);
  });

  it('When a cancelled or entered-in-error result has no effective[x] and no value, then it passes', () => {
    for (const status of ['cancelled', 'entered-in-error']) {
      const r = obs((o) => {
        o.status = status;
        delete o.effectiveDateTime;
        delete o.valueQuantity;
      });
      expect(errors(r)).toEqual([]);
    }
  });

  it('When a final, corrected or amended result has neither value nor dataAbsentReason, then sb-obs-4 fails', () => {
    for (const status of ['final', 'corrected', 'amended']) {
      const r = obs((o) => {
        o.status = status;
        delete o.valueQuantity;
      });
      expect(found(r)).toEqual([expect.stringMatching(/^Observation: Invariant sb-obs-4 failed/)]);
    }
  });

  it('When a final result has a dataAbsentReason instead of a value, then it passes', () => {
    const r = obs((o) => {
      delete o.valueQuantity;
      o.dataAbsentReason = {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error' }],
      };
    });
    expect(errors(r)).toEqual([]);
  });

  it('When both a value and a dataAbsentReason are present, then obs-6 fails', () => {
    const r = obs((o) => (o.dataAbsentReason = { text: 'not done' }));
    expect(found(r)).toEqual([expect.stringMatching(/^Observation: Invariant obs-6 failed/)]);
  });

  it('When value is a boolean, then the type is reported as not allowed by the profile', () => {
    const r = obs((o) => {
      delete o.valueQuantity;
      o.valueBoolean = true;
    });
    expect(found(r)).toContain('Observation.valueBoolean: Type Boolean is not allowed for Observation.value[x]');
  });

  it.each([
    ['valueString', 'positive'],
    ['valueCodeableConcept', { text: 'positive' }],
    ['valueRange', { low: { value: 1, system: 'http://unitsofmeasure.org', code: 'g' } }],
    ['valueRatio', { numerator: { value: 1 }, denominator: { value: 2 } }],
    ['valueDateTime', '2026-11-20'],
  ])('When value is the allowed %s, then it passes', (key, value) => {
    const r = obs((o) => {
      delete o.valueQuantity;
      o[key] = value;
    });
    expect(errors(r)).toEqual([]);
  });

  it('When no category is laboratory, then the laboratory slice fails', () => {
    const r = obs((o) => (o.category[0].coding[0].code = 'vital-signs'));
    expect(found(r)).toEqual(["Observation.category: Slice 'laboratory' needs 1..1 matching value(s), found 0"]);
  });

  it('When laboratory comes with another category, then it passes', () => {
    const r = obs((o) => o.category.unshift({ text: 'chemistry' }));
    expect(errors(r)).toEqual([]);
  });

  it('When category is missing, then Observation.category is required', () => {
    const r = obs((o) => delete o.category);
    expect(found(r)).toEqual(['Observation.category: Missing required element Observation.category (min 1)']);
  });
});

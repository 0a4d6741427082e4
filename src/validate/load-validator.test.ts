import type { Observation, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { labObservation, labReport, oruResources, studyPatient } from './fixtures.ts';
import { loadCoreDefinitions } from './definitions.ts';
import { coreLimitations, loadValidator } from './load-validator.ts';
import { PROFILES_DIR } from './profile-gen/write-profiles.ts';
import type { ResourceValidator } from './types.ts';

let validator: ResourceValidator;
beforeAll(async () => {
  validator = await loadValidator({ profilesDir: PROFILES_DIR });
});

const SB = 'https://studybridge.org/fhir/StructureDefinition/';
type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function errors(resource: unknown): OperationOutcomeIssue[] {
  return validator.validate(resource as Resource).filter((i) => i.severity === 'error');
}

/** `path: diagnostics` of each error, to assert on both at once. */
function found(resource: unknown): string[] {
  return errors(resource).map((i) => `${i.expression?.[0]}: ${i.diagnostics}`);
}

function obs(change: (o: Loose) => void): Observation {
  const o = labObservation(0) as Loose;
  change(o);
  return o as Observation;
}

describe('studybridge-lab-observation', () => {
  it('When a lab Observation follows the profile, then it has no issues at all', () => {
    expect(validator.validate(labObservation(0))).toEqual([]);
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

describe('meta.profile', () => {
  it('When a resource names a studybridge profile that is not loaded, then that is an error', () => {
    const r = obs((o) => (o.meta.profile = [`${SB}studybridge-lab-observation-v9`]));
    expect(found(r)).toEqual([
      `Observation.meta.profile[0]: Profile ${SB}studybridge-lab-observation-v9 is not loaded`,
    ]);
  });

  it('When a resource names a foreign profile, then it gets a warning and base R4 validation', () => {
    const r = obs((o) => {
      o.meta.profile = ['http://example.org/fhir/StructureDefinition/other'];
      delete o.subject; // required by our profile only
    });
    const issues = validator.validate(r);
    expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([['warning', 'Observation.meta.profile[0]']]);
  });

  it('When a Patient claims the lab Observation profile, then the mismatch is an error', () => {
    const r = { ...studyPatient(), meta: { profile: [`${SB}studybridge-lab-observation`] } };
    expect(found(r)).toEqual([
      expect.stringMatching(/^Patient.meta.profile\[0\]: Profile .* constrains Observation, not Patient/),
    ]);
  });

  it('When a resource claims no profile, then profile rules do not apply', () => {
    const r = obs((o) => {
      delete o.meta;
      delete o.subject;
    });
    expect(errors(r)).toEqual([]);
  });

  it('When the same profile is claimed twice, then each problem is reported once', () => {
    const r = obs((o) => {
      o.meta.profile = [o.meta.profile[0], `${o.meta.profile[0]}|0.1.0`];
      o.status = 'bogus';
    });
    expect(found(r).filter((f) => f.startsWith('Observation.status'))).toHaveLength(1);
  });

  it('When a versioned profile claim names another version, then it is an error', () => {
    const r = obs((o) => (o.meta.profile = [`${o.meta.profile[0]}|9.9.9`]));
    expect(found(r)).toEqual([expect.stringMatching(/is loaded in version 0.1.0/)]);
  });

  it('When a Bundle holds profiled resources, then each entry is checked against its own profile', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'urn:uuid:2b0b3c39-8d4e-4b8a-9a6f-000000000009', resource: obs((o) => delete o.subject) }],
    };
    expect(found(bundle)).toEqual([
      'Bundle.entry[0].resource.subject: Missing required element Observation.subject (min 1)',
    ]);
  });
});

describe('studybridge-lab-diagnostic-report and studybridge-patient', () => {
  it('When the report follows its profile, then it passes', () => {
    expect(validator.validate(labReport())).toEqual([]);
  });

  it('When the report has no identifier, no subject and no LAB category, then each is reported', () => {
    const r = labReport() as Loose;
    delete r.identifier;
    delete r.subject;
    r.category[0].coding[0].code = 'HM';
    expect(found(r).sort()).toEqual([
      "DiagnosticReport.category: Slice 'LAB' needs 1..1 matching value(s), found 0",
      'DiagnosticReport.identifier: Missing required element DiagnosticReport.identifier (min 1)',
      'DiagnosticReport.subject: Missing required element DiagnosticReport.subject (min 1)',
    ]);
  });

  it('When a Patient has no identifier, then Patient.identifier is required', () => {
    const r = studyPatient() as Loose;
    delete r.identifier;
    expect(found(r)).toEqual(['Patient.identifier: Missing required element Patient.identifier (min 1)']);
  });

  it('When a Patient identifier lacks system or value, then that child is required', () => {
    const r = studyPatient() as Loose;
    r.identifier = [{ system: 'urn:oid:1.2.3' }, { value: 'x' }];
    expect(found(r)).toEqual([
      'Patient.identifier[0].value: Missing required element Patient.identifier.value (min 1)',
      'Patient.identifier[1].system: Missing required element Patient.identifier.system (min 1)',
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

describe('the converter output of one ORU^R01', () => {
  it('When the 20 resources of a 15-OBX message are validated, then none has an issue', () => {
    const resources = oruResources();
    expect(resources).toHaveLength(20);
    expect(resources.flatMap((r) => validator.validate(r))).toEqual([]);
  });
});

describe('loading', () => {
  it('When loadValidator is called again, then the core definitions are reused and only profiles are read', async () => {
    const defs = loadCoreDefinitions();
    const start = performance.now();
    await loadValidator({ profilesDir: PROFILES_DIR });
    expect(performance.now() - start).toBeLessThan(200);
    expect(loadCoreDefinitions()).toBe(defs);
  });

  it('When the core definitions are compiled, then the only gaps are the known ones', () => {
    expect(coreLimitations().map((l) => l.replace(/\/snapshot.*?: /, ': '))).toEqual([
      expect.stringMatching(/^Money: Money.currency: Required binding not checked: code system urn:iso:std:iso:4217/),
      expect.stringMatching(/^CodeSystem: CodeSystem: Constraint csd-1: descendants\(\) is not implemented/),
      expect.stringMatching(
        /^MolecularSequence: .*Required binding not checked: value set http:\/\/loinc.org\/vs\/LL379-9/,
      ),
      expect.stringMatching(/^Questionnaire: Questionnaire: Constraint que-2: descendants\(\) is not implemented/),
      expect.stringMatching(
        /^StructureDefinition: StructureDefinition: Constraint sdf-9: children\(\) is not implemented/,
      ),
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { loadCoreDefinitions } from './definitions.ts';
import { labReport, oruResources, studyPatient } from './fixtures.ts';
import { coreLimitations, loadValidator } from './load-validator.ts';
import { PROFILES_DIR } from './profile-gen/write-profiles.ts';
import { SB, useValidator } from './test-support.ts';
import type { Loose } from './test-support.ts';

// Every core type compiled up front, as the service does, so that all known gaps are listed below.
const v = useValidator({ compileAll: true });
const { errors, found, obs } = v;

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
    const issues = v.validator.validate(r);
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
    expect(v.validator.validate(labReport())).toEqual([]);
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

describe('the converter output of one ORU^R01', () => {
  it('When the 20 resources of a 15-OBX message are validated, then none has an issue', () => {
    const resources = oruResources();
    expect(resources).toHaveLength(20);
    expect(resources.flatMap((r) => v.validator.validate(r))).toEqual([]);
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

import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { sampleBundle } from './test-fixtures.ts';
import {
  checkFullUrlsUnique,
  checkNoEmptyElements,
  checkOutputInvariants,
  checkReferences,
  checkResourcesValid,
  checkTransactionRequests,
  Invariant,
} from './invariants.ts';

/** A Bundle whose Observation points at `ref`, next to the given patient entry. */
function withReference(ref: string, patientEntry: NonNullable<Bundle['entry']>[number]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      patientEntry,
      {
        fullUrl: 'urn:uuid:obs',
        resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: ref } },
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  };
}

describe('invariant: references resolve inside the Bundle', () => {
  it('When every reference points at a fullUrl, then there is no issue', () => {
    expect(checkReferences(sampleBundle())).toEqual([]);
  });

  it('When a urn:uuid reference points at no entry, then its path is reported', () => {
    const bundle = withReference('urn:uuid:nobody', {
      fullUrl: 'urn:uuid:pat',
      resource: { resourceType: 'Patient' },
      request: { method: 'POST', url: 'Patient' },
    });
    expect(checkReferences(bundle)).toEqual([
      {
        invariant: Invariant.ReferenceResolves,
        path: 'entry[1].resource.subject.reference',
        message: 'reference "urn:uuid:nobody" resolves to no entry of the Bundle',
      },
    ]);
  });

  it('When a conditional reference matches a PUT request URL (also percent-encoded), then it resolves', () => {
    const patient = {
      fullUrl: 'urn:uuid:pat',
      resource: { resourceType: 'Patient' as const },
      request: { method: 'PUT' as const, url: 'Patient?identifier=urn:mrn|1' },
    };
    expect(checkReferences(withReference('Patient?identifier=urn:mrn|1', patient))).toEqual([]);
    expect(checkReferences(withReference('Patient?identifier=urn:mrn%7C1', patient))).toEqual([]);
    expect(checkReferences(withReference('Patient?identifier=urn:mrn|2', patient))).toHaveLength(1);
  });

  it('When a conditional reference matches a POST ifNoneExist, then it resolves', () => {
    const patient = {
      fullUrl: 'urn:uuid:pat',
      resource: { resourceType: 'Patient' as const },
      request: { method: 'POST' as const, url: 'Patient', ifNoneExist: 'identifier=urn:mrn|1' },
    };
    expect(checkReferences(withReference('Patient?identifier=urn:mrn|1', patient))).toEqual([]);
  });

  it('When Type/id is the tail of an absolute fullUrl or a PUT URL, then it resolves; otherwise not', () => {
    const absolute = {
      fullUrl: 'https://fhir.example/Patient/p1',
      resource: { resourceType: 'Patient' as const, id: 'p1' },
      request: { method: 'POST' as const, url: 'Patient' },
    };
    expect(checkReferences(withReference('Patient/p1', absolute))).toEqual([]);
    const put = { ...absolute, fullUrl: 'urn:uuid:p', request: { method: 'PUT' as const, url: 'Patient/p1' } };
    expect(checkReferences(withReference('Patient/p1', put))).toEqual([]);
    const idOnly = { ...absolute, fullUrl: 'urn:uuid:p' };
    expect(checkReferences(withReference('Patient/p1', idOnly))).toHaveLength(1);
  });

  it('When a #local reference names no contained resource, then it is reported', () => {
    const bundle = sampleBundle();
    const obs = bundle.entry![1]!.resource as { performer?: { reference: string }[]; contained?: unknown[] };
    obs.contained = [{ resourceType: 'Organization', id: 'lab' }];
    obs.performer = [{ reference: '#lab' }];
    expect(checkReferences(bundle)).toEqual([]);
    obs.performer = [{ reference: '#other' }];
    expect(checkReferences(bundle).map((i) => i.path)).toEqual(['entry[1].resource.performer[0].reference']);
  });
});

describe('invariant: fullUrls are unique', () => {
  it('When two entries share a fullUrl, then the second is reported', () => {
    const bundle = sampleBundle();
    bundle.entry![1]!.fullUrl = bundle.entry![0]!.fullUrl;
    expect(checkFullUrlsUnique(bundle)).toEqual([
      expect.objectContaining({ invariant: Invariant.FullUrlUnique, path: 'entry[1].fullUrl' }),
    ]);
    expect(checkFullUrlsUnique(sampleBundle())).toEqual([]);
  });
});

describe('invariant: a transaction with a request per entry', () => {
  it('When an entry lacks request.url or the Bundle is not a transaction, then both are reported', () => {
    const bundle = sampleBundle();
    bundle.type = 'collection';
    bundle.entry![1]!.request = { method: 'PUT' } as never;
    expect(checkTransactionRequests(bundle).map((i) => i.path)).toEqual(['type', 'entry[1].request']);
    expect(checkTransactionRequests(sampleBundle())).toEqual([]);
  });
});

describe('invariant: no empty elements', () => {
  it('When a value is "", [], {} or null anywhere, then each is reported with its path', () => {
    const value = { a: '', b: [], c: {}, d: null, e: [{ f: 'ok', g: [''] }], h: 0, i: false };
    expect(checkNoEmptyElements(value).map((i) => i.path)).toEqual(['a', 'b', 'c', 'd', 'e[0].g[0]']);
    expect(checkNoEmptyElements(sampleBundle())).toEqual([]);
  });
});

describe('invariant: resources pass the validator', () => {
  it('When the validator reports an error, then it fails; warnings do not', () => {
    const issues: OperationOutcomeIssue[] = [
      { severity: 'warning', code: 'value', diagnostics: 'just saying' },
      { severity: 'error', code: 'required', diagnostics: 'status is required', expression: ['Observation.status'] },
    ];
    const validator = { validate: (r: { resourceType: string }) => (r.resourceType === 'Observation' ? issues : []) };
    expect(checkResourcesValid(sampleBundle(), validator)).toEqual([
      {
        invariant: Invariant.ResourceValid,
        path: 'entry[1].resource (Observation Observation.status)',
        message: 'status is required',
      },
    ]);
  });

  it('When the validator throws, then that is a violation, not a crash', () => {
    const validator = {
      validate: () => {
        throw new Error('boom');
      },
    };
    expect(checkResourcesValid(sampleBundle(), validator)[0]?.message).toBe('validator threw: boom');
  });
});

describe('all invariants over an output', () => {
  it('When an array output holds a broken Bundle, then paths are prefixed with its index', () => {
    const broken = sampleBundle();
    broken.entry![0]!.fullUrl = '';
    const issues = checkOutputInvariants([sampleBundle(), broken]);
    expect(issues.map((i) => i.path)).toContain('[1].entry[0].fullUrl');
    expect(issues.map((i) => i.path)).toContain('[1].entry[1].resource.subject.reference');
  });

  it('When a failure OperationOutcome is in the output, then it is validated too', () => {
    const validator = { validate: () => [{ severity: 'error' as const, code: 'invalid' as const, diagnostics: 'x' }] };
    const outcome = {
      resourceType: 'OperationOutcome' as const,
      issue: [{ severity: 'error' as const, code: 'value' as const }],
    };
    expect(checkOutputInvariants(outcome, validator).map((i) => i.path)).toEqual(['(root) (OperationOutcome)']);
  });
});

describe('conditional references by identifier', () => {
  it("When a resource refers to another Bundle's resource by identifier, then it counts as resolvable; a search does not", () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:ae',
          resource: {
            resourceType: 'AdverseEvent',
            suspectEntity: [
              { instance: { reference: 'MedicationAdministration?identifier=https://x.org/ma|s-1/dose-2' } },
              { instance: { reference: 'MedicationAdministration?status=completed' } },
            ],
          },
          request: { method: 'PUT', url: 'AdverseEvent/ae' },
        },
      ],
    } as unknown as Bundle;
    expect(checkReferences(bundle).map((i) => i.path)).toEqual([
      'entry[0].resource.suspectEntity[1].instance.reference',
    ]);
  });
});

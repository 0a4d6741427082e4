import { evalFhirPath } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCoreDefinitions } from '../validate/definitions.ts';
import { dateRange } from './fhir-dates.ts';
import { compilePath } from './fhirpath-lite.ts';
import { SearchParamRegistry, SUPPORTED_PARAMS } from './search-params.ts';
import { convertExample } from './test-support.ts';

let resources: Resource[];
beforeAll(async () => {
  loadCoreDefinitions();
  resources = ((await convertExample()).entry ?? []).map((e) => e.resource as Resource);
  // References as stored (the router rewrites urn:uuid before writing).
  resources = JSON.parse(JSON.stringify(resources).replace(/urn:uuid:[0-9a-f-]+/g, 'Patient/x')) as Resource[];
}, 60_000);

describe('dateRange', () => {
  it('When a date has a precision, then the range covers it whole', () => {
    expect(dateRange('2026')).toEqual([Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)]);
    expect(dateRange('2026-02')).toEqual([Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)]);
    expect(dateRange('2026-11-20T07:30:00+08:00')).toEqual([
      Date.UTC(2026, 10, 19, 23, 30),
      Date.UTC(2026, 10, 19, 23, 30, 1),
    ]);
    expect(dateRange('2026-11-20T07:30:00.5Z')?.[1]).toBe(Date.UTC(2026, 10, 20, 7, 30, 0, 600));
    expect(dateRange('20261120')).toBeUndefined();
  });
});

describe('fast search-parameter extraction', () => {
  it('When every indexed parameter is extracted from converted resources, then the values equal the FHIRPath engine', () => {
    const registry = new SearchParamRegistry();
    let compared = 0;
    for (const resource of resources) {
      for (const def of registry.forType(resource.resourceType).values()) {
        const expected = evalFhirPath(def.expression, resource);
        expect(def.extract(resource), `${resource.resourceType}.${def.code}`).toEqual(expected);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('When an expression is outside the subset, then no fast path is claimed', () => {
    expect(compilePath("Observation.component.where(code.coding.code = 'x').value")).toBeUndefined();
    expect(compilePath('Observation.code')).toBeDefined();
  });

  it('When the registry lists a parameter, then it exists in the R4 definitions', () => {
    const registry = new SearchParamRegistry();
    for (const [type, codes] of Object.entries(SUPPORTED_PARAMS)) {
      expect([...registry.forType(type).keys()].sort(), type).toEqual([...codes].sort());
    }
  });
});

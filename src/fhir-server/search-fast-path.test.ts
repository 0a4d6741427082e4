import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSearchRequest, type SearchRequest } from '@medplum/core';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedFhir, type EmbeddedFhir } from './embedded-fhir.ts';

const MRN = 'https://example.org/mrn';
const OTHER = 'https://example.org/other';
let dir: string;
let fhir: EmbeddedFhir;

const patient = (id: string, identifier: Patient['identifier']): Patient => ({
  resourceType: 'Patient',
  id,
  identifier,
  gender: 'female',
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sb-fhir-fast-'));
  fhir = await openEmbeddedFhir({ file: path.join(dir, 'fhir.sqlite'), sync: 'normal' });
  const repo = fhir.repository;
  const opts = { assignedId: true };
  await repo.createResource(patient('a', [{ system: MRN, value: 'P-1' }]), opts);
  await repo.createResource(patient('b', [{ system: OTHER, value: 'P-1' }]), opts);
  await repo.createResource(patient('c', [{ value: 'P-1' }]), opts);
  await repo.createResource(
    patient('d', [
      { system: MRN, value: 'P-2' },
      { system: OTHER, value: 'P-2' },
    ]),
    opts,
  );
  await repo.createResource(patient('e', [{ system: MRN, value: 'a|b,c' }]), opts);
  await repo.createResource(patient('gone', [{ system: MRN, value: 'P-1' }]), opts);
  await repo.deleteResource('Patient', 'gone');
  await repo.createResource(
    {
      resourceType: 'Group',
      id: 'g',
      type: 'person',
      actual: true,
      identifier: [{ system: MRN, value: 'P-1' }],
    } as Resource,
    opts,
  );
});

afterAll(async () => {
  await fhir.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (resources: Resource[]): string[] => resources.map((r) => `${r.resourceType}/${r.id}`);

/** The resources of the full search (Bundle, paging, generic SQL compilation). */
async function generic(req: SearchRequest): Promise<string[]> {
  const bundle = await fhir.repository.search(req);
  return ids((bundle.entry ?? []).map((e) => e.resource as Resource));
}

describe('token lookup fast path of searchResources', () => {
  it.each([
    ['a system and a value', `Patient?identifier=${MRN}|P-1`, ['Patient/a']],
    ['a value without system (any system, or none)', 'Patient?identifier=P-1', ['Patient/a', 'Patient/b', 'Patient/c']],
    ['an explicitly empty system', 'Patient?identifier=|P-1', ['Patient/c']],
    ['a system only', `Patient?identifier=${MRN}|`, ['Patient/a', 'Patient/d', 'Patient/e']],
    ['escaped bar and comma in the value', `Patient?identifier=${MRN}|a\\|b\\,c`, ['Patient/e']],
    ['no match', `Patient?identifier=${MRN}|nope`, []],
    ['a resource with two identifiers matched once', 'Patient?identifier=P-2', ['Patient/d']],
  ])('When searching by %s, then it gives the same resources as the full search', async (_name, url, expected) => {
    const req = parseSearchRequest(url);
    const fast = ids(await fhir.repository.searchResources(req));
    expect(fast).toEqual(expected);
    expect(fast).toEqual(await generic(req));
  });

  it('When a conditional update asks for two matches of a multi-match identifier, then both come back in pk order', async () => {
    const req = { ...parseSearchRequest('Patient?identifier=P-1'), count: 2 };
    expect(ids(await fhir.repository.searchResources(req))).toEqual(['Patient/a', 'Patient/b']);
    expect(ids(await fhir.repository.searchResources(req))).toEqual(await generic(req));
  });

  it('When the search has more than one value or filter, then the full search answers it', async () => {
    for (const url of [`Patient?identifier=${MRN}|P-1,${OTHER}|P-1`, `Patient?identifier=P-1&gender=female`]) {
      const req = parseSearchRequest(url);
      expect(ids(await fhir.repository.searchResources(req))).toEqual(await generic(req));
    }
  });

  it('When a conditional PUT of a Bundle matches two resources, then the transaction is refused and nothing is written', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', gender: 'male', identifier: [{ value: 'P-1' }] },
          request: { method: 'PUT', url: 'Patient?identifier=P-1' },
        },
      ],
    };
    const r = await fhir.transaction(JSON.stringify(bundle));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('matched multiple resources');
    const males = await fhir.repository.searchResources(parseSearchRequest('Patient?gender=male'));
    expect(males).toEqual([]);
  });
});

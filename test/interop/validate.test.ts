/**
 * HAPI's validator (the HL7 reference implementation in Java) with studybridge's profiles loaded: every Bundle
 * our conformance cases expect, validated entry by entry against base R4 and the profiles the resources name,
 * has no error. Our own validation accepted all of them already (the conformance runner checks that).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OperationOutcome, StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PROFILES_DIR } from '../integration/support/paths.ts';
import { conformanceBundles } from './support/conformance-bundles.ts';
import { errorsOf, FhirClient } from './support/fhir-client.ts';

const fhir = new FhirClient(inject('fhirBaseUrl'));

/** Every StructureDefinition under `profiles/`, extensions included. */
function profileDefinitions(): StructureDefinition[] {
  return readdirSync(PROFILES_DIR, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /^StructureDefinition-.+\.json$/.test(e.name))
    .map((e) => JSON.parse(readFileSync(path.join(e.parentPath, e.name), 'utf8')) as StructureDefinition);
}

beforeAll(async () => {
  await fhir.reset();
  for (const sd of profileDefinitions()) {
    const { status, body } = await fhir.request('PUT', `StructureDefinition/${sd.id}`, sd);
    if (status >= 300) throw new Error(`loading ${sd.url} into HAPI: ${status} ${JSON.stringify(body).slice(0, 1000)}`);
  }
});

describe('HAPI $validate with the studybridge profiles', () => {
  it('has our profiles and the original-quantity extension loaded', async () => {
    const loaded = await fhir.search('StructureDefinition?url:below=https://studybridge.org/fhir&_elements=url');
    expect(loaded.total).toBe(profileDefinitions().length);
    expect(loaded.total).toBeGreaterThanOrEqual(4);
  });

  for (const { name, bundle } of conformanceBundles()) {
    it(`When the Bundle of ${name} is validated, then HAPI reports no error`, async () => {
      const { status, body } = await fhir.request<OperationOutcome>('POST', 'Bundle/$validate', bundle);
      const errors = errorsOf(body);
      expect(errors, errors.join('\n')).toEqual([]);
      expect(status).toBe(200);
    });
  }
});

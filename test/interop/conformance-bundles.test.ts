/**
 * Every Bundle our conformance cases expect is accepted by HAPI FHIR as a transaction: HAPI resolves the
 * conditional updates, the `urn:uuid` references and the Provenance PUT, and enforces referential integrity.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { conformanceBundles } from './support/conformance-bundles.ts';
import { errorsOf, FhirClient } from './support/fhir-client.ts';

const fhir = new FhirClient(inject('fhirBaseUrl'));
const cases = conformanceBundles();

beforeAll(() => fhir.reset());

describe('HAPI accepts every conformance Bundle as a transaction', () => {
  it('finds the cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const { name, bundle } of cases) {
    it(`When the Bundle of ${name} is posted, then HAPI commits every entry`, async () => {
      const { status, body } = await fhir.transaction(bundle);
      expect(status, errorsOf(body as OperationOutcome).join('\n')).toBe(200);
      const response = body as Bundle;
      expect(response.type).toBe('transaction-response');
      const statuses = (response.entry ?? []).map((e) => e.response?.status ?? '');
      expect(statuses).toHaveLength(bundle.entry?.length ?? 0);
      for (const s of statuses) expect(s).toMatch(/^20[01]/);
    });
  }
});

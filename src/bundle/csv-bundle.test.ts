import type { Bundle, BundleEntry, Observation, Patient, Provenance, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { MappedRow } from '../map/csv/map-row.ts';
import { buildCsvBundle, entriesNeeded, type CsvBundleContext } from './csv-bundle.ts';

const SUBJECTS = 'https://example.org/subjects';
const OBSERVATIONS = 'https://example.org/id/test-registry/observation';

const ctx: CsvBundleContext = {
  layoutId: 'test-labs-wide',
  source: 'test-registry',
  identifierBase: 'https://example.org/id',
  canonicalBase: 'https://example.org/fhir',
  receivedAt: '2026-02-03T04:05:06Z',
};

/** A mapped row of one subject and visit with one fasting glucose per value (the map stage's shape). */
function row(subject: string, visit: string, values: number[]): MappedRow {
  return {
    subject,
    subjectSystem: SUBJECTS,
    rowKey: `${subject}/${visit}`,
    results: values.map((value, i) => {
      const key = `${subject}/${visit}/analyte-${i}`;
      const resource: Observation = {
        resourceType: 'Observation',
        identifier: [{ system: OBSERVATIONS, value: key }],
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '14771-0' }] },
        valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
      };
      return { key, resource, subjectElement: 'subject' as const };
    }),
  };
}

const entries = (b: Bundle): BundleEntry[] => b.entry ?? [];

/** @returns The entries holding resources of the type, typed as such. */
function ofType<T extends Resource>(b: Bundle, type: T['resourceType']): (BundleEntry<T> & { fullUrl: string })[] {
  return entries(b).filter((e) => e.resource?.resourceType === type) as (BundleEntry<T> & { fullUrl: string })[];
}

describe('buildCsvBundle', () => {
  it('When rows of two subjects are bundled, then each subject has one Patient, created only if none exists', () => {
    const b = buildCsvBundle(
      { rows: [row('S-1', 'week-0', [8.1]), row('S-2', 'week-0', [7.4]), row('S-1', 'week-9', [7.9])], digest: 'd1' },
      ctx,
    );
    const patients = entries(b).filter((e) => e.resource?.resourceType === 'Patient');
    expect(patients.map((e) => (e.resource as Patient).identifier)).toEqual([
      [{ system: SUBJECTS, value: 'S-1' }],
      [{ system: SUBJECTS, value: 'S-2' }],
    ]);
    expect(patients.map((e) => e.request)).toEqual([
      { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=https%3A%2F%2Fexample.org%2Fsubjects|S-1' },
      { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=https%3A%2F%2Fexample.org%2Fsubjects|S-2' },
    ]);
    expect((patients[0]?.resource as Patient).meta?.profile).toEqual([
      'https://example.org/fhir/StructureDefinition/studybridge-patient',
    ]);
    expect(b).toMatchObject({ type: 'transaction', timestamp: ctx.receivedAt });
    expect(entriesNeeded(2, 3)).toBe(entries(b).length);
  });

  it('When Observations are bundled, then each points at its own subject and is a conditional update by identifier', () => {
    const b = buildCsvBundle(
      { rows: [row('S-1', 'week-0', [8.1, 5.2]), row('S-2', 'week-0', [7.4])], digest: 'd1' },
      ctx,
    );
    const patientUrl = new Map(
      ofType<Patient>(b, 'Patient').map((e) => [e.resource?.identifier?.[0]?.value, e.fullUrl] as const),
    );
    const observations = ofType<Observation>(b, 'Observation');
    expect(observations.map((e) => e.resource?.subject?.reference)).toEqual([
      patientUrl.get('S-1'),
      patientUrl.get('S-1'),
      patientUrl.get('S-2'),
    ]);
    expect(observations.map((e) => e.request)).toEqual([
      {
        method: 'PUT',
        url: 'Observation?identifier=https%3A%2F%2Fexample.org%2Fid%2Ftest-registry%2Fobservation|S-1%2Fweek-0%2Fanalyte-0',
      },
      {
        method: 'PUT',
        url: 'Observation?identifier=https%3A%2F%2Fexample.org%2Fid%2Ftest-registry%2Fobservation|S-1%2Fweek-0%2Fanalyte-1',
      },
      {
        method: 'PUT',
        url: 'Observation?identifier=https%3A%2F%2Fexample.org%2Fid%2Ftest-registry%2Fobservation|S-2%2Fweek-0%2Fanalyte-0',
      },
    ]);
    // The row resources are not changed in place: the map stage's result stays without a subject.
    expect(row('S-1', 'week-0', [8.1]).results[0]?.resource).not.toHaveProperty('subject');
  });

  it('When the Bundle is built, then one Provenance, last, targets every row resource and names the rows', () => {
    const b = buildCsvBundle(
      { rows: [row('S-1', 'week-0', [8.1, 5.2]), row('S-2', 'week-0', [7.4])], digest: 'd1' },
      ctx,
    );
    const last = entries(b).at(-1)!;
    const provenance = last.resource as Provenance;
    expect(provenance.resourceType).toBe('Provenance');
    expect(ofType<Provenance>(b, 'Provenance')).toHaveLength(1);
    expect(provenance.target).toEqual(ofType<Observation>(b, 'Observation').map((e) => ({ reference: e.fullUrl })));
    expect(provenance.recorded).toBe(ctx.receivedAt);
    expect(provenance.entity?.[0]?.what).toEqual({
      identifier: { system: 'https://example.org/id/test-registry/csv-rows', value: 'd1' },
      display: 'CSV export, layout test-labs-wide, 2 rows',
    });
    expect(provenance.agent?.[0]?.who).toEqual({
      identifier: { system: 'https://example.org/id/test-registry/application', value: 'test-registry' },
    });
    expect(last.fullUrl).toBe(`urn:uuid:${provenance.id}`);
    expect(last.request).toEqual({ method: 'PUT', url: `Provenance/${provenance.id}` });
    expect(b.identifier).toEqual(provenance.entity?.[0]?.what?.identifier);
  });

  it('When the rows have no resources, then the Provenance targets the Patients instead of nothing', () => {
    const b = buildCsvBundle({ rows: [row('S-1', 'week-0', [])], digest: 'd0' }, ctx);
    const provenance = ofType<Provenance>(b, 'Provenance')[0]!.resource!;
    expect(provenance.target).toEqual([{ reference: ofType<Patient>(b, 'Patient')[0]!.fullUrl }]);
    expect(provenance.entity?.[0]?.what?.display).toBe('CSV export, layout test-labs-wide, 1 row');
  });

  it('When the same rows are bundled again, then the Bundle is the same; another digest or layout gives other ids', () => {
    const rows = [row('S-1', 'week-0', [8.1, 5.2]), row('S-2', 'week-0', [7.4])];
    const first = buildCsvBundle({ rows, digest: 'd1' }, ctx);
    expect(buildCsvBundle({ rows, digest: 'd1' }, ctx)).toEqual(first);
    const urls = entries(first).map((e) => e.fullUrl);
    expect(new Set(urls).size).toBe(urls.length);
    for (const u of urls) expect(u).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const otherDigest = entries(buildCsvBundle({ rows, digest: 'd2' }, ctx)).map((e) => e.fullUrl);
    const otherLayout = entries(buildCsvBundle({ rows, digest: 'd1' }, { ...ctx, layoutId: 'other' })).map(
      (e) => e.fullUrl,
    );
    for (const other of [otherDigest, otherLayout]) {
      expect(other.filter((u) => urls.includes(u))).toEqual([]);
    }
  });
});

import type { AdverseEvent, Bundle, ResearchStudy, ResearchSubject } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { RowWithShared } from '../map/csv/shared-resource.ts';
import { buildCsvBundle, entriesNeeded, type CsvBundleContext } from './csv-bundle.ts';

const ctx: CsvBundleContext = {
  layoutId: 'test-roster',
  source: 'test-trial',
  identifierBase: 'https://example.org/id',
  canonicalBase: 'https://example.org/fhir',
  receivedAt: '2026-02-03T04:05:06Z',
};
const STUDY_URL = 'ResearchStudy?identifier=https%3A%2F%2Fexample.org%2Fstudy|T1';
const study: ResearchStudy = {
  resourceType: 'ResearchStudy',
  identifier: [{ system: 'https://example.org/study', value: 'T1' }],
  status: 'active',
};

function rosterRow(subject: string): RowWithShared {
  const resource: ResearchSubject = {
    resourceType: 'ResearchSubject',
    identifier: [{ system: 'https://example.org/id/test-trial/research-subject', value: `T1/${subject}` }],
    status: 'on-study',
    study: { reference: STUDY_URL },
    individual: {},
  };
  return {
    subject,
    subjectSystem: 'https://example.org/subjects',
    rowKey: subject,
    results: [{ key: subject, resource, subjectElement: 'individual' }],
    sharedResources: [{ url: STUDY_URL, resource: study }],
  };
}

describe('buildCsvBundle with shared resources', () => {
  it('When several rows share a ResearchStudy, then it is one conditional update that each row points to', () => {
    const b = buildCsvBundle({ rows: [rosterRow('S-1'), rosterRow('S-2'), rosterRow('S-3')], digest: 'd1' }, ctx);
    const types = (b.entry ?? []).map((e) => e.resource?.resourceType);
    expect(types).toEqual([
      'Patient',
      'Patient',
      'Patient',
      'ResearchStudy',
      'ResearchSubject',
      'ResearchSubject',
      'ResearchSubject',
      'Provenance',
    ]);
    expect(types.length).toBe(entriesNeeded(3, 3, 1));
    const studyEntry = b.entry!.find((e) => e.resource?.resourceType === 'ResearchStudy')!;
    expect(studyEntry.request).toEqual({ method: 'PUT', url: STUDY_URL });
    expect(studyEntry.resource).toBe(study);
    const subjects = b.entry!.filter((e) => e.resource?.resourceType === 'ResearchSubject');
    const patients = b.entry!.filter((e) => e.resource?.resourceType === 'Patient');
    subjects.forEach((e, i) => {
      const rs = e.resource as ResearchSubject;
      expect(rs.study).toEqual({ reference: studyEntry.fullUrl });
      expect(rs.individual).toEqual({ reference: patients[i]?.fullUrl });
    });
    const provenance = b.entry!.at(-1)!.resource as { target: { reference: string }[] };
    expect(provenance.target.map((t) => t.reference)).toEqual([...subjects.map((e) => e.fullUrl), studyEntry.fullUrl]);
  });

  it('When a row resource carries its own id, then it is updated by that id, and a list of references is pointed too', () => {
    const ae: AdverseEvent = {
      resourceType: 'AdverseEvent',
      id: '0f6a9a5e-1b5e-5c3a-9d1e-2c0b7f4e8a11',
      identifier: { system: 'https://example.org/id/test-trial/adverse-event', value: 'T1/S-1/1' },
      actuality: 'actual',
      subject: {},
      suspectEntity: [{ instance: { reference: 'MedicationAdministration?identifier=x|y' } }],
      study: [{ reference: STUDY_URL }],
    };
    const row: RowWithShared = {
      ...rosterRow('S-1'),
      results: [{ key: 'T1/S-1/1', resource: ae, subjectElement: 'subject' }],
    };
    const b: Bundle = buildCsvBundle({ rows: [row], digest: 'd2' }, ctx);
    const entry = b.entry!.find((e) => e.resource?.resourceType === 'AdverseEvent')!;
    expect(entry.fullUrl).toBe(`urn:uuid:${ae.id}`);
    expect(entry.request).toEqual({ method: 'PUT', url: `AdverseEvent/${ae.id}` });
    const written = entry.resource as AdverseEvent;
    expect(written.study).toEqual([
      { reference: b.entry!.find((e) => e.resource?.resourceType === 'ResearchStudy')!.fullUrl },
    ]);
    // Only shared resources are pointed at entries; the infusion stays a conditional reference for the server.
    expect(written.suspectEntity).toEqual(ae.suspectEntity);
  });

  it('When the same rows are bundled twice, then the Bundles are identical', () => {
    const rows = [rosterRow('S-1'), rosterRow('S-2')];
    expect(buildCsvBundle({ rows, digest: 'd3' }, ctx)).toEqual(buildCsvBundle({ rows, digest: 'd3' }, ctx));
  });
});

import type { AdverseEvent } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deterministicUuid } from '../../bundle/resource-ids.ts';
import { AE_GRADE_EXTENSION, mapAdverseEventRow } from './map-adverse-event-row.ts';
import type { ResolvedStudyLayout } from './study-layout-types.ts';
import { bindStudyLayout } from './study-row.ts';
import { cells, useStudyFixture } from './study-test-support.ts';

const f = useStudyFixture();
const HEADER = 'subject_id,ae_no,term,onset,detected,serious,severity,ctcae_grade,outcome,after_infusion';
const MA = 'https://studybridge.org/fhir/id/uc-msc-safety-rct/medication-administration';

function map(line: string) {
  return mapAdverseEventRow(f.bind('safety-rct-adverse-events', HEADER), cells(line));
}
const event = (line: string): AdverseEvent => {
  const r = map(line);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.row.results[0]!.resource as AdverseEvent;
};

describe('mapAdverseEventRow', () => {
  it('When an event is mapped, then it is coded, graded, tied to its study and to the infusion it followed', () => {
    const r = map('S-001,1,Fever,2021-03-08 21:30,2021-03-08 22:00,N,mild,1,recovered,2');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const study = f.studies.get('uc-msc-safety-rct')!;
    const identifier = {
      system: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/adverse-event',
      value: 'uc-msc-safety-rct/S-001/1',
    };
    expect(r.row.sharedResources).toEqual([{ url: study.url, resource: study.researchStudy }]);
    expect(r.row.results[0]).toEqual({
      key: identifier.value,
      subjectElement: 'subject',
      resource: {
        resourceType: 'AdverseEvent',
        id: deterministicUuid(`${identifier.system}|${identifier.value}`),
        meta: { profile: ['https://studybridge.org/fhir/StructureDefinition/studybridge-adverse-event'] },
        extension: [
          {
            url: AE_GRADE_EXTENSION,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl',
                  code: 'C41338',
                  display: 'Grade 1 Mild Adverse Event',
                },
              ],
            },
          },
        ],
        identifier,
        actuality: 'actual',
        event: { coding: [{ system: 'http://snomed.info/sct', code: '386661006', display: 'Fever' }], text: 'Fever' },
        subject: {},
        date: '2021-03-08T21:30:00+08:00',
        detected: '2021-03-08T22:00:00+08:00',
        seriousness: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness',
              code: 'Non-serious',
              display: 'Non-serious',
            },
          ],
        },
        severity: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/adverse-event-severity', code: 'mild', display: 'Mild' },
          ],
        },
        outcome: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome',
              code: 'resolved',
              display: 'Resolved',
            },
          ],
        },
        suspectEntity: [
          {
            instance: {
              reference: `MedicationAdministration?identifier=${encodeURIComponent(MA)}|${encodeURIComponent('uc-msc-safety-rct/S-001/dose-2')}`,
            },
          },
        ],
        study: [{ reference: study.url }],
      },
    });
  });

  it('When only the CTCAE grade is given, then it implies the severity (3 and above: severe) and is kept', () => {
    expect(event('S-004,1,Fever,2021-03-29 23:10,,N,,2,recovered,3').severity?.coding?.[0]?.code).toBe('moderate');
    const g4 = event('S-004,3,Hypoglycaemia,2021-04-06 03:20,,Y,,4,recovering,3');
    expect(g4.severity?.coding?.[0]?.code).toBe('severe');
    expect(g4.seriousness?.coding?.[0]?.code).toBe('Serious');
    expect(g4.extension?.[0]?.valueCodeableConcept?.coding?.[0]).toMatchObject({ code: 'C41337' });
    expect(g4.event?.coding?.[0]).toMatchObject({ code: '302866003', display: 'Hypoglycemia' });
  });

  it('When an event followed no recorded infusion, then it has no suspect entity', () => {
    expect(event('S-005,2,Fatigue,2021-05-16,,N,mild,,,').suspectEntity).toBeUndefined();
  });

  it('When a row has an unknown term, no severity or grade, a grade out of range and no onset, then all are reported', () => {
    const r = map('S-001,2,Headache,,,N,,,recovered,9');
    expect(r.ok ? [] : r.problems).toEqual([
      {
        column: 'term',
        reason: "the event is not one of the layout's event terms (Fever, Fatigue, Hypoglycaemia, Hypoglycemia)",
      },
      { column: 'onset', reason: 'no onset date' },
      { column: 'severity', reason: 'no severity or grade' },
      { column: 'after_infusion', reason: 'the infusion dose number must be a whole number from 1 to 3' },
    ]);
    const g = map('S-001,2,Fever,2021-03-09,,maybe,mild,7,better,');
    expect(g.ok ? [] : g.problems).toEqual([
      { column: 'serious', reason: "the seriousness is not one of the layout's values (Y, N)" },
      { column: 'ctcae_grade', reason: 'CTCAE grade must be a whole number from 1 to 5' },
      {
        column: 'outcome',
        reason:
          "the outcome is not one of the layout's values (recovered, recovering, not recovered, recovered with sequelae, fatal, unknown)",
      },
    ]);
  });

  it('When the log names infusions by date and another source, then the reference uses that source and the date', () => {
    const base = f.layout('safety-rct-adverse-events');
    const byDate: ResolvedStudyLayout = {
      ...base,
      layout: {
        ...base.layout,
        adverseEvent: {
          ...base.layout.adverseEvent!,
          number: undefined,
          suspect: { column: 'after_infusion', by: 'date', source: 'uc-msc-pharmacy' },
        },
      },
    };
    const b = bindStudyLayout(byDate, f.mappings, HEADER.split(','));
    if (!b.ok) throw new Error('bind');
    const r = mapAdverseEventRow(b.bound, cells('S-001,,Fever,2021-03-08 21:30,,N,mild,,,2021-03-08'));
    const ae = r.ok ? (r.row.results[0]!.resource as AdverseEvent) : undefined;
    expect(ae?.identifier?.value).toBe('uc-msc-safety-rct/S-001/2021-03-08/386661006');
    expect(ae?.suspectEntity?.[0]?.instance.reference).toBe(
      `MedicationAdministration?identifier=${encodeURIComponent('https://studybridge.org/fhir/id/uc-msc-pharmacy/medication-administration')}|${encodeURIComponent('uc-msc-safety-rct/S-001/2021-03-08')}`,
    );
  });
});

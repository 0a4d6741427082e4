import { describe, expect, it } from 'vitest';
import { mapRosterRow } from './map-roster-row.ts';
import { bindStudyLayout } from './study-row.ts';
import { cells, useStudyFixture } from './study-test-support.ts';

const f = useStudyFixture();
const HEADER = 'subject_id,site,status,randomized_arm,treated_arm,randomization_date,end_date,end_reason';

function map(line: string) {
  return mapRosterRow(f.bind('safety-rct-roster', HEADER), cells(line));
}

describe('mapRosterRow', () => {
  it('When a randomized subject is mapped, then the ResearchSubject has its identity, status, arms and period', () => {
    const r = map('S-001,SZ,completed,MSC,MSC,2021-03-01,2021-08-16,');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const study = f.studies.get('uc-msc-safety-rct')!;
    expect(r.row).toMatchObject({
      subject: 'S-001',
      subjectSystem: 'https://studybridge.org/fhir/NamingSystem/uc-msc-safety-rct-subject',
      rowKey: 'S-001',
      sharedResources: [{ url: study.url, resource: study.researchStudy }],
    });
    expect(r.row.results).toEqual([
      {
        key: 'uc-msc-safety-rct/S-001',
        subjectElement: 'individual',
        resource: {
          resourceType: 'ResearchSubject',
          meta: { profile: ['https://studybridge.org/fhir/StructureDefinition/studybridge-research-subject'] },
          identifier: [
            {
              system: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/research-subject',
              value: 'uc-msc-safety-rct/S-001',
            },
          ],
          status: 'off-study',
          period: { start: '2021-03-01', end: '2021-08-16' },
          study: { reference: study.url },
          individual: {},
          assignedArm: 'hUC-MSC',
          actualArm: 'hUC-MSC',
        },
      },
    ]);
  });

  it('When a screen failure has no arm and no dates, then it is a ResearchSubject without them', () => {
    const r = map('S-006,SZ,screen failure,,,,,HbA1c out of range');
    expect(r.ok && r.row.results[0]?.resource).toMatchObject({ status: 'ineligible' });
    expect(r.ok && Object.keys(r.row.results[0]!.resource)).not.toContain('assignedArm');
    expect(r.ok && Object.keys(r.row.results[0]!.resource)).not.toContain('period');
  });

  it('When a row names an unknown arm and status and ends before it starts, then every problem is reported by column', () => {
    const r = map('S-007,SZ,lost,MSC,Active,2021-03-01,2021-02-01,');
    expect(r.ok ? [] : r.problems).toEqual([
      {
        column: 'status',
        reason:
          "the status is not one of the layout's values (randomized, treated, follow-up, completed, withdrawn, screen failure)",
      },
      { column: 'treated_arm', reason: "the arm is not one of the layout's values (MSC, PBO)" },
      { column: 'end_date', reason: 'the end date is before the start date' },
    ]);
  });

  it('When the subject or status is missing or a date is impossible, then the row is rejected', () => {
    const r = map(',SZ,,MSC,MSC,2021-02-30,,');
    expect(r.ok ? [] : r.problems.map((p) => `${p.column}: ${p.reason}`)).toEqual([
      'subject_id: no subject ID',
      'status: no status',
      'randomization_date: no such date (format YYYY-MM-DD)',
    ]);
  });

  it('When a blinded roster is mapped, then the arm is the neutral arm name and nothing else says which it is', () => {
    const bound = f.bind('nafld-rct-roster', 'subject_id,randomization_no,status,allocation,randomized_on,ended_on');
    const r = mapRosterRow(bound, cells('T-0101,R-001,completed,A,2025-03-03,2026-02-02'));
    expect(r.ok && r.row.results[0]?.resource).toMatchObject({ assignedArm: 'Arm A', status: 'off-study' });
    const wrong = mapRosterRow(bound, cells('T-0103,R-009,completed,UC-MSC,2025-03-03,'));
    expect(wrong.ok ? [] : wrong.problems).toEqual([
      { column: 'allocation', reason: "the arm is not one of the layout's values (A, B)" },
    ]);
  });
});

describe('mapRosterRow without an arm table', () => {
  it('When the layout maps no arm texts, then a cell must be an arm name of the study', () => {
    const base = f.layout('safety-rct-roster');
    const plain = {
      ...base,
      layout: { ...base.layout, roster: { ...base.layout.roster!, assignedArm: { column: 'randomized_arm' } } },
    };
    const b = bindStudyLayout(plain, f.mappings, HEADER.split(','));
    if (!b.ok) throw new Error('bind');
    const ok = mapRosterRow(b.bound, cells('S-010,SZ,randomized,Placebo,,2021-04-01,,'));
    expect(ok.ok && ok.row.results[0]?.resource).toMatchObject({ assignedArm: 'Placebo' });
    const bad = mapRosterRow(b.bound, cells('S-011,SZ,randomized,placebo,,2021-04-01,,'));
    expect(bad.ok ? [] : bad.problems).toEqual([
      { column: 'randomized_arm', reason: "the arm is not an arm of study 'uc-msc-safety-rct' (hUC-MSC, Placebo)" },
    ]);
  });
});

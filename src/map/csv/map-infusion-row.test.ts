import type { Medication, MedicationAdministration } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { mapInfusionRow } from './map-infusion-row.ts';
import type { RowWithShared } from './shared-resource.ts';
import { cells, useStudyFixture } from './study-test-support.ts';

const f = useStudyFixture();
const SAFETY = 'subject_id,infusion_no,status,reason,start,end,product,lot,expiry,weight_kg,prescribed_per_kg';
const NAFLD = 'subject_id,infusion,status,reason,start,end,kit,kit_expiry,weight_kg,dose_per_kg';
const REGISTRY = 'Subject ID;Site;Infusion start;Infusion end;Status;Remarks;Batch;Batch expiry;Cells (x10^6)';

function row(id: string, header: string, line: string, delimiter = ','): RowWithShared {
  const r = mapInfusionRow(f.bind(id, header), cells(line, delimiter));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.row;
}
const administration = (r: RowWithShared) => r.results[0]!.resource as MedicationAdministration;
const medication = (r: RowWithShared) => r.sharedResources![0]!.resource as Medication;

describe('mapInfusionRow', () => {
  it('When a per-kg infusion is mapped, then the dose is prescription times weight and the prescription is in the text', () => {
    const r = row(
      'safety-rct-infusions',
      SAFETY,
      'S-001,2,given,,2021-03-08 09:20,2021-03-08 09:52,hUC-MSC,UCM-2102-01,2021-03-31,68.1,1.5',
    );
    expect(administration(r)).toEqual({
      resourceType: 'MedicationAdministration',
      meta: { profile: ['https://studybridge.org/fhir/StructureDefinition/studybridge-infusion-administration'] },
      extension: [
        {
          url: 'https://studybridge.org/fhir/StructureDefinition/dose-in-series',
          extension: [
            { url: 'doseNumber', valuePositiveInt: 2 },
            { url: 'seriesDoses', valuePositiveInt: 3 },
          ],
        },
        {
          url: 'http://hl7.org/fhir/StructureDefinition/workflow-researchStudy',
          valueReference: { reference: expect.stringMatching(/^ResearchStudy\?identifier=.*\|uc-msc-safety-rct$/) },
        },
      ],
      identifier: [
        {
          system: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/medication-administration',
          value: 'uc-msc-safety-rct/S-001/dose-2',
        },
      ],
      status: 'completed',
      medicationReference: { reference: r.sharedResources![0]!.url },
      subject: {},
      effectivePeriod: { start: '2021-03-08T09:20:00+08:00', end: '2021-03-08T09:52:00+08:00' },
      reasonCode: [
        { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }] },
      ],
      dosage: {
        text: 'Dose 2 of 3; 1.5 x 10^6 cells/kg; body weight 68.1 kg',
        route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008', display: 'Intravenous route' }] },
        dose: { value: 102.15, unit: '10*6{cells}', system: 'http://unitsofmeasure.org', code: '10*6{cells}' },
      },
    });
    expect(r.sharedResources![0]!.url).toBe(
      'Medication?identifier=https%3A%2F%2Fstudybridge.org%2Ffhir%2Fid%2Fuc-msc-safety-rct%2Fmedication|uc-msc-safety-rct%2Fuc-msc%2FUCM-2102-01',
    );
    expect(medication(r)).toEqual({
      resourceType: 'Medication',
      identifier: [
        {
          system: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/medication',
          value: 'uc-msc-safety-rct/uc-msc/UCM-2102-01',
        },
      ],
      code: {
        coding: [
          {
            system: 'https://studybridge.org/fhir/CodeSystem/study-products',
            code: 'uc-msc',
            display: 'Allogeneic umbilical cord mesenchymal stromal cells',
          },
        ],
        text: 'allogeneic umbilical cord mesenchymal stromal cells',
      },
      batch: { lotNumber: 'UCM-2102-01', expirationDate: '2021-03-31' },
    });
  });

  it('When a registry infusion of a single-dose protocol has no dose number, then it is dose 1 of 1', () => {
    const r = row(
      'registry-infusions',
      REGISTRY,
      'SUBJ-0005;JB;21/06/2023 09:30;21/06/2023 10:05;Done;;CB-2305-C;31/07/2023;62,5',
      ';',
    );
    expect(r.rowKey).toBe('uc-msc-registry/SUBJ-0005/dose-1');
    expect(administration(r)).toMatchObject({
      dosage: { text: 'Dose 1 of 1; 62.5 x 10^6 cells', dose: { value: 62.5, code: '10*6{cells}' } },
    });
    expect(administration(r).extension?.map((e) => e.url.split('/').pop())).toEqual([
      'dose-in-series',
      'workflow-researchStudy',
    ]);
  });

  it('When an infusion was not given, then it has its reason and no dosage; without a reason the row is rejected', () => {
    const r = row('safety-rct-infusions', SAFETY, 'S-003,3,not given,withdrew consent,2021-03-22,,hUC-MSC,,,,');
    expect(administration(r)).toMatchObject({
      status: 'not-done',
      statusReason: [{ text: 'withdrew consent' }],
      effectiveDateTime: '2021-03-22',
    });
    expect(administration(r).dosage).toBeUndefined();
    expect(medication(r).identifier?.[0]?.value).toBe('uc-msc-safety-rct/uc-msc');
    const bad = mapInfusionRow(
      f.bind('safety-rct-infusions', SAFETY),
      cells('S-003,3,not given,,2021-03-22,,hUC-MSC,,,,'),
    );
    expect(bad.ok ? [] : bad.problems).toEqual([{ column: 'reason', reason: 'an infusion not given needs a reason' }]);
  });

  it('When a per-kg infusion was stopped, then no dose is claimed: the reason and the prescription are notes', () => {
    const r = row(
      'safety-rct-infusions',
      SAFETY,
      'S-004,2,stopped,line occlusion,2021-03-22 14:05,2021-03-22 14:20,hUC-MSC,UCM-2103-02,2021-04-30,75.3,1',
    );
    expect(administration(r).status).toBe('stopped');
    expect(administration(r).dosage).toBeUndefined();
    expect(administration(r).note).toEqual([
      { text: 'line occlusion' },
      { text: 'Dose 2 of 3; 1 x 10^6 cells/kg; body weight 75.3 kg' },
    ]);
  });

  it('When an open-label placebo is infused, then its cell dose is zero; a placebo row giving cells is rejected', () => {
    const r = row(
      'safety-rct-infusions',
      SAFETY,
      'S-002,1,given,,2021-03-02 10:10,2021-03-02 10:40,Placebo,SAL-2101,2022-12-31,81.0,',
    );
    expect(administration(r).dosage).toMatchObject({ text: 'Dose 1 of 3; body weight 81 kg', dose: { value: 0 } });
    expect(medication(r).code?.coding?.[0]?.code).toBe('placebo-saline');
    const bad = mapInfusionRow(
      f.bind('safety-rct-infusions', SAFETY),
      cells('S-002,1,given,,2021-03-02 10:10,2021-03-02 10:40,Placebo,SAL-2101,2022-12-31,81.0,1'),
    );
    expect(bad.ok ? [] : bad.problems).toEqual([
      { column: 'prescribed_per_kg', reason: "product 'placebo-saline' has no cell dose, yet the row gives one" },
    ]);
  });

  it('When a row has a dose beyond the protocol, an unknown product and status, and ends before it starts, then all are reported', () => {
    const r = mapInfusionRow(
      f.bind('safety-rct-infusions', SAFETY),
      cells('S-001,4,done,,2021-03-08 09:20,2021-03-08 09:00,Cells,UCM-1,2021-31-12,-68,one'),
    );
    expect(r.ok ? [] : r.problems).toEqual([
      { column: 'infusion_no', reason: 'the dose number must be a whole number from 1 to 3' },
      { column: 'status', reason: "the status is not one of the layout's values (given, not given, stopped)" },
      { column: 'end', reason: 'the infusion ends before it starts' },
      { column: 'product', reason: "the product is not one of the layout's values (hUC-MSC, Placebo)" },
      { column: 'expiry', reason: 'no such date (format YYYY-MM-DD)' },
      { column: 'prescribed_per_kg', reason: 'not a number' },
      { column: 'weight_kg', reason: 'body weight must be a number above 0' },
    ]);
  });

  it('When a completed per-kg infusion lacks the weight, then the row is rejected', () => {
    const r = mapInfusionRow(
      f.bind('safety-rct-infusions', SAFETY),
      cells('S-001,1,given,,2021-03-01 09:30,2021-03-01 10:05,hUC-MSC,UCM-2102-01,2021-03-31,,1'),
    );
    expect(r.ok ? [] : r.problems).toEqual([{ column: 'weight_kg', reason: 'no body weight' }]);
  });
});

describe('blinding', () => {
  // T-0101 is in Arm A and T-0102 in Arm B; kit K-1001 held cells and K-1002 placebo (known only to the pharmacy).
  const active = 'T-0101,1,done,,2025-03-03 09:00,2025-03-03 09:40,K-1001,2025-06-30,72.5,1';
  const placebo = 'T-0102,1,done,,2025-03-10 09:05,2025-03-10 09:43,K-1002,2025-06-30,72.5,1';

  it('When an active and a placebo infusion of a blinded study are mapped, then they differ only in identifiers, dates, subject and lot', () => {
    const a = row('nafld-rct-infusions', NAFLD, active);
    const p = row('nafld-rct-infusions', NAFLD, placebo);
    const strip = (r: RowWithShared) => {
      const { identifier: _i, effectivePeriod: _e, medicationReference: _m, subject: _s, ...rest } = administration(r);
      return rest;
    };
    expect(strip(a)).toEqual(strip(p));
    // The Medication each refers to is the blinded study product's, one per kit (lot).
    const { identifier: _ia, batch: ba, ...medA } = medication(a);
    const { identifier: _ip, batch: bp, ...medP } = medication(p);
    expect(medA).toEqual(medP);
    expect(medA.code?.coding?.[0]?.code).toBe('uc-msc-or-placebo-blinded');
    expect(medA.code?.text).toBe('UC-MSC or placebo, blinded');
    expect([ba?.lotNumber, bp?.lotNumber]).toEqual(['K-1001', 'K-1002']);
    expect(ba?.expirationDate).toBe(bp?.expirationDate);
    // What did differ: identifiers, dates, subject (through the row), the lot.
    expect(administration(a).identifier).not.toEqual(administration(p).identifier);
    expect(administration(a).effectivePeriod).not.toEqual(administration(p).effectivePeriod);
    expect(a.subject).not.toBe(p.subject);
  });

  it('When a blinded administration is written, then no part of it names an arm or the active product', () => {
    // The study's ResearchStudy travels with every row (its arms are there by design); the rest must not tell.
    const written = (r: ReturnType<typeof row>) => ({
      ...r,
      sharedResources: r.sharedResources?.filter((x) => x.resource.resourceType !== 'ResearchStudy'),
    });
    const text = JSON.stringify([
      written(row('nafld-rct-infusions', NAFLD, active)),
      written(row('nafld-rct-infusions', NAFLD, placebo)),
    ]);
    expect(text).not.toMatch(/Arm [AB]|"uc-msc"|placebo-saline|experimental|placebo-comparator/);
  });
});

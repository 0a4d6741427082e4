import { beforeAll, describe, expect, it } from 'vitest';
import { loadMappings } from '../load-mappings.ts';
import type { Mappings } from '../mapping-types.ts';
import type { CsvLayouts } from './layout-types.ts';
import { loadCsvLayouts } from './load-layouts.ts';
import { bindLayout, mapCsvRow, type BoundLayout } from './map-row.ts';

let mappings: Mappings;
let layouts: CsvLayouts;

const WIDE_HEADER =
  'Subject ID;Site;Visit;Sample date;HbA1c (%);FPG (mmol/L);C-peptide (ng/mL);Fasting insulin (uIU/mL);HOMA-IR;Total cholesterol (mmol/L);Triglycerides (mmol/L);HDL-C (mmol/L);LDL-C (mmol/L);Creatinine (µmol/L);ALT (U/L)'.split(
    ';',
  );
const LONG_HEADER = ['subject_id', 'visit', 'collected', 'test_code', 'result', 'unit'];

beforeAll(async () => {
  mappings = await loadMappings('mappings');
  layouts = await loadCsvLayouts('mappings/csv', mappings);
});

function bind(id: string, header: readonly string[]): BoundLayout {
  const r = bindLayout(layouts.get(id)!, mappings, header);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.bound;
}

describe('bindLayout', () => {
  it('When a column of the layout is missing from the header, then it is named', () => {
    const r = bindLayout(layouts.get('trial-labs-long')!, mappings, [
      'subject_id',
      'visit',
      'collected',
      'test_code',
      'result',
    ]);
    expect(r.ok ? [] : r.problems.map((p) => p.column)).toEqual(['unit']);
  });

  it('When a long layout that rejects extra columns meets one, then the file is refused naming it', () => {
    const r = bindLayout(layouts.get('trial-labs-long')!, mappings, [...LONG_HEADER, 'comment']);
    expect(r.ok ? [] : r.problems.map((p) => p.column)).toEqual(['comment']);
  });
});

describe('mapCsvRow, wide layout', () => {
  it('When a registry row is mapped, then each filled analyte column is one Observation in its canonical unit', () => {
    const bound = bind('registry-labs-wide', WIDE_HEADER);
    const r = mapCsvRow(bound, 'SUBJ-0001;KL;M6;09/08/2023;7,6;8,1;2,2;12,5;NA;5,1;;1,08;3,20;80;29'.split(';'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.row.subject).toBe('SUBJ-0001');
    expect(r.row.results).toHaveLength(9);
    const hba1c = r.row.results.find((x) => x.resource.code?.coding?.[0]?.code === '4548-4')!;
    expect(hba1c.key).toBe('SUBJ-0001/month-6/hba1c-ngsp');
    expect(hba1c.resource).toMatchObject({
      status: 'final',
      effectiveDateTime: '2023-08-09',
      identifier: [{ system: 'https://studybridge.org/fhir/id/uc-msc-registry/observation', value: hba1c.key }],
      valueQuantity: { value: 7.6, code: '%', system: 'http://unitsofmeasure.org' },
    });
  });

  it('When a value is written with a comparator, then the Quantity keeps it', () => {
    const bound = bind('registry-labs-wide', WIDE_HEADER);
    const r = mapCsvRow(bound, 'SUBJ-0002;KL;baseline;06/02/2023;8,9;9,8;<0,1;;;;;;;;'.split(';'));
    expect(r.ok && r.row.results.map((x) => x.resource.valueQuantity?.comparator)).toEqual([undefined, undefined, '<']);
  });

  it('When a row has an impossible date, an unknown visit and a word for a value, then all three are reported', () => {
    const bound = bind('registry-labs-wide', WIDE_HEADER);
    const r = mapCsvRow(bound, 'SUBJ-0003;KL;M3;31/02/2023;high;;;;;;;;;;'.split(';'));
    expect(r.ok ? [] : r.problems.map((p) => p.column)).toEqual(['Sample date', 'Visit', 'HbA1c (%)']);
  });
});

describe('mapCsvRow, long layout', () => {
  it('When glucose comes in mg/dL, then it is converted to mmol/L with the local code kept', () => {
    const bound = bind('trial-labs-long', LONG_HEADER);
    const r = mapCsvRow(bound, ['T-0101', 'W9', '2025-05-05 08:00', 'GLU', '126', 'mg/dL']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [only] = r.row.results;
    expect(only!.key).toBe('T-0101/week-9/glucose-fasting');
    expect(only!.resource.effectiveDateTime).toBe('2025-05-05T08:00:00+08:00');
    expect(only!.resource.valueQuantity).toMatchObject({ value: 6.994, code: 'mmol/L' });
    expect(only!.resource.code?.coding?.[1]).toEqual({
      system: 'https://studybridge.org/fhir/CodeSystem/local/uc-msc-trial-central-lab',
      code: 'GLU',
    });
  });

  it('When the code is a LOINC code of the catalogue, then it needs no entry in the layout', () => {
    const bound = bind('trial-labs-long', LONG_HEADER);
    const r = mapCsvRow(bound, ['T-0102', 'W0', '2025-03-03', '14647-2', '5.2', 'mmol/L']);
    expect(r.ok && r.row.results[0]?.resource.code?.coding).toHaveLength(1);
  });

  it('When the code is unknown, or the unit cannot be converted, then the row is refused naming the column', () => {
    const bound = bind('trial-labs-long', LONG_HEADER);
    const unknown = mapCsvRow(bound, ['T-0102', 'W0', '2025-03-03', 'XYZ', '5.2', 'mmol/L']);
    expect(unknown.ok ? [] : unknown.problems.map((p) => p.column)).toEqual(['test_code']);
    const badUnit = mapCsvRow(bound, ['T-0102', 'W0', '2025-03-03', 'HBA1C', '7.1', 'kg']);
    expect(badUnit.ok ? [] : badUnit.problems.map((p) => p.column)).toEqual(['result']);
  });

  it('When the result is ND, then the row gives no Observation and no problem', () => {
    const bound = bind('trial-labs-long', LONG_HEADER);
    expect(mapCsvRow(bound, ['T-0102', 'W0', '2025-03-03', 'CPEP', 'ND', ''])).toEqual({
      ok: true,
      row: {
        subject: 'T-0102',
        subjectSystem: 'https://studybridge.org/fhir/NamingSystem/uc-msc-trial-subject',
        rowKey: 'T-0102/week-0/c-peptide-fasting',
        results: [],
      },
    });
  });
});

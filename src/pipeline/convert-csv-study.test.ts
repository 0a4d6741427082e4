import { readFileSync } from 'node:fs';
import type { Bundle, BundleEntry, MedicationAdministration, ResearchSubject } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAdapterError } from '../errors/adapter-error.ts';
import type { AnyCsvLayouts, AnyResolvedLayout } from '../map/csv/layout-types.ts';
import { loadCsvLayoutSet } from '../map/csv/load-layouts.ts';
import { loadMappings } from '../map/load-mappings.ts';
import type { Mappings } from '../map/mapping-types.ts';
import { loadValidator } from '../validate/load-validator.ts';
import type { ResourceValidator } from '../validate/types.ts';
import { convertCsvAll, type CsvConvertOptions } from './convert-csv.ts';
import type { ConvertedMessage } from './convert-types.ts';

let mappings: Mappings;
let layouts: AnyCsvLayouts;
let validator: ResourceValidator;

beforeAll(async () => {
  mappings = await loadMappings('mappings');
  layouts = await loadCsvLayoutSet('mappings/csv', mappings);
  validator = await loadValidator({ profilesDir: 'profiles' });
});

const RECEIVED_AT = '2026-03-04T05:06:07Z';
const STUDY_EXAMPLES = [
  'safety-rct-roster',
  'safety-rct-infusions',
  'safety-rct-adverse-events',
  'registry-infusions',
  'nafld-rct-roster',
  'nafld-rct-infusions',
];

const layout = (id: string): AnyResolvedLayout => layouts.get(id)!;
const example = (id: string): string => readFileSync(`examples/csv/${id}.csv`, 'utf8');

async function convert(id: string, text = example(id), options: CsvConvertOptions = {}) {
  return convertCsvAll(text, layout(id), { mappings, validator }, { receivedAt: RECEIVED_AT, ...options });
}

const bundles = (results: ConvertedMessage[]): Bundle[] => results.flatMap((r) => (r.bundle ? [r.bundle] : []));
const ofType = (b: Bundle, type: string): BundleEntry[] =>
  (b.entry ?? []).filter((e) => e.resource?.resourceType === type);
const reasons = (results: ConvertedMessage[]): string[] =>
  results
    .filter((r) => !r.ok)
    .flatMap((r) => (r.outcome?.issue ?? []).map((i) => `${i.expression?.join(' ')}: ${i.diagnostics}`));

describe('convertCsv with study layouts', () => {
  it('When each study example is converted with validation, then every row is imported', async () => {
    const counts: Record<string, Record<string, number>> = {};
    for (const id of STUDY_EXAMPLES) {
      const { results, summary, error } = await convert(id);
      expect(error, id).toBeUndefined();
      expect(reasons(results), id).toEqual([]);
      counts[id] = summary!.resources;
    }
    expect(counts).toEqual({
      'safety-rct-roster': { Patient: 6, ResearchStudy: 1, ResearchSubject: 6, Provenance: 1 },
      'safety-rct-infusions': {
        Patient: 5,
        Medication: 5,
        ResearchStudy: 1,
        MedicationAdministration: 15,
        Provenance: 1,
      },
      'safety-rct-adverse-events': { Patient: 3, ResearchStudy: 1, AdverseEvent: 4, Provenance: 1 },
      'registry-infusions': { Patient: 6, Medication: 6, ResearchStudy: 1, MedicationAdministration: 7, Provenance: 1 },
      'nafld-rct-roster': { Patient: 4, ResearchStudy: 1, ResearchSubject: 4, Provenance: 1 },
      'nafld-rct-infusions': {
        Patient: 4,
        Medication: 12,
        ResearchStudy: 1,
        MedicationAdministration: 12,
        Provenance: 1,
      },
    });
  });

  it('When the same file is converted twice, then the Bundles are identical', async () => {
    for (const id of STUDY_EXAMPLES) {
      expect(bundles((await convert(id)).results), id).toEqual(bundles((await convert(id)).results));
    }
  });

  it('When a roster is split into several Bundles, then each carries the ResearchStudy its subjects point to', async () => {
    const { results } = await convert('safety-rct-roster', undefined, { maxEntries: 6 });
    const split = bundles(results);
    expect(split.length).toBeGreaterThan(1);
    for (const b of split) {
      const [study, ...more] = ofType(b, 'ResearchStudy');
      expect(more).toEqual([]);
      expect(study?.request?.url).toMatch(/^ResearchStudy\?identifier=/);
      for (const e of ofType(b, 'ResearchSubject'))
        expect((e.resource as ResearchSubject).study).toEqual({ reference: study?.fullUrl });
      expect((b.entry ?? []).length).toBeLessThanOrEqual(6);
    }
  });

  it('When infusions share lots, then each lot is one Medication per Bundle that its administrations refer to', async () => {
    const [b] = bundles((await convert('safety-rct-infusions')).results);
    const meds = ofType(b!, 'Medication');
    expect(meds.map((e) => e.request?.url)).toHaveLength(new Set(meds.map((e) => e.request?.url)).size);
    const fullUrls = new Set(meds.map((e) => e.fullUrl));
    for (const e of ofType(b!, 'MedicationAdministration')) {
      expect(fullUrls.has((e.resource as MedicationAdministration).medicationReference?.reference)).toBe(true);
    }
  });

  it('When one lot is given two expiry dates, then the later row is rejected naming the earlier line', async () => {
    const text = example('safety-rct-infusions').replace(
      'S-001,2,given,,2021-03-08 09:20,2021-03-08 09:52,hUC-MSC,UCM-2102-01,2021-03-31',
      'S-001,2,given,,2021-03-08 09:20,2021-03-08 09:52,hUC-MSC,UCM-2102-01,2021-04-30',
    );
    const { results, summary } = await convert('safety-rct-infusions', text);
    expect(summary?.rowsRejected).toBe(1);
    expect(reasons(results)).toEqual([
      expect.stringMatching(/^line 3: this row describes Medication .*UCM-2102-01 differently from line 2/),
    ]);
  });

  it('When a row repeats an infusion with other values, then it is rejected; an exact repeat is skipped', async () => {
    const lines = example('safety-rct-infusions').trimEnd().split('\n');
    const changed = lines[1]!.replace('68.4', '68.5');
    const { results, summary } = await convert('safety-rct-infusions', [...lines, lines[1], changed].join('\n'));
    expect(summary).toMatchObject({ rowsDuplicate: 1, rowsRejected: 1 });
    expect(reasons(results)).toEqual([
      'line 18: same subject and infusion as line 2, with different values: line 2 is kept and this row is not imported; correct the file and import it again',
    ]);
  });

  it('When a study file lacks a column of its layout, then the file is refused before any row', async () => {
    const text = example('nafld-rct-roster').replace('allocation', 'arm');
    const { error } = await convert('nafld-rct-roster', text);
    expect(isAdapterError(error) && error.code).toBe('csv.header-mismatch');
    expect(error?.outcome.issue?.[0]?.diagnostics).toBe("the layout's column 'allocation' is not in the header");
  });

  it('When rows are rejected, then each names its line and columns and the others are imported', async () => {
    const text = example('safety-rct-roster') + 'S-008,SZ,randomized,MSC,,2021-13-01,,\nS-009,SZ,treated,XYZ,XYZ,,,\n';
    const { results, summary } = await convert('safety-rct-roster', text);
    expect(summary).toMatchObject({ rowsImported: 6, rowsRejected: 2 });
    expect(reasons(results)).toEqual([
      "line 8, column 'randomization_date': no such date (format YYYY-MM-DD)",
      "line 9, column 'randomized_arm': the arm is not one of the layout's values (MSC, PBO)",
      "line 9, column 'treated_arm': the arm is not one of the layout's values (MSC, PBO)",
    ]);
  });
});

import type { Bundle, Encounter, Observation, OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAdapterError } from '../errors/adapter-error.ts';
import type { ResolvedLayout } from '../map/csv/layout-types.ts';
import { loadCsvLayouts } from '../map/csv/load-layouts.ts';
import { loadMappings } from '../map/load-mappings.ts';
import type { Mappings } from '../map/mapping-types.ts';
import type { ResourceValidator } from '../validate/types.ts';
import {
  convertCsv,
  convertCsvAll,
  ERROR_COLUMN,
  type CsvConvertOptions,
  type CsvEvent,
  type CsvSummary,
} from './convert-csv.ts';
import type { ConvertedMessage } from './convert-types.ts';

let mappings: Mappings;
let long: ResolvedLayout;
let wide: ResolvedLayout;
let longWithStudy: ResolvedLayout;

beforeAll(async () => {
  mappings = await loadMappings('mappings');
  const layouts = await loadCsvLayouts('mappings/csv', mappings);
  // Bundle sizes are counted here without the study each shipped layout is tied to (its ResearchStudy and visit
  // Encounters); the study link has its own tests below.
  long = withoutStudy(layouts.get('trial-labs-long')!);
  wide = withoutStudy(layouts.get('registry-labs-wide')!);
  longWithStudy = layouts.get('trial-labs-long')!;
});

function withoutStudy(layout: ResolvedLayout): ResolvedLayout {
  const { study: _study, ...rest } = layout;
  return rest as ResolvedLayout;
}

const RECEIVED_AT = '2026-03-04T05:06:07Z';
const LONG_HEADER = 'subject_id,visit,collected,test_code,result,unit';
const WIDE_HEADER =
  'Subject ID;Site;Visit;Sample date;HbA1c (%);FPG (mmol/L);C-peptide (ng/mL);Fasting insulin (uIU/mL);HOMA-IR;' +
  'Total cholesterol (mmol/L);Triglycerides (mmol/L);HDL-C (mmol/L);LDL-C (mmol/L);Creatinine (µmol/L);ALT (U/L)';
const VISITS: Record<string, string> = { W0: '2025-04-07', W9: '2025-06-09', W20: '2025-08-25', W48: '2026-03-09' };

/** @returns Long-layout rows: every subject at every visit, a glucose and an HbA1c each, subject by subject. */
function longRows(subjects: string[]): string[] {
  return subjects.flatMap((s, i) =>
    Object.entries(VISITS).flatMap(([visit, date]) => [
      `${s},${visit},${date} 08:10,GLU,${(8 + i / 10).toFixed(1)},mmol/L`,
      `${s},${visit},${date} 08:10,HBA1C,${(7 + i / 10).toFixed(1)},%`,
    ]),
  );
}

const file = (header: string, rows: string[]): string => [header, ...rows].join('\n') + '\n';

/** Runs the streaming conversion to its end. */
async function run(
  input: Uint8Array | string,
  layout: ResolvedLayout,
  options: CsvConvertOptions = {},
  validator?: ResourceValidator,
): Promise<{ events: CsvEvent[]; summary: CsvSummary }> {
  const events: CsvEvent[] = [];
  const gen = convertCsv(
    (async function* () {
      yield input;
    })(),
    layout,
    { mappings, validator },
    { receivedAt: RECEIVED_AT, ...options },
  );
  for (;;) {
    const next = await gen.next();
    if (next.done) return { events, summary: next.value };
    events.push(next.value);
  }
}

const bundlesOf = (events: CsvEvent[]): Bundle[] =>
  events.flatMap((e) => (e.kind === 'bundle' && e.unit.bundle ? [e.unit.bundle] : []));
const rejectedOf = (events: CsvEvent[]) => events.filter((e) => e.kind === 'rejected');
const resources = <T>(b: Bundle, type: string): T[] =>
  (b.entry ?? []).filter((e) => e.resource?.resourceType === type).map((e) => e.resource as T);

describe('convertCsv: Bundles of at most maxEntries', () => {
  it('When rows need more entries than maxEntries, then no Bundle exceeds it and each has the Patients it points at', async () => {
    const subjects = ['T-0401', 'T-0402', 'T-0403'];
    const { events } = await run(file(LONG_HEADER, longRows(subjects)), long, { maxEntries: 6 });
    const bundles = bundlesOf(events);
    expect(bundles.length).toBeGreaterThan(1);
    for (const b of bundles) {
      expect(b.entry!.length).toBeLessThanOrEqual(6);
      const patients = new Map(
        (b.entry ?? [])
          .filter((e) => e.resource?.resourceType === 'Patient')
          .map((e) => [e.fullUrl, e.resource as Patient]),
      );
      for (const o of resources<Observation>(b, 'Observation')) {
        const patient = patients.get(o.subject?.reference);
        expect(patient?.identifier?.[0]?.value).toBe(o.identifier?.[0]?.value?.split('/')[0]);
      }
    }
    expect(bundles.flatMap((b) => resources<Observation>(b, 'Observation'))).toHaveLength(subjects.length * 8);
    // A subject whose rows span several Bundles has its Patient in each of them.
    const patientsOf = (s: string) =>
      bundles.filter((b) => resources<Patient>(b, 'Patient').some((p) => p.identifier?.[0]?.value === s)).length;
    for (const s of subjects) expect(patientsOf(s)).toBeGreaterThan(1);
    // The Bundles cover the rows in order, without gaps or overlaps.
    const spans = events.flatMap((e) => (e.kind === 'bundle' ? [[e.firstLine, e.lastLine]] : []));
    spans.forEach(([first], i) => expect(first).toBe(i === 0 ? 2 : spans[i - 1]![1]! + 1));
    expect(spans.at(-1)![1]).toBe(subjects.length * 8 + 1);
  });

  it('When subjects alternate row by row, then a Bundle holds a Patient for each subject it points at', async () => {
    const rows = ['W0', 'W9', 'W20'].flatMap((v) => [
      `T-0411,${v},${VISITS[v]},GLU,8.1,mmol/L`,
      `T-0412,${v},${VISITS[v]},GLU,7.3,mmol/L`,
    ]);
    const { events } = await run(file(LONG_HEADER, rows), long, { maxEntries: 5 });
    const bundles = bundlesOf(events);
    for (const b of bundles) {
      expect(b.entry!.length).toBeLessThanOrEqual(5);
      expect(resources<Patient>(b, 'Patient').map((p) => p.identifier?.[0]?.value)).toEqual(['T-0411', 'T-0412']);
    }
    expect(bundles).toHaveLength(3);
  });

  // A row is imported whole or not at all, so it is never split: 11 Observations + Patient + Provenance = 13 > 10.
  it('When one row alone needs more entries than maxEntries, then it gets a Bundle of its own, whole', async () => {
    const row = 'SUBJ-0401;KL;baseline;15/01/2024;8,4;9,2;1,8;13,6;5,56;5,3;2,0;1,05;3,34;81;31';
    const other = 'SUBJ-0402;KL;baseline;15/01/2024;8,4;;;;;;;;;;';
    const { events } = await run(file(WIDE_HEADER, [other, row, other.replace('0402', '0403')]), wide, {
      maxEntries: 10,
    });
    expect(bundlesOf(events).map((b) => b.entry!.length)).toEqual([3, 13, 3]);
  });
});

describe('convertCsv: deterministic Bundles', () => {
  it('When the same file is converted twice, then every result is identical', async () => {
    const text = file(LONG_HEADER, [...longRows(['T-0421', 'T-0422']), 'T-0423,W0,2025-02-31,GLU,8.0,mmol/L']);
    const first = await convertCsvAll(text, long, { mappings }, { receivedAt: RECEIVED_AT, maxEntries: 7 });
    const second = await convertCsvAll(text, long, { mappings }, { receivedAt: RECEIVED_AT, maxEntries: 7 });
    expect(first.results.length).toBeGreaterThan(2);
    expect(second).toEqual(first);
  });

  it('When one value changes, then only the Bundle holding that row changes', async () => {
    const rows = longRows(['T-0431', 'T-0432', 'T-0433']);
    const changed = [...rows];
    changed[10] = changed[10]!.replace(/,8\.1,mmol\/L$/, ',8.2,mmol/L');
    expect(changed[10]).not.toBe(rows[10]);
    const before = await run(file(LONG_HEADER, rows), long, { maxEntries: 6 });
    const after = await run(file(LONG_HEADER, changed), long, { maxEntries: 6 });
    const a = bundlesOf(before.events);
    const b = bundlesOf(after.events);
    expect(b).toHaveLength(a.length);
    // Line 12 holds rows[10]; the Bundle whose span covers it is the only one to differ.
    const holding = before.events
      .filter((e) => e.kind === 'bundle')
      .findIndex((e) => e.firstLine <= 12 && e.lastLine >= 12);
    a.forEach((bundle, i) => {
      if (i === holding) {
        expect(b[i]!.identifier).not.toEqual(bundle.identifier);
        expect(b[i]!.entry!.map((e) => e.fullUrl)).not.toEqual(bundle.entry!.map((e) => e.fullUrl));
      } else expect(b[i]).toEqual(bundle);
    });
  });
});

describe('convertCsv: rejected rows', () => {
  it('When rows are rejected for any reason, then each carries its line, and each cell problem its column too', async () => {
    const rows = [
      'T-0441,W0,2025-04-07 08:10,GLU,8.1,mmol/L', // 2: fine
      'T-0441,W9,2025-02-31 08:10,GLU,8.0,mmol/L', // 3: no such date
      'T-0441,W12,2025-06-09 08:10,GLU,7.9,mmol/L', // 4: visit not in the layout
      'T-0441,W20,2025-08-25 08:10,GLU,high,mmol/L', // 5: not a number
      'T-0441,W20,2025-08-25 08:10,HOMA2,2.9,', // 6: unknown test code
      'T-0441,W48,2026-03-09 08:10,GLU,7.5', // 7: ragged
      'T-0441,W0,2025-04-07 08:10,GLU,8.4,mmol/L', // 8: conflicts with line 2
      'T-0441,W48,2026-02-30 08:10,HBA1C,n/a,%', // 9: two bad cells
    ];
    const { events } = await run(file(LONG_HEADER, rows), long);
    const rejected = rejectedOf(events);
    expect(rejected.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const columns = rejected.map((e) => e.unit.outcome.issue?.map((i) => i.expression?.at(-1)));
    expect(columns).toEqual([
      ["line 3, column 'collected'"],
      ["line 4, column 'visit'"],
      ["line 5, column 'result'"],
      ["line 6, column 'test_code'"],
      ['line 7'],
      ['line 8'],
      ["line 9, column 'collected'", "line 9, column 'result'"],
    ]);
    for (const e of rejected) {
      expect(e.unit.ok).toBe(false);
      expect(e.unit.controlId).toBe(`line-${e.line}`);
      expect(e.unit.text).toBe(`${LONG_HEADER}\n${rows[e.line - 2]}`);
      expect(e.raw).toBe(rows[e.line - 2]);
    }
    expect(rejected.map((e) => e.unit.error?.code)).toEqual([
      ...Array(5).fill('csv.invalid-row'),
      'csv.duplicate-row',
      'csv.invalid-row',
    ]);
  });

  it('When a quoted cell spans lines, then rows after it are rejected with their own physical line', async () => {
    const rows = [
      'SUBJ-0442;"KL',
      'annex";baseline;22/04/2024;8,7;;;;;;;;;;',
      'SUBJ-0442;KL;M6;31/09/2024;8,2;;;;;;;;;;',
    ];
    const { events } = await run(file(WIDE_HEADER, rows), wide);
    expect(rejectedOf(events).map((e) => [e.line, e.unit.outcome.issue?.[0]?.expression])).toEqual([
      [4, ["line 4, column 'Sample date'"]],
    ]);
    expect(events.find((e) => e.kind === 'bundle')).toMatchObject({ firstLine: 2, lastLine: 2 });
  });

  it('When a row has invalid UTF-8, then that row alone is rejected and the others are imported', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${LONG_HEADER}\nT-0443,W0,2025-04-07 08:10,GLU,8.1,mmol/L\n`),
      Buffer.from('T-0443,W0,2025-04-07 08:10,CPEP,1.9,\xb5g/L\n', 'latin1'),
      Buffer.from('T-0443,W0,2025-04-07 08:10,HBA1C,7.7,%\n'),
    ]);
    const { events, summary } = await run(bytes, long);
    expect(rejectedOf(events).map((e) => [e.line, e.unit.outcome.issue?.[0]?.expression])).toEqual([[3, ['line 3']]]);
    expect(summary).toMatchObject({ rowsImported: 2, rowsRejected: 1 });
  });

  it('When strict, then the conversion throws at the first bad row and yields nothing after it', async () => {
    const rows = [
      'T-0444,W0,2025-04-07 08:10,GLU,8.1,mmol/L',
      'T-0444,W9,2025-06-09 08:10,GLU,high,mmol/L',
      'T-0444,W20,2025-02-31 08:10,GLU,7.9,mmol/L',
    ];
    const events: CsvEvent[] = [];
    const gen = convertCsv(
      (async function* () {
        yield file(LONG_HEADER, rows);
      })(),
      long,
      { mappings },
      { strict: true },
    );
    const error = await (async () => {
      try {
        for await (const e of gen) events.push(e);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(isAdapterError(error) && error.code).toBe('csv.invalid-row');
    expect(isAdapterError(error) && error.outcome.issue?.map((i) => i.expression)).toEqual([
      ["line 3, column 'result'"],
    ]);
    expect(events).toEqual([]);

    const all = await convertCsvAll(file(LONG_HEADER, rows), long, { mappings }, { strict: true });
    expect(all.results).toHaveLength(1);
    expect(all.results[0]).toMatchObject({ ok: false, error: { code: 'csv.invalid-row' } });
    expect(all.results[0]?.bundle).toBeUndefined();
  });

  it('When strict and a row conflicts with an earlier one, then the conversion throws csv.duplicate-row', async () => {
    const rows = ['T-0445,W0,2025-04-07,GLU,8.1,mmol/L', 'T-0445,W0,2025-04-07,GLU,8.4,mmol/L'];
    const all = await convertCsvAll(file(LONG_HEADER, rows), long, { mappings }, { strict: true });
    expect(all.error?.code).toBe('csv.duplicate-row');
    expect(all.results.map((r) => r.ok)).toEqual([false]);
  });

  it('When the validator finds an error in a row, then that row is rejected; a warning goes to its Bundle', async () => {
    const calls: string[] = [];
    const validator: ResourceValidator = {
      validate: (r) => {
        const code = (r as Observation).code?.coding?.[0]?.code ?? '';
        calls.push(code);
        if (code === '4548-4') return [{ severity: 'error', code: 'value', diagnostics: 'not allowed here' }];
        return [{ severity: 'warning', code: 'value', diagnostics: 'check' }];
      },
    };
    const rows = [
      'T-0446,W0,2025-04-07,GLU,8.1,mmol/L',
      'T-0446,W0,2025-04-07,HBA1C,7.9,%',
      'T-0446,W9,2025-06-09,GLU,7.7,mmol/L',
    ];
    const { events } = await run(file(LONG_HEADER, rows), long, {}, validator);
    expect(rejectedOf(events).map((e) => [e.line, e.unit.error?.code, e.unit.outcome.issue])).toEqual([
      [
        3,
        'validate.invalid',
        [{ severity: 'error', code: 'value', diagnostics: 'not allowed here', expression: ['line 3'] }],
      ],
    ]);
    const bundle = events.find((e) => e.kind === 'bundle');
    expect(bundle?.unit.outcome.issue).toEqual([
      { severity: 'warning', code: 'value', diagnostics: 'check', expression: ['line 2'] },
      { severity: 'warning', code: 'value', diagnostics: 'check', expression: ['line 4'] },
    ] satisfies OperationOutcomeIssue[]);
    // Two glucose results of one shape are validated once; their issues are still reported for each line.
    expect(calls).toEqual(['14771-0', '4548-4']);
  });

  // Rejections are yielded as rows are read; a Bundle when it is full or the file ends.
  it('When a row is rejected after an accepted row, then the rejection comes before the unfinished Bundle', async () => {
    const rows = ['T-0447,W0,2025-04-07,GLU,8.1,mmol/L', 'T-0447,W9,2025-06-09,GLU,high,mmol/L'];
    const { results } = await convertCsvAll(file(LONG_HEADER, rows), long, { mappings });
    expect(results.map((r: ConvertedMessage) => (r.ok ? 'bundle' : r.controlId))).toEqual(['line-3', 'bundle']);
  });
});

describe('convertCsv: re-importing an errors CSV', () => {
  const rows = ['T-0451,W0,2025-04-07 08:10,GLU,8.1,mmol/L', 'T-0451,W0,2025-04-07 08:10,HBA1C,7.6,%'];

  it('When the file carries the import_error column, then it is ignored and the Bundles equal the original', async () => {
    const original = await run(file(LONG_HEADER, rows), long);
    const errorsFile = file(
      `${LONG_HEADER},${ERROR_COLUMN}`,
      rows.map((r, i) => `${r},"line ${i + 2}, column 'result': not a number"`),
    );
    const reimport = await run(errorsFile, long);
    expect(rejectedOf(reimport.events)).toEqual([]);
    expect(bundlesOf(reimport.events)).toEqual(bundlesOf(original.events));
    expect(reimport.events.map((e) => e.kind === 'bundle' && e.unit.text)).toEqual([file(LONG_HEADER, rows).trimEnd()]);
  });

  it('When a re-imported row is rejected, then its text has the original columns only', async () => {
    const errorsFile = file(`${LONG_HEADER},${ERROR_COLUMN}`, ['T-0452,W0,2025-04-07,GLU,high,mmol/L,"old error"']);
    const { events } = await run(errorsFile, long);
    expect(rejectedOf(events).map((e) => e.unit.text)).toEqual([
      `${LONG_HEADER}\nT-0452,W0,2025-04-07,GLU,high,mmol/L`,
    ]);
  });

  it('When an unreadable row of a re-imported errors CSV is rejected, then its text has no errors column', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${LONG_HEADER},${ERROR_COLUMN}\n`),
      Buffer.from('T-0453,W0,2025-04-07,CPEP,1.9,\xb5g/L,"old error"\n', 'latin1'),
    ]);
    const { events } = await run(bytes, long);
    const [rejected] = rejectedOf(events);
    expect(rejected?.unit.text).not.toContain('old error');
  });
});

describe('convertCsv: refused files and the summary', () => {
  it('When the file is refused after some rows were read, then convertCsvAll gives one failed result and no Bundle', async () => {
    const text = file(LONG_HEADER, ['T-0461,W0,2025-04-07,GLU,8.1,mmol/L', 'T-0461,W9,2025-06-09,GLU,"8.0,mmol/L']);
    const all = await convertCsvAll(text, long, { mappings });
    expect(all.results).toEqual([{ index: 0, ok: false, outcome: all.error?.outcome, error: all.error, text }]);
    expect(all.error?.code).toBe('csv.not-csv');
    expect(all.summary).toBeUndefined();
  });

  it('When a file is converted, then the summary counts every row by what became of it', async () => {
    const rows = [
      'T-0471,W0,2025-04-07,GLU,8.1,mmol/L', // imported
      'T-0471,W0,2025-04-07,HBA1C,7.6,%', // imported
      'T-0472,W0,2025-04-14,GLU,7.2,mmol/L', // imported
      'T-0472,W0,2025-04-14,CPEP,ND,', // no value
      'T-0471,W0,2025-04-07,GLU,8.1,mmol/L', // exact duplicate of line 2
      'T-0472,W0,2025-04-14,GLU,7.9,mmol/L', // conflicts with line 4
      'T-0472,W9,2025-06-16,GLU,high,mmol/L', // not a number
      'T-0472,W9,2025-06-16,GLU', // ragged
    ];
    const { events, summary } = await run(file(LONG_HEADER, rows), long, { maxEntries: 4 });
    expect(summary).toEqual({
      rowsRead: 8,
      rowsImported: 3,
      rowsRejected: 3,
      rowsDuplicate: 1,
      rowsWithoutValues: 1,
      bundles: bundlesOf(events).length,
      // Bundle 1: T-0471 and its two results; the T-0472 result would make it 6 entries, so it opens Bundle 2.
      resources: { Patient: 2, Observation: 3, Provenance: 2 },
      lastLine: 9,
    });
    expect(summary.bundles).toBe(2);
    expect(events.filter((e) => e.kind === 'duplicate')).toEqual([{ kind: 'duplicate', line: 6, sameAs: 2 }]);
  });
});

describe('convertCsv: a lab layout tied to a study', () => {
  it('When rows of one subject and visit are imported, then they share one visit Encounter and the ResearchStudy', async () => {
    const rows = [
      'T-0481,W0,2025-04-07 08:10,GLU,8.1,mmol/L',
      'T-0481,W0,2025-04-07 08:10,HBA1C,7.6,%',
      'T-0481,W48,2026-03-09 08:05,HBA1C,6.9,%',
    ];
    const { events } = await run(file(LONG_HEADER, rows), longWithStudy);
    const [bundle] = bundlesOf(events);
    const entries = bundle!.entry!;
    const of = (type: string) => entries.filter((e) => e.resource?.resourceType === type);
    expect(of('ResearchStudy')).toHaveLength(1);
    const encounters = of('Encounter');
    expect(encounters.map((e) => (e.resource as Encounter).identifier?.[0]?.value)).toEqual([
      'uc-msc-nafld-rct/T-0481/week-0',
      'uc-msc-nafld-rct/T-0481/week-48',
    ]);
    const patient = of('Patient')[0]!.fullUrl;
    const study = of('ResearchStudy')[0]!.fullUrl;
    for (const e of encounters) expect((e.resource as Encounter).subject?.reference).toBe(patient);
    const observations = of('Observation').map((e) => e.resource as Observation);
    expect(observations.map((o) => o.encounter?.reference)).toEqual([
      encounters[0]!.fullUrl,
      encounters[0]!.fullUrl,
      encounters[1]!.fullUrl,
    ]);
    for (const o of observations) {
      expect(o.extension).toEqual([
        { url: 'http://hl7.org/fhir/StructureDefinition/workflow-researchStudy', valueReference: { reference: study } },
      ]);
    }
  });

  it('When a layout tied to a study maps a visit the study does not have, then loading it names the visit', async () => {
    const { tieLabLayoutToStudy } = await import('../map/csv/load-layouts.ts');
    const { loadStudies } = await import('../map/study/load-studies.ts');
    const studies = await loadStudies('mappings/studies', mappings);
    const tied = tieLabLayoutToStudy(wide, studies.get('uc-msc-nafld-rct')!, mappings);
    expect(tied.ok ? [] : tied.problems.map((p) => p.pointer)).toEqual([
      '/visit/values/baseline',
      '/visit/values/M6',
      '/visit/values/M12',
    ]);
  });
});

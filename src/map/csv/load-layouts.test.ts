import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import { loadMappings } from '../load-mappings.ts';
import type { Mappings } from '../mapping-types.ts';
import { loadCsvLayout, loadCsvLayouts } from './load-layouts.ts';
import type { ResolvedLayout, ResolvedLongLayout, ResolvedWideLayout } from './layout-types.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const LAYOUTS = path.join(ROOT, 'mappings', 'csv');
const EXAMPLES = path.join(ROOT, 'examples', 'csv');

let mappings: Mappings;
beforeAll(async () => {
  mappings = await loadMappings(path.join(ROOT, 'mappings'));
});

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function layoutDir(files: Record<string, string>): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'sb-layouts-'));
  dir = d;
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(d, name), text);
  return d;
}

/** Runs a load that must fail and returns its issues as `expression :: diagnostics`. */
async function problems(load: () => Promise<unknown>): Promise<string[]> {
  try {
    await load();
  } catch (err) {
    if (!(err instanceof AdapterError)) throw err;
    expect(err.code).toBe('mapping.invalid');
    return (err.outcome.issue ?? []).map((i) => `${i.expression?.join(' ')} :: ${i.diagnostics}`);
  }
  throw new Error('the load succeeded');
}

/** A valid wide layout named `id`, with `columns` replaced when given. */
function wide(id: string, columns = '  - { column: FPG, analyte: glucose-fasting, unit: mmol/L }\n'): string {
  return [
    `id: ${id}`,
    'description: test layout',
    'kind: labs-wide',
    'source: test-site',
    'format: { delimiter: "," }',
    'dateFormat: YYYY-MM-DD',
    'timezone: Z',
    'subject: { column: subject, system: https://example.org/subject }',
    'date: { column: date }',
    'columns:',
    columns,
  ].join('\n');
}

function asWide(l: ResolvedLayout | undefined): ResolvedWideLayout {
  if (l?.kind !== 'labs-wide') throw new Error(`expected a wide layout, got ${l?.kind}`);
  return l;
}

function asLong(l: ResolvedLayout | undefined): ResolvedLongLayout {
  if (l?.kind !== 'labs-long') throw new Error(`expected a long layout, got ${l?.kind}`);
  return l;
}

describe('loadCsvLayouts', () => {
  it('When the shipped layouts load, then wide columns resolve to analytes and UCUM units', async () => {
    const layouts = await loadCsvLayouts(LAYOUTS, mappings);
    expect([...layouts.keys()]).toEqual(['registry-labs-wide', 'trial-labs-long']);

    const registry = asWide(layouts.get('registry-labs-wide'));
    expect(registry.layout.format).toMatchObject({ delimiter: ';', decimalComma: true });
    expect(registry.layout.dateFormat).toBe('DD/MM/YYYY');
    expect(registry.layout.visit?.values).toEqual({ baseline: 'baseline', M6: 'month-6', M12: 'month-12' });
    const byColumn = new Map(registry.columns.map((c) => [c.column, c]));
    const creatinine = byColumn.get('Creatinine (µmol/L)');
    expect(creatinine?.analyte.code).toBe('14682-9');
    expect(creatinine?.unit).toEqual({ original: 'µmol/L', ucum: 'umol/L' });
    expect(byColumn.get('Fasting insulin (uIU/mL)')?.unit.ucum).toBe('u[IU]/mL');
    expect(byColumn.get('C-peptide (ng/mL)')?.analyte.unit).toBe('nmol/L');
    expect(byColumn.get('HbA1c (%)')?.analyte).toBe(mappings.analytes.get('hba1c-ngsp'));
    expect(Object.isFrozen(registry.layout.format)).toBe(true);
  });

  it('When the shipped long layout loads, then its code table has the shape of a sender code table', async () => {
    const trial = asLong((await loadCsvLayouts(LAYOUTS, mappings)).get('trial-labs-long'));
    expect(trial.codes.get('GLU')).toEqual({ analyte: mappings.analytes.get('glucose-fasting') });
    expect(trial.codes.get('HBA1C')).toEqual({ analyte: mappings.analytes.get('hba1c-ngsp'), unit: '%' });
    expect(trial.layout.visit?.values.W48).toBe('week-48');
    expect([...trial.namedColumns].sort()).toEqual(['collected', 'result', 'subject_id', 'test_code', 'unit', 'visit']);
  });

  it('When the example exports are read with their layouts, then every named column and every code is known', async () => {
    const layouts = await loadCsvLayouts(LAYOUTS, mappings);
    for (const [id, l] of layouts) {
      const lines = (await readFile(path.join(EXAMPLES, `${id}.csv`), 'utf8')).split(/\r?\n/).filter(Boolean);
      const header = (lines[0] ?? '').split(l.layout.format.delimiter).map((h) => h.trim());
      for (const c of l.namedColumns) expect(header, `${id}: ${c}`).toContain(c);
      if (l.layout.extraColumns === 'reject') expect(header.length).toBe(l.namedColumns.size);
      const visitAt = header.indexOf(l.layout.visit?.column ?? '');
      for (const row of lines.slice(1)) {
        const cells = row.split(l.layout.format.delimiter);
        expect(cells.length, `${id}: ${row}`).toBe(header.length);
        expect(Object.keys(l.layout.visit?.values ?? {})).toContain(cells[visitAt]);
      }
      if (l.kind === 'labs-long') {
        const codeAt = header.indexOf(l.layout.long?.code.column ?? '');
        for (const row of lines.slice(1)) {
          const code = row.split(l.layout.format.delimiter)[codeAt] ?? '';
          const known = l.codes.has(code) || mappings.analytesByCode.has(`http://loinc.org|${code}`);
          expect(known, `${id}: code ${code}`).toBe(true);
        }
      }
    }
  });

  it('When layouts have many problems, then every problem of every file is reported at once with its pointer', async () => {
    const d = await layoutDir({
      'broken.yaml': [
        'id: not-the-file-name',
        'description: several problems',
        'kind: labs-wide',
        'source: test-site',
        'format: { delimiter: ";" }',
        'dateFormat: DD/MM/YYYY',
        'timezone: "+7"',
        'subject: { column: subject, system: registry-subject }',
        'date: { column: date }',
        'columns:',
        '  - { column: A, analyte: no-such-analyte, unit: mmol/L }',
        '  - { column: B, analyte: glucose-fasting, unit: "mg/dl/zz" }',
        '  - { column: subject, analyte: triglycerides, unit: mmol/L }',
        'long:',
        '  code: { column: code }',
        '  value: { column: value }',
        '  unit: { column: unit }',
        '  codes: []',
      ].join('\n'),
      'schema.yaml':
        wide('schema').replace('format: { delimiter: "," }', 'format: { delimiter: "#" }') + 'colums: []\n',
      'yaml-error.yaml': 'id: [unclosed\n',
      'good.yaml': wide('good'),
      'README.md': 'not a layout',
    });
    const found = await problems(() => loadCsvLayouts(d, mappings));
    const joined = found.join('\n');
    expect(joined).toMatch(/broken\.yaml:\/id :: id 'not-the-file-name' must equal the file name 'broken'/);
    expect(joined).toMatch(/broken\.yaml:\/timezone :: timezone '\+7' is neither Z nor/);
    expect(joined).toMatch(/broken\.yaml:\/subject\/system :: 'registry-subject' is not an absolute URI/);
    expect(joined).toMatch(/broken\.yaml:\/columns\/0\/analyte :: unknown analyte 'no-such-analyte'/);
    expect(joined).toMatch(/broken\.yaml:\/columns\/1\/unit :: unit 'mg\/dl\/zz' is neither UCUM nor an alias/);
    expect(joined).toMatch(
      /broken\.yaml:\/columns\/2\/column :: column 'subject' is already named at \/subject\/column/,
    );
    expect(joined).toMatch(/broken\.yaml:\/long :: a labs-wide layout has 'columns', not 'long'/);
    expect(joined).toMatch(/schema\.yaml:\/ :: must NOT have additional properties 'colums'/);
    expect(joined).toMatch(/schema\.yaml:\/format\/delimiter :: must be equal to one of the allowed values/);
    expect(joined).toMatch(/yaml-error\.yaml:\d+:\d+/);
    expect(joined).not.toMatch(/good\.yaml|README/);
    expect(found.filter((f) => f.startsWith('broken.yaml:'))).toHaveLength(7);
  });

  it('When a long layout lacks its long section or repeats a code or a column, then each is reported', async () => {
    const d = await layoutDir({
      'no-long.yaml': wide('no-long').replace('kind: labs-wide', 'kind: labs-long'),
      'dup.yaml': [
        'id: dup',
        'description: repeated names',
        'kind: labs-long',
        'source: test-site',
        'format: { delimiter: "," }',
        'dateFormat: YYYY-MM-DD',
        'timezone: "-05:00"',
        'subject: { column: subject, system: "urn:oid:2.16.840.1.113883.3.1" }',
        'date: { column: date }',
        'long:',
        '  code: { column: code }',
        '  value: { column: " date " }',
        '  unit: { column: unit }',
        '  codes:',
        '    - { local: GLU, analyte: glucose-fasting }',
        '    - { local: GLU, analyte: triglycerides }',
      ].join('\n'),
    });
    const joined = (await problems(() => loadCsvLayouts(d, mappings))).join('\n');
    expect(joined).toMatch(/no-long\.yaml:\/ :: a labs-long layout needs 'long'/);
    expect(joined).toMatch(/no-long\.yaml:\/columns :: a labs-long layout has 'long', not 'columns'/);
    expect(joined).toMatch(/dup\.yaml:\/long\/value\/column :: column 'date' is already named at \/date\/column/);
    expect(joined).toMatch(
      /dup\.yaml:\/long\/codes\/1\/local :: local code 'GLU' is already listed at \/long\/codes\/0/,
    );
  });

  it('When a layout leaves optional fields out, then the schema defaults are filled in', async () => {
    const d = await layoutDir({ 'minimal.yaml': wide('minimal') });
    const l = await loadCsvLayout(path.join(d, 'minimal.yaml'), mappings);
    expect(l.layout.format).toEqual({
      delimiter: ',',
      quote: '"',
      encoding: 'utf-8',
      header: true,
      decimalComma: false,
    });
    expect(l.layout.missing).toEqual(['', 'NA', 'ND', '-']);
    expect(l.layout.extraColumns).toBe('ignore');
    expect(l.layout.visit).toBeUndefined();
    expect(l.file).toBe(path.join(d, 'minimal.yaml'));
  });

  it('When a unit cannot be converted to the analyte canonical unit, then the layout is refused', async () => {
    const d = await layoutDir({
      'units.yaml': wide(
        'units',
        [
          '  - { column: ALB, analyte: albumin, unit: mmol/L }',
          '  - { column: GLU, analyte: glucose-fasting, unit: "%" }',
          '  - { column: CKD, analyte: ckd-stage, unit: "1" }',
          '  - { column: A1C, analyte: hba1c-ngsp, unit: mmol/mol }',
          '  - { column: FPG, analyte: glucose-fasting, unit: mg/dL }',
        ].join('\n'),
      ),
    });
    const found = await problems(() => loadCsvLayout(path.join(d, 'units.yaml'), mappings));
    const joined = found.join('\n');
    expect(joined).toMatch(/units\.yaml:\/columns\/0\/unit :: unit 'mmol\/L' cannot be converted: .*no molar mass/);
    expect(joined).toMatch(/units\.yaml:\/columns\/1\/unit :: unit '%' cannot be converted/);
    expect(joined).toMatch(/units\.yaml:\/columns\/2\/unit :: analyte 'ckd-stage' has no canonical unit/);
    // HbA1c in mmol/mol has a conversion in its analyte file; glucose in mg/dL converts with its molar mass; but
    // the second glucose column is one analyte twice.
    expect(joined).not.toMatch(/\/columns\/3\//);
    expect(found.filter((f) => f.includes('/columns/4/'))).toEqual([
      expect.stringMatching(/\/columns\/4\/analyte :: analyte 'glucose-fasting' already has a column at \/columns\/1/),
    ]);
  });

  it('When a long layout code has a default unit that cannot be converted, then it is refused', async () => {
    const d = await layoutDir({
      'long-unit.yaml': [
        'id: long-unit',
        'description: bad default unit',
        'kind: labs-long',
        'source: test-site',
        'format: { delimiter: "\\t" }',
        'dateFormat: YYYYMMDD',
        'timezone: "+14:00"',
        'subject: { column: subject, system: https://example.org/subject }',
        'date: { column: date }',
        'long: { code: { column: code }, value: { column: value }, unit: { column: unit }, codes: [ { local: ALT, analyte: alt, unit: mmol/L } ] }',
      ].join('\n'),
    });
    expect((await problems(() => loadCsvLayouts(d, mappings))).join('\n')).toMatch(
      /long-unit\.yaml:\/long\/codes\/0\/unit :: unit 'mmol\/L' cannot be converted/,
    );
  });

  it('When the layouts directory does not exist, then that is the one problem', async () => {
    const found = await problems(() => loadCsvLayouts(path.join(tmpdir(), 'sb-no-such-layouts'), mappings));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/cannot be read/);
  });
});

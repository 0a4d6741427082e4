import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import { loadMappings } from '../load-mappings.ts';
import type { Mappings } from '../mapping-types.ts';
import { isLabLayout } from './layout-types.ts';
import { loadAnyCsvLayout, loadCsvLayout, loadCsvLayouts, loadCsvLayoutSet } from './load-layouts.ts';

let mappings: Mappings;
beforeAll(async () => {
  mappings = await loadMappings('mappings');
});

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function layoutDir(files: Record<string, string>): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'sb-study-layouts-'));
  dir = d;
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(d, name), text);
  return d;
}

async function problems(load: () => Promise<unknown>): Promise<string> {
  const err = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AdapterError)) throw new Error(`expected an AdapterError, got ${String(err)}`);
  expect(err.code).toBe('mapping.invalid');
  return (err.outcome.issue ?? []).map((i) => `${i.expression?.join(' ')} :: ${i.diagnostics}`).join('\n');
}

/** A study layout of `kind` for `study`, with its section given as YAML lines. */
function layout(id: string, kind: string, study: string, section: string[]): string {
  return [
    `id: ${id}`,
    'description: test layout',
    `kind: ${kind}`,
    `study: ${study}`,
    'source: test-site',
    'format: { delimiter: "," }',
    'dateFormat: YYYY-MM-DD',
    'timezone: "+08:00"',
    'subject: { column: subject, system: https://example.org/subject }',
    ...section,
  ].join('\n');
}

const INFUSION = [
  'infusion:',
  '  doseNumber: { column: n }',
  '  status: { column: status, values: { given: completed } }',
  '  start: { column: start }',
];

describe('study layouts', () => {
  it('When the shipped layouts load, then the study layouts come resolved against their studies', async () => {
    const all = await loadCsvLayoutSet('mappings/csv', mappings);
    const study = [...all.values()].filter((l) => !isLabLayout(l));
    expect(study.map((l) => `${l.layout.id}: ${l.kind} of ${isLabLayout(l) ? '' : l.study.definition.id}`)).toEqual([
      'nafld-rct-infusions: infusion-log of uc-msc-nafld-rct',
      'nafld-rct-roster: roster of uc-msc-nafld-rct',
      'registry-infusions: infusion-log of uc-msc-registry',
      'safety-rct-adverse-events: adverse-events of uc-msc-safety-rct',
      'safety-rct-infusions: infusion-log of uc-msc-safety-rct',
      'safety-rct-roster: roster of uc-msc-safety-rct',
    ]);
    const roster = all.get('safety-rct-roster');
    expect([...(roster?.namedColumns ?? [])]).toEqual([
      'subject_id',
      'status',
      'randomized_arm',
      'treated_arm',
      'randomization_date',
      'end_date',
    ]);
    // The lab loader's callers keep getting lab layouts only.
    expect([...(await loadCsvLayouts('mappings/csv', mappings)).keys()]).toEqual([
      'registry-labs-wide',
      'trial-labs-long',
    ]);
  });

  it('When a study example is read with its layout, then every named column is in its header', async () => {
    const all = await loadCsvLayoutSet('mappings/csv', mappings);
    for (const l of all.values()) {
      if (isLabLayout(l)) continue;
      const text = await readFile(`examples/csv/${l.layout.id}.csv`, 'utf8');
      const header = (text.split('\n')[0] ?? '').split(l.layout.format.delimiter);
      for (const c of l.namedColumns) expect(header, `${l.layout.id}: ${c}`).toContain(c);
    }
  });

  it('When study layouts have many problems, then every problem of every file is reported at once', async () => {
    const d = await layoutDir({
      'no-study.yaml': layout('no-study', 'roster', 'no-such-study', [
        'roster:',
        '  status: { column: status, values: { in: on-study } }',
        '  assignedArm: { column: arm }',
      ]),
      'arms.yaml': layout('arms', 'roster', 'uc-msc-safety-rct', [
        'roster:',
        '  status: { column: status, values: { in: enrolled } }',
        '  assignedArm: { column: arm, values: { X: Experimental } }',
        '  start: { column: subject }',
      ]),
      'wrong-section.yaml': layout('wrong-section', 'infusion-log', 'uc-msc-registry', [
        'roster:',
        '  status: { column: status, values: { in: on-study } }',
        '  assignedArm: { column: arm }',
      ]),
      'blinded.yaml': layout('blinded', 'infusion-log', 'uc-msc-nafld-rct', [
        ...INFUSION,
        '  product: { column: product, values: { A: uc-msc-or-placebo-blinded } }',
        '  expiry: { column: expiry }',
        '  dose: { total: { column: cells }, perKg: { column: per_kg } }',
      ]),
      'products.yaml': layout('products', 'infusion-log', 'uc-msc-safety-rct', [
        ...INFUSION,
        '  dose: { perKg: { column: per_kg } }',
      ]),
      'events.yaml': layout('events', 'adverse-events', 'uc-msc-safety-rct', [
        'adverseEvent:',
        '  event:',
        '    column: term',
        '    codes:',
        '      - { local: Fever, system: http://snomed.info/sct, code: "386661006", display: Fever }',
        '      - { local: Fever, system: snomed, code: "386661006", display: Fever }',
        '  date: { column: onset }',
        '  seriousness: { column: serious, values: { Y: serious } }',
      ]),
      'good.yaml': layout('good', 'infusion-log', 'uc-msc-registry', [
        ...INFUSION,
        '  dose: { total: { column: cells } }',
      ]),
    });
    const joined = await problems(() => loadCsvLayoutSet(d, mappings));
    for (const expected of [
      /no-study\.yaml:\/study :: unknown study 'no-such-study'/,
      /arms\.yaml:\/roster\/status\/values\/in :: must be equal to one of the allowed values/,
      /wrong-section\.yaml:\/roster :: an infusion-log layout has 'infusion', not 'roster'/,
      /wrong-section\.yaml:\/ :: an infusion-log layout needs 'infusion'/,
      /blinded\.yaml:\/infusion\/dose :: the dose is either 'total' or 'perKg' with 'weight', not both/,
      /blinded\.yaml:\/infusion\/expiry :: an expiry date belongs to a lot/,
      /blinded\.yaml:\/infusion\/product :: study 'uc-msc-nafld-rct' is blinded: an infusion log must not say which product/,
      /products\.yaml:\/infusion\/dose :: the dose needs 'total', or 'perKg' with 'weight'/,
      /products\.yaml:\/infusion :: study 'uc-msc-safety-rct' has 2 products: the layout needs a product column/,
      /events\.yaml:\/adverseEvent\/seriousness\/values\/Y :: must be equal to one of the allowed values \(Serious,Non-serious\)/,
    ]) {
      expect(joined).toMatch(expected);
    }
    expect(joined).not.toMatch(/good\.yaml/);
  });

  it('When a layout names arms, columns or terms wrongly, then each is reported with its pointer', async () => {
    const d = await layoutDir({
      'arms.yaml': layout('arms', 'roster', 'uc-msc-safety-rct', [
        'roster:',
        '  status: { column: status, values: { in: on-study } }',
        '  assignedArm: { column: arm, values: { X: Experimental } }',
        '  start: { column: subject }',
      ]),
      'events.yaml': layout('events', 'adverse-events', 'uc-msc-safety-rct', [
        'adverseEvent:',
        '  event:',
        '    column: term',
        '    codes:',
        '      - { local: Fever, system: http://snomed.info/sct, code: "386661006", display: Fever }',
        '      - { local: Fever, system: snomed, code: "386661006", display: Fever }',
        '  date: { column: onset }',
        '  seriousness: { column: serious, values: { Y: Serious } }',
      ]),
      'section.yaml': layout('section', 'infusion-log', 'uc-msc-registry', [
        ...INFUSION,
        '  dose: { total: { column: cells } }',
        'roster:',
        '  status: { column: status, values: { in: on-study } }',
        '  assignedArm: { column: arm }',
      ]),
    });
    const joined = await problems(() => loadCsvLayoutSet(d, mappings));
    for (const expected of [
      /arms\.yaml:\/roster\/assignedArm\/values\/X :: 'Experimental' is not an arm of study 'uc-msc-safety-rct' \(hUC-MSC, Placebo\)/,
      /arms\.yaml:\/roster\/start\/column :: column 'subject' is already named at \/subject\/column/,
      /events\.yaml:\/adverseEvent :: an adverse-event layout needs 'severity', 'grade' or both/,
      /events\.yaml:\/adverseEvent\/event\/codes\/1\/local :: term 'Fever' is already listed/,
      /events\.yaml:\/adverseEvent\/event\/codes\/1\/system :: 'snomed' is not an absolute URI/,
      /section\.yaml:\/roster :: an infusion-log layout has 'infusion', not 'roster'/,
    ]) {
      expect(joined).toMatch(expected);
    }
  });

  it('When a study definition is broken, then its problems are reported with the layouts that need it', async () => {
    const d = await layoutDir({
      'good.yaml': layout('good', 'infusion-log', 'uc-msc-registry', [
        ...INFUSION,
        '  dose: { total: { column: cells } }',
      ]),
    });
    const studies = await mkdtemp(path.join(tmpdir(), 'sb-mappings-'));
    try {
      await import('node:fs/promises').then((fs) => fs.mkdir(path.join(studies, 'studies')));
      await writeFile(path.join(studies, 'studies', 'uc-msc-registry.yaml'), 'id: uc-msc-registry\ntitle: x\n');
      const joined = await problems(() => loadCsvLayoutSet(d, { ...mappings, dir: studies }));
      expect(joined).toMatch(/studies\/uc-msc-registry\.yaml:\/ :: must have required property 'identifiers'/);
      expect(joined).toMatch(/good\.yaml:\/study :: unknown study 'uc-msc-registry'/);
    } finally {
      await rm(studies, { recursive: true, force: true });
    }
  });

  it('When one study layout file is loaded, then it resolves, and the lab-only loader refuses it by kind', async () => {
    const roster = await loadAnyCsvLayout('mappings/csv/nafld-rct-roster.yaml', mappings);
    expect(roster.kind).toBe('roster');
    expect(await problems(() => loadCsvLayout('mappings/csv/nafld-rct-roster.yaml', mappings))).toMatch(
      /nafld-rct-roster\.yaml:\/kind :: a roster layout, where a lab layout is expected/,
    );
  });
});

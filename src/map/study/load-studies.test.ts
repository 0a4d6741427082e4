import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import { loadMappings } from '../load-mappings.ts';
import type { Mappings } from '../mapping-types.ts';
import { loadStudies } from './load-studies.ts';

let mappings: Mappings;
beforeAll(async () => {
  mappings = await loadMappings('mappings');
});

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function studyDir(files: Record<string, string>): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'sb-studies-'));
  dir = d;
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(d, name), text);
  return d;
}

/** Runs a load that must fail and returns its issues as `expression :: diagnostics`. */
async function problems(load: () => Promise<unknown>): Promise<string[]> {
  const err = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AdapterError)) throw new Error(`expected an AdapterError, got ${String(err)}`);
  expect(err.code).toBe('mapping.invalid');
  return (err.outcome.issue ?? []).map((i) => `${i.expression?.join(' ')} :: ${i.diagnostics}`);
}

/** A valid unblinded two-arm study named `id`, with `extra` lines appended. */
function study(id: string, extra = ''): string {
  return [
    `id: ${id}`,
    'title: Test study',
    'identifiers: [{ system: "https://example.org/study", value: T1 }]',
    'status: active',
    'phase: phase-2',
    'primaryPurposeType: treatment',
    'blinded: false',
    'arms:',
    '  - { name: Active, type: experimental, product: uc-msc }',
    '  - { name: Control, type: placebo-comparator, product: placebo-saline }',
    'visits:',
    '  - { code: dose-1, day: 0, window: 0 }',
    '  - { code: dose-2, day: 7, window: 1 }',
    'products:',
    '  - { code: uc-msc, text: cells }',
    '  - { code: placebo-saline, text: saline, cellDose: false }',
    extra,
  ].join('\n');
}

describe('loadStudies', () => {
  it('When the shipped studies load, then each has its arms, products, dose count and ResearchStudy', async () => {
    const studies = await loadStudies('mappings/studies', mappings);
    expect([...studies.keys()]).toEqual(['uc-msc-nafld-rct', 'uc-msc-registry', 'uc-msc-safety-rct']);
    const safety = studies.get('uc-msc-safety-rct')!;
    expect([...safety.armNames]).toEqual(['hUC-MSC', 'Placebo']);
    expect(safety.doses).toBe(3);
    expect(safety.products.get('placebo-saline')).toMatchObject({
      cellDose: false,
      display: 'Placebo: acellular saline for infusion',
    });
    expect(safety.url).toBe(
      'ResearchStudy?identifier=https%3A%2F%2Fstudybridge.org%2Ffhir%2FNamingSystem%2Fstudy|uc-msc-safety-rct',
    );
    const nafld = studies.get('uc-msc-nafld-rct')!;
    expect(nafld.definition.blinded).toBe(true);
    expect(nafld.researchStudy.arm?.map((a) => [a.name, a.type])).toEqual([
      ['Arm A', undefined],
      ['Arm B', undefined],
    ]);
    expect(studies.get('uc-msc-registry')?.doses).toBe(1);
    expect(Object.isFrozen(safety.definition.arms)).toBe(true);
  });

  it('When study files have many problems, then every problem of every file is reported at once', async () => {
    const d = await studyDir({
      'broken.yaml': study('not-broken')
        .replace('"https://example.org/study"', 'example-study')
        .replace('{ code: dose-2, day: 7, window: 1 }', '{ code: dose-3, day: 14, window: 1 }')
        .replace('product: placebo-saline }', 'product: saline }')
        .replace('{ name: Control,', '{ name: Active,')
        .replace('{ code: uc-msc, text: cells }', '{ code: uc-msc-x, text: cells }'),
      'schema.yaml': study('schema')
        .replace('status: active', 'status: recruiting')
        .replace('phase: phase-2', 'phase: 2')
        .replace('blinded: false', 'blinded: false\nmasking: double'),
      'blind.yaml': study('blind').replace('blinded: false', 'blinded: true'),
      'period.yaml': study('period', 'period: { start: "2021-02-30", end: "2020-12" }'),
      'good.yaml': study('good'),
      'notes.md': 'not a study',
    });
    const found = await problems(() => loadStudies(d, mappings));
    const joined = found.join('\n');
    for (const expected of [
      /broken\.yaml:\/id :: id 'not-broken' must equal the file name 'broken'/,
      /broken\.yaml:\/identifiers\/0\/system :: 'example-study' is not an absolute URI/,
      /broken\.yaml:\/products\/0\/code :: 'uc-msc-x' is not a code of https:\/\/studybridge\.org\/fhir\/CodeSystem\/study-products/,
      /broken\.yaml:\/arms\/0\/product :: 'uc-msc' is not a product of the study/,
      /broken\.yaml:\/arms\/1\/name :: arm 'Active' is already at \/arms\/0\/name/,
      /broken\.yaml:\/arms\/1\/product :: 'saline' is not a product of the study/,
      /broken\.yaml:\/visits :: dose visits must be numbered dose-1, dose-2, … without gaps/,
      /schema\.yaml:\/ :: must NOT have additional properties 'masking'/,
      /schema\.yaml:\/status :: must be equal to one of the allowed values/,
      /schema\.yaml:\/phase :: must be equal to one of the allowed values/,
      /blind\.yaml:\/arms\/0\/type :: a blinded study gives its arms no type/,
      /blind\.yaml:\/arms\/1\/product :: a blinded study names no product per arm/,
      /blind\.yaml:\/products :: a blinded study has exactly one product/,
      /blind\.yaml:\/products\/0\/cellDose :: the blinded study product has the cell dose/,
      /period\.yaml:\/period\/start :: no such date '2021-02-30'/,
      /period\.yaml:\/period\/end :: the period ends before it starts/,
    ]) {
      expect(joined).toMatch(expected);
    }
    expect(joined).not.toMatch(/good\.yaml|notes\.md/);
    expect(found.every((f) => f.startsWith(`${path.basename(d)}/`))).toBe(true);
  });

  it('When the studies directory does not exist, then that is the one problem', async () => {
    const found = await problems(() => loadStudies(path.join(tmpdir(), 'sb-no-such-studies'), mappings));
    expect(found).toEqual([expect.stringMatching(/studies directory cannot be read/)]);
  });
});

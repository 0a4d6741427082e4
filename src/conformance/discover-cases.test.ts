import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseKind } from './case-kinds.ts';
import { discoverCases } from './discover-cases.ts';

const hl7: CaseKind = { extension: '.hl7', convert: async () => [] };
const csv: CaseKind = { extension: '.csv', convert: async () => [] };

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sb-discover-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function files(names: string[]): Promise<void> {
  for (const name of names) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), '');
  }
}

describe('case discovery', () => {
  it('When inputs sit in nested folders, then each is a case named by its relative path, sorted', async () => {
    await files(['b.hl7', 'b.expected.json', 'oru/a.hl7', 'oru/a.expected.json', 'oru/deep/c.hl7', 'notes.md']);
    const { cases, orphans } = await discoverCases([root], [hl7]);
    expect(cases.map((c) => [c.name, c.hasExpectation])).toEqual([
      ['b', true],
      ['oru/a', true],
      ['oru/deep/c', false],
    ]);
    expect(cases[1]?.expectedPath).toBe(path.join(root, 'oru/a.expected.json'));
    expect(orphans).toEqual([]);
  });

  it('When hidden folders, node_modules or expectations without input exist, then they are not cases', async () => {
    await files(['.git/x.hl7', 'node_modules/y.hl7', 'gone.expected.json', 'ok.hl7']);
    const { cases, orphans } = await discoverCases([root], [hl7]);
    expect(cases.map((c) => c.name)).toEqual(['ok']);
    expect(orphans).toEqual([path.join(root, 'gone.expected.json')]);
  });

  it('When another input kind is registered, then its files are cases too, with that kind', async () => {
    await files(['a.hl7', 'b.csv']);
    const { cases } = await discoverCases([root], [hl7, csv]);
    expect(cases.map((c) => [c.name, c.kind.extension])).toEqual([
      ['a', '.hl7'],
      ['b', '.csv'],
    ]);
    expect((await discoverCases([root], [hl7])).cases.map((c) => c.name)).toEqual(['a']);
  });

  it('When two inputs would share one expectation file, then discovery refuses', async () => {
    await files(['a.hl7', 'a.csv']);
    await expect(discoverCases([root], [hl7, csv])).rejects.toThrow(/share one expectation file/);
  });

  it('When a filter is given, then only names containing it are kept', async () => {
    await files(['oru/glucose.hl7', 'oru/potassium.hl7', 'adt/glucose-batch.hl7']);
    const { cases } = await discoverCases([root], [hl7], { filter: 'glucose' });
    expect(cases.map((c) => c.name)).toEqual(['adt/glucose-batch', 'oru/glucose']);
  });

  it('When several roots are given, then names carry the root; a missing root is an error', async () => {
    await files(['one/a.hl7', 'two/a.hl7']);
    const one = path.join(root, 'one');
    const two = path.join(root, 'two');
    const { cases } = await discoverCases([one, two], [hl7]);
    expect(cases.map((c) => c.name)).toEqual([`${one}/a`, `${two}/a`].map((n) => n.split(path.sep).join('/')));
    await expect(discoverCases([path.join(root, 'nope')], [hl7])).rejects.toThrow(/not found/);
  });
});

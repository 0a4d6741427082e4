import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from './compiled-types.ts';
import { oruResources } from './fixtures.ts';
import { loadValidator } from './load-validator.ts';
import { PROFILES_DIR } from './profile-gen/write-profiles.ts';
import type { ResourceValidator } from './types.ts';

/*
 * `@medplum/core` validateResource is the reference for structure, cardinality, datatypes and resource
 * invariants (but not bindings). Our validator replaces it on the hot path, so on a corpus of broken
 * resources every error Medplum finds must be found by us too, at the same place.
 */

let validator: ResourceValidator;
beforeAll(async () => {
  validator = await loadValidator({ profilesDir: PROFILES_DIR });
});

/** Variants with one property removed, for every property at every depth. */
function removals(value: unknown): unknown[] {
  if (Array.isArray(value))
    return value.flatMap((item, i) => removals(item).map((m) => value.map((x, j) => (j === i ? m : x))));
  if (typeof value !== 'object' || value === null) return [];
  const o = value as JsonObject;
  return Object.keys(o).flatMap((k) => [
    Object.fromEntries(Object.entries(o).filter(([key]) => key !== k)),
    ...removals(o[k]).map((m) => ({ ...o, [k]: m })),
  ]);
}

/** Variants with one property replaced by a wrong-shaped value, for every property at every depth. */
function blanks(value: unknown): unknown[] {
  if (Array.isArray(value))
    return value.flatMap((item, i) => blanks(item).map((m) => value.map((x, j) => (j === i ? m : x))));
  if (typeof value !== 'object' || value === null) return [];
  const o = value as JsonObject;
  return Object.keys(o).flatMap((k) => [
    ...['', {}, [], null, 42, 'a b'].map((b) => ({ ...o, [k]: b })),
    ...blanks(o[k]).map((m) => ({ ...o, [k]: m })),
  ]);
}

/** Medplum writes `value[x].code` and drops indices; compare on the common prefix. */
function normalize(path: string): string {
  const p = path.replace(/\[\d+\]/g, '');
  const choice = p.indexOf('[x]');
  return choice >= 0 ? p.slice(0, choice) : p;
}

function medplumErrors(resource: unknown): string[] {
  try {
    validateResource(resource as Resource);
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) return [`threw ${String(err)}`];
    return (err.outcome.issue ?? []).filter((i) => i.severity === 'error').map((i) => i.expression?.[0] ?? '');
  }
}

describe('agreement with @medplum/core validateResource', () => {
  it('When Medplum reports an error on a broken resource, then we report one at the same path', () => {
    // Profiles are left out: Medplum does not apply meta.profile.
    const base = oruResources().map((r) => ({ ...r, meta: undefined }));
    const corpus = [...base, ...base.flatMap(removals), ...base.slice(0, 5).flatMap(blanks)].filter(
      (r) => typeof (r as JsonObject).resourceType === 'string',
    );
    const missed: string[] = [];
    let medplumFound = 0;
    for (const r of corpus) {
      const theirs = medplumErrors(r);
      if (theirs.length > 0) medplumFound++;
      const ours = validator
        .validate(r as Resource)
        .filter((i) => i.severity === 'error')
        .map((i) => normalize(i.expression?.[0] ?? ''));
      for (const path of theirs) {
        const p = normalize(path);
        if (!ours.some((o) => p === '' || o.startsWith(p) || p.startsWith(o)))
          missed.push(`${path} in ${JSON.stringify(r)}`);
      }
    }
    expect(missed).toEqual([]);
    expect(medplumFound).toBeGreaterThan(300);
  });

  it('When Medplum passes a required-binding violation, then we still reject it (the gap we close)', () => {
    const obs = { ...oruResources()[4], meta: undefined, status: 'bogus' } as unknown as Resource;
    expect(medplumErrors(obs)).toEqual([]);
    expect(validator.validate(obs).map((i) => i.expression?.[0])).toEqual(['Observation.status']);
  });
});

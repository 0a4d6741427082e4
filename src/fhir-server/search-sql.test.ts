import { parseSearchRequest } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { SearchParamRegistry } from './search-params.ts';
import { compileFilters, type SqlContext } from './search-sql.ts';

const ids = new Map<string, number>();
const ctx: SqlContext = {
  registry: new SearchParamRegistry(),
  paramId: (type, code) => {
    const key = `${type}.${code}`;
    if (!ids.has(key)) ids.set(key, ids.size + 1);
    return ids.get(key);
  },
};

function compile(url: string): string {
  const req = parseSearchRequest(url);
  return compileFilters(ctx, req.resourceType, req.filters ?? [], 'r').sql;
}

describe('compileFilters: which lookup drives the query', () => {
  it('When code and patient are both given, then the patient lookup drives and the code is probed per candidate', () => {
    const sql = compile('Observation?code=http://loinc.org|4548-4&patient=p1');
    expect(sql.startsWith('r.pk IN (SELECT pk FROM ix_ref')).toBe(true);
    expect(sql).toContain('EXISTS (SELECT 1 FROM ix_token WHERE pk = r.pk');
    expect(sql).not.toContain('r.pk IN (SELECT pk FROM ix_token');
  });

  it('When an identifier is given with a date, then the identifier drives', () => {
    const sql = compile('Observation?date=ge2026-01-01&identifier=https://example.org/obs|O-1');
    expect(sql.startsWith('r.pk IN (SELECT pk FROM ix_token')).toBe(true);
    expect(sql).toContain('EXISTS (SELECT 1 FROM ix_date WHERE pk = r.pk');
  });

  it('When the only other filter is a negation, then it stays NOT IN and never drives', () => {
    const sql = compile('Observation?status:not=final&code=4548-4');
    expect(sql.startsWith('r.pk IN (SELECT pk FROM ix_token')).toBe(true);
    expect(sql).toContain('r.pk NOT IN (SELECT pk FROM ix_token');
  });

  it('When there is one filter, then it is a plain IN lookup', () => {
    expect(compile('Observation?code=4548-4')).toMatch(/^r\.pk IN \(SELECT pk FROM ix_token WHERE param = \? AND/);
  });
});

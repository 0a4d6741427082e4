/**
 * The embedded server's search conformance cases (test/fhir-search), run against HAPI FHIR. Where the two
 * servers differ on purpose the difference is listed in `search-differences.json` with the reason, and the
 * case must still differ (so the list stays true); every other case must pass on HAPI as it does on ours.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSearchCases, loadSeed, runSearchCase } from '../fhir-search/search-cases.ts';
import { FhirClient } from './support/fhir-client.ts';

const fhir = new FhirClient(inject('fhirBaseUrl'));
const differences = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'search-differences.json'), 'utf8'),
) as Record<string, string>;

beforeAll(async () => {
  await fhir.reset();
  const { status, body } = await fhir.transaction(loadSeed());
  if (status !== 200) throw new Error(`seeding HAPI failed: ${status} ${JSON.stringify(body).slice(0, 1000)}`);
});

for (const { group, cases } of loadSearchCases()) {
  describe(`search conformance on HAPI: ${group}`, () => {
    for (const c of cases) {
      const why = differences[c.name];
      if (why) {
        it(`When ${c.request}, then HAPI differs as documented: ${why}`, async () => {
          expect(await runSearchCase(fhir.base, c)).not.toEqual([]);
        });
      } else {
        it(`When ${c.request}, then ${c.name}`, async () => {
          expect(await runSearchCase(fhir.base, c)).toEqual([]);
        });
      }
    }
  });
}

describe('the list of differences', () => {
  it('names only cases that exist', () => {
    const names = new Set(loadSearchCases().flatMap((g) => g.cases.map((c) => c.name)));
    expect(Object.keys(differences).filter((n) => !names.has(n))).toEqual([]);
  });
});

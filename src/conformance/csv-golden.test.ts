/**
 * The CSV conformance cases under `test/conformance/cases/csv/<layout id>/`, run through the real CSV pipeline,
 * layouts and validator, one test per case, so `npm test` checks them as `npm run conformance` does. Expectations
 * are only written by `npm run conformance -- --update`; here a case fails whatever its expectation says when an
 * invariant is broken.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMappings } from '../map/load-mappings.ts';
import { loadValidator } from '../validate/load-validator.ts';
import type { ResourceValidator } from '../validate/types.ts';
import { csvCaseKind } from './case-kinds.ts';
import { layoutCaseConverter, loadCaseLayouts } from './csv-layout-cases.ts';
import { discoverCases } from './discover-cases.ts';
import { failureDetails } from './format-report.ts';
import { runCase } from './run-case.ts';

const casesDir = fileURLToPath(new URL('../../test/conformance/cases/csv', import.meta.url));
const mappingsDir = fileURLToPath(new URL('../../mappings', import.meta.url));
const profilesDir = fileURLToPath(new URL('../../profiles', import.meta.url));

// Loaded once, on first use inside a test, so a load failure fails every case with its reason.
let loaded: Promise<{ validator: ResourceValidator; convert: ReturnType<typeof layoutCaseConverter> }> | undefined;
const load = () =>
  (loaded ??= (async () => {
    const [mappings, validator] = await Promise.all([loadMappings(mappingsDir), loadValidator({ profilesDir })]);
    const layouts = await loadCaseLayouts(mappingsDir, mappings);
    return { validator, convert: layoutCaseConverter(layouts, { mappings, validator }) };
  })());

const kind = csvCaseKind(async (input, layoutId, options) => (await load()).convert(input, layoutId, options));
const { cases } = existsSync(casesDir) ? await discoverCases([casesDir], [kind]) : { cases: [] };

it('has CSV conformance cases for every shipped layout', () => {
  const layoutsWithCases = new Set(cases.map((c) => c.name.split('/')[0]));
  expect([...layoutsWithCases].sort()).toEqual(['registry-labs-wide', 'trial-labs-long']);
});

describe.runIf(cases.length > 0)('CSV conformance cases', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { validator } = await load();
    const result = await runCase(c, { validator });
    if (!result.passed) expect.fail(`${c.name} (${c.inputPath})\n${failureDetails(result).join('\n')}`);
    expect(result.passed).toBe(true);
  });
});

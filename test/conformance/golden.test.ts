/**
 * The golden conformance cases under `test/conformance/cases` (HL7 v2 messages, and CSV exports under
 * `csv/<layout id>/`), run through the real converter, layouts and validator, one test per case. `UPDATE_GOLDEN=1 npm test -- test/conformance` rewrites the expectations from the
 * current output: the only way they change in tests. Invariant violations fail even then.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { realStages } from '../../src/cli/stages.ts';
import { csvCaseKind } from '../../src/conformance/case-kinds.ts';
import { layoutCaseConverter, loadCaseLayouts } from '../../src/conformance/csv-layout-cases.ts';
import { discoverCases, failureDetails, hl7CaseKind, runCase } from '../../src/conformance/index.ts';
import type { AnyCsvLayouts } from '../../src/map/csv/layout-types.ts';
import { loadMappings } from '../../src/map/load-mappings.ts';
import type { ConvertFn } from '../../src/pipeline/convert-types.ts';
import type { ResourceValidator } from '../../src/validate/types.ts';

const casesDir = fileURLToPath(new URL('./cases', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const dirs = {
  mappingsDir: process.env.STUDYBRIDGE_MAPPINGS_DIR || fileURLToPath(new URL('../../mappings', import.meta.url)),
  profilesDir: process.env.STUDYBRIDGE_PROFILES_DIR || fileURLToPath(new URL('../../profiles', import.meta.url)),
};

// Loaded once, on first use inside a test: a load failure then fails every case with its reason instead of
// leaving them skipped behind a failed hook.
let stages: Promise<[ConvertFn, ResourceValidator]> | undefined;
const loadStages = (): Promise<[ConvertFn, ResourceValidator]> =>
  (stages ??= Promise.all([
    realStages.createConverter(dirs),
    realStages.loadValidator({ profilesDir: dirs.profilesDir }),
  ]));

let csv: Promise<{ layouts: AnyCsvLayouts; convert: ReturnType<typeof layoutCaseConverter> }> | undefined;
const loadCsv = () =>
  (csv ??= (async () => {
    const [mappings, [, validator]] = await Promise.all([loadMappings(dirs.mappingsDir), loadStages()]);
    const layouts = await loadCaseLayouts(dirs.mappingsDir, mappings);
    return { layouts, convert: layoutCaseConverter(layouts, { mappings, validator }) };
  })());

// Cases are discovered at collection time, so each becomes a test of its own.
const kinds = [
  hl7CaseKind(async (input, options) => (await loadStages())[0](input, options)),
  csvCaseKind(async (input, layoutId, options) => (await loadCsv()).convert(input, layoutId, options)),
];
const { cases } = existsSync(casesDir) ? await discoverCases([casesDir], kinds) : { cases: [] };

it('has conformance cases', () => {
  // An empty or missing folder must not look like a passing suite.
  if (cases.length === 0) expect.fail(`no conformance cases found in ${casesDir}`);
});

it('has conformance cases for every shipped CSV layout', async () => {
  const withCases = new Set(cases.filter((c) => c.name.startsWith('csv/')).map((c) => c.name.split('/')[1]));
  const shipped = [...(await loadCsv()).layouts.keys()];
  expect(shipped.filter((id) => !withCases.has(id))).toEqual([]);
});

describe.runIf(cases.length > 0)(`conformance cases${update ? ' (updating expectations)' : ''}`, () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const [, validator] = await loadStages();
    const result = await runCase(c, { validator, update });
    if (!result.passed) expect.fail(`${c.name} (${c.inputPath})\n${failureDetails(result).join('\n')}`);
    expect(result.passed).toBe(true);
  });
});

import path from 'node:path';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isAdapterError } from '../../errors/adapter-error.ts';
import type { AnyCsvLayouts } from '../../map/csv/layout-types.ts';
import type { Mappings } from '../../map/mapping-types.ts';
import { CSV_LAYOUTS_DIR, loadLayoutsIfPresent } from '../../pipeline/receive-csv.ts';
import { ExitCode } from '../exit-code.ts';
import { formatFileIssue } from '../format-issues.ts';
import type { CliIo } from '../io.ts';
import type { Stages } from '../stages.ts';

/** Parsed options of `studybridge check-mappings`. */
export interface CheckMappingsOptions {
  mappingsDir: string;
  profilesDir: string;
}

/**
 * Loads the mappings, the CSV layouts (`<mappings>/csv`, checked against the mappings) and the profiles as the
 * service would, and reports every problem in all of them at once. Prints `mappings OK (<dir>): …`,
 * `csv layouts OK (<dir>): <id> (<kind>), …` and `profiles OK (<dir>): …` on success; otherwise one
 * `file: path: reason` line per issue and `N problem(s) found`.
 * @returns 0 when all load, 1 when they hold problems, 2 when a loader failed for another reason.
 */
export async function runCheckMappings(options: CheckMappingsOptions, io: CliIo, stages: Stages): Promise<ExitCode> {
  const layoutsDir = path.join(options.mappingsDir, CSV_LAYOUTS_DIR);
  const mappingsLoaded = stages.loadMappings(options.mappingsDir);
  // Layouts name analytes and units of the mapping set, so they are checked once it has loaded.
  const layoutsLoaded = mappingsLoaded.then((mappings) =>
    loadLayoutsIfPresent(options.mappingsDir, mappings as Mappings),
  );
  const [mappings, layouts, profiles] = await Promise.allSettled([
    mappingsLoaded,
    layoutsLoaded,
    stages.loadValidator({ profilesDir: options.profilesDir }),
  ]);
  const problems: string[] = [];
  let exit: ExitCode = ExitCode.Ok;
  const report = (
    what: string,
    dir: string,
    result: PromiseSettledResult<unknown>,
    describe: (loaded: unknown) => string = describeCounts,
    where: (i: OperationOutcomeIssue) => OperationOutcomeIssue = (i) => i,
  ): void => {
    if (result.status === 'fulfilled') {
      const counts = describe(result.value);
      io.stdout.write(`${what} OK (${dir})${counts ? `: ${counts}` : ''}\n`);
    } else if (isAdapterError(result.reason)) {
      problems.push(...(result.reason.outcome.issue ?? []).map((i) => formatFileIssue(where(i))));
      if (exit === ExitCode.Ok) exit = ExitCode.Failed;
    } else {
      // Not a finding about the files: the loader itself broke (or is missing), so the check could not run.
      const err = result.reason;
      const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      io.stderr.write(`studybridge check-mappings: cannot check ${what} (${dir}): ${text}\n`);
      exit = ExitCode.Usage;
    }
  };
  report('mappings', options.mappingsDir, mappings);
  if (mappings.status === 'rejected') {
    io.stdout.write(`csv layouts not checked (${layoutsDir}): they need the mappings\n`);
  } else if (layouts.status === 'fulfilled' && layouts.value === undefined) {
    io.stdout.write(`csv layouts: none (${layoutsDir} does not exist)\n`);
  } else {
    report(
      'csv layouts',
      layoutsDir,
      layouts,
      (l) => describeLayouts(l as AnyCsvLayouts),
      (i) => underDir(i, layoutsDir),
    );
  }
  report('profiles', options.profilesDir, profiles);
  for (const line of problems) io.stdout.write(`${line}\n`);
  if (problems.length) io.stdout.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} found\n`);
  return exit;
}

/** @returns The layouts loaded, `registry-labs-wide (labs-wide), …`. */
function describeLayouts(layouts: AnyCsvLayouts): string {
  const ids = [...layouts.values()].map((l) => `${l.layout.id} (${l.kind})`);
  return ids.length ? ids.join(', ') : 'no layout files';
}

/**
 * Layout problems name files relative to the layouts directory; the other problems are relative to the mappings
 * directory, so `csv/` is put in front to make every line point at a file the same way.
 */
function underDir(i: OperationOutcomeIssue, layoutsDir: string): OperationOutcomeIssue {
  const sub = path.basename(layoutsDir);
  const expression = i.expression?.map((e) => (e === layoutsDir || path.isAbsolute(e) ? e : `${sub}/${e}`));
  return expression ? { ...i, expression } : i;
}

/**
 * A generic census of a loaded object, since the loaders' result shapes belong to their stages: the size
 * of every array, Map, Set or plain-object property, e.g. `codes 120, units 14`.
 * @param loaded - What a loader returned.
 * @returns The census; empty when nothing countable is exposed.
 */
export function describeCounts(loaded: unknown): string {
  if (typeof loaded !== 'object' || loaded === null) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(loaded)) {
    const size = Array.isArray(value)
      ? value.length
      : value instanceof Map || value instanceof Set
        ? value.size
        : typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value))
          ? Object.keys(value).length
          : undefined;
    if (size !== undefined) parts.push(`${key} ${size}`);
  }
  return parts.join(', ');
}

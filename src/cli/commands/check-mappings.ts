import { isAdapterError } from '../../errors/adapter-error.ts';
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
 * Loads the mappings and the profiles as a conversion would, and reports every problem in both at once.
 * Prints `mappings OK (<dir>): …` / `profiles OK (<dir>): …` on success; otherwise one `file: path: reason`
 * line per issue and `N problem(s) found`.
 * @returns 0 when both load, 1 when they hold problems, 2 when a loader failed for another reason.
 */
export async function runCheckMappings(options: CheckMappingsOptions, io: CliIo, stages: Stages): Promise<ExitCode> {
  const [mappings, profiles] = await Promise.allSettled([
    stages.loadMappings(options.mappingsDir),
    stages.loadValidator({ profilesDir: options.profilesDir }),
  ]);
  const problems: string[] = [];
  let exit: ExitCode = ExitCode.Ok;
  const report = (what: string, dir: string, result: PromiseSettledResult<unknown>): void => {
    if (result.status === 'fulfilled') {
      const counts = describeCounts(result.value);
      io.stdout.write(`${what} OK (${dir})${counts ? `: ${counts}` : ''}\n`);
    } else if (isAdapterError(result.reason)) {
      problems.push(...(result.reason.outcome.issue ?? []).map(formatFileIssue));
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
  report('profiles', options.profilesDir, profiles);
  for (const line of problems) io.stdout.write(`${line}\n`);
  if (problems.length) io.stdout.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} found\n`);
  return exit;
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

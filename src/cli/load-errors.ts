import { isAdapterError } from '../errors/adapter-error.ts';
import { formatFileIssue } from './format-issues.ts';

/**
 * Explains why mappings, profiles or the converter could not be loaded: every issue of an AdapterError as a
 * `file: path: reason` line, or the error's own text otherwise. Configuration is not patient data, so unlike
 * conversion errors its text may be shown.
 * @param what - What was being loaded, e.g. `mappings and profiles`.
 * @param err - What the loader threw.
 * @returns The lines.
 */
export function describeLoadError(what: string, err: unknown): string[] {
  if (isAdapterError(err)) {
    const issues = err.outcome.issue ?? [];
    const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    return [`cannot load ${what} (${err.code}), ${count}:`, ...issues.map((i) => `  ${formatFileIssue(i)}`)];
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return [`cannot load ${what}: ${text}`];
}

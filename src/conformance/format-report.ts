import { formatInvariantIssue } from './invariants.ts';
import { formatDifference } from './json-compare.ts';
import type { CaseResult } from './run-case.ts';
import type { ConformanceReport } from './run-conformance.ts';

/** At most this many differing paths are listed per case; the unified diff shows the context. */
const MAX_DIFFERENCES = 20;

/**
 * The readable explanation of a failed case: problems, violated invariants, differing JSON paths with
 * expected and actual values, then a unified diff. Empty for a passing case.
 * @param result - One case result.
 * @returns Lines without indentation.
 */
export function failureDetails(result: CaseResult): string[] {
  const lines = [...result.problems];
  if (result.invariantIssues.length) {
    lines.push(`${result.invariantIssues.length} invariant violation(s):`);
    lines.push(...result.invariantIssues.map((i) => `  ${formatInvariantIssue(i)}`));
  }
  if (result.differences.length) {
    lines.push(`${result.differences.length} difference(s) from ${result.expectedPath}:`);
    lines.push(...result.differences.slice(0, MAX_DIFFERENCES).map((d) => `  ${formatDifference(d)}`));
    if (result.differences.length > MAX_DIFFERENCES) {
      lines.push(`  … ${result.differences.length - MAX_DIFFERENCES} more`);
    }
  }
  lines.push(...result.diff);
  return lines;
}

/**
 * @param result - One case result.
 * @returns `✓ name` (with `(updated)` when its expectation was written) or `✗ name` followed by the indented
 * failure details.
 */
export function formatCaseResult(result: CaseResult): string[] {
  if (result.passed) return [`✓ ${result.name}${result.updated ? ' (updated)' : ''}`];
  return [`✗ ${result.name}${result.updated ? ' (updated)' : ''}`, ...failureDetails(result).map((l) => `    ${l}`)];
}

/**
 * The closing lines of a run: orphaned expectations, `updated N` in update mode, and last, alone on its line,
 * `N passed, N failed`.
 */
export function formatSummary(report: ConformanceReport): string[] {
  const lines = report.orphans.map((o) => `warning: expectation without input: ${o}`);
  if (report.update) lines.push(`updated ${report.updated}`);
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return lines;
}

/** @returns The whole report as text, one line per passing case, ending with the summary and a newline. */
export function formatReport(report: ConformanceReport): string {
  return [...report.results.flatMap(formatCaseResult), ...formatSummary(report)].join('\n') + '\n';
}

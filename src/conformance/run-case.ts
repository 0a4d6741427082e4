import { readFile, writeFile } from 'node:fs/promises';
import { normalizeError } from '../errors/outcomes.ts';
import type { ResourceValidator } from '../validate/types.ts';
import type { ConformanceCase } from './discover-cases.ts';
import { checkOutputInvariants, type InvariantIssue } from './invariants.ts';
import { jsonDifferences, jsonEquals, unifiedJsonDiff, type JsonDifference } from './json-compare.ts';
import { toOutputDocument, type OutputDocument } from './output-document.ts';

/** Every case is converted as if received at this instant, so Provenance and ids derived from it are stable. */
export const FIXED_RECEIVED_AT = '2026-01-01T00:00:00Z';

/** Options of {@link runCase}. */
export interface RunCaseOptions {
  /** Validates every output resource (invariant `resource-valid`); without it that invariant is not checked. */
  validator?: ResourceValidator;
  /** Write the actual output as the expectation instead of comparing with it. */
  update?: boolean;
}

/** The outcome of one case. */
export interface CaseResult {
  name: string;
  inputPath: string;
  expectedPath: string;
  passed: boolean;
  /** True when the expectation file was created or changed (update mode only). */
  updated: boolean;
  /** One-line reasons for failing that are not differences or invariants (no expectation, converter crash, …). */
  problems: string[];
  /** Where the output differs from the expectation. */
  differences: JsonDifference[];
  /** Unified diff of expectation and output (capped), when they differ. */
  diff: string[];
  invariantIssues: InvariantIssue[];
  durationMs: number;
  /** What the converter produced, when it did not throw. */
  actual?: OutputDocument;
}

/**
 * Converts one case input, checks the output invariants and compares the output with the expectation
 * (or, in update mode, writes the output as the expectation).
 * @param c - The case.
 * @param options - Validator and mode.
 * @returns The result; never throws for a failing case.
 */
export async function runCase(c: ConformanceCase, options: RunCaseOptions = {}): Promise<CaseResult> {
  const started = performance.now();
  const result: CaseResult = {
    name: c.name,
    inputPath: c.inputPath,
    expectedPath: c.expectedPath,
    passed: false,
    updated: false,
    problems: [],
    differences: [],
    diff: [],
    invariantIssues: [],
    durationMs: 0,
  };
  const finish = (): CaseResult => {
    result.passed = result.problems.length + result.differences.length + result.invariantIssues.length === 0;
    result.durationMs = performance.now() - started;
    return result;
  };

  let actual: OutputDocument;
  try {
    const bytes = new Uint8Array(await readFile(c.inputPath));
    actual = toOutputDocument(await c.kind.convert({ path: c.inputPath, bytes }, { receivedAt: FIXED_RECEIVED_AT }));
  } catch (err) {
    // A converter must report bad input as an OperationOutcome; a throw is a bug and never becomes an expectation.
    const e = normalizeError(err);
    const cause = err instanceof Error && e.code === 'internal.error' ? `: ${err.message}` : '';
    result.problems.push(`converter threw ${e.code}: ${e.message}${cause}`);
    return finish();
  }
  result.actual = actual;
  result.invariantIssues = checkOutputInvariants(actual, options.validator);

  if (options.update) {
    const text = JSON.stringify(actual, null, 2) + '\n';
    const previous = c.hasExpectation ? await readFile(c.expectedPath, 'utf8').catch(() => undefined) : undefined;
    if (previous !== text) {
      await writeFile(c.expectedPath, text);
      result.updated = true;
    }
    return finish();
  }

  if (!c.hasExpectation) {
    result.problems.push('no expectation; run with --update to create it');
    return finish();
  }
  let expected: unknown;
  try {
    expected = JSON.parse(await readFile(c.expectedPath, 'utf8'));
  } catch (err) {
    result.problems.push(`cannot read expectation ${c.expectedPath}: ${(err as Error).message}`);
    return finish();
  }
  if (!jsonEquals(expected, actual)) {
    result.differences = jsonDifferences(expected, actual);
    result.diff = unifiedJsonDiff(expected, actual);
  }
  return finish();
}

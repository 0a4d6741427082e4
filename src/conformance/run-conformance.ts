import type { ResourceValidator } from '../validate/types.ts';
import type { CaseKind } from './case-kinds.ts';
import { discoverCases } from './discover-cases.ts';
import { runCase, type CaseResult } from './run-case.ts';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Root directories searched recursively for cases. */
  dirs: readonly string[];
  /** Registered input kinds (e.g. `[hl7CaseKind(convert)]`). */
  kinds: readonly CaseKind[];
  /** Checks every output resource; strongly recommended (the CLI always passes one). */
  validator?: ResourceValidator;
  /** Write outputs as expectations instead of comparing; the only way expectations change. */
  update?: boolean;
  /** Run only cases whose name contains this substring. */
  filter?: string;
  /** Called after each case, in order, so callers can report progress while the run goes on. */
  onCase?: (result: CaseResult) => void;
}

/** The result of a whole run. */
export interface ConformanceReport {
  results: CaseResult[];
  /** Expectation files without an input beside them. */
  orphans: string[];
  passed: number;
  failed: number;
  /** Expectation files created or changed (update mode). */
  updated: number;
  update: boolean;
  durationMs: number;
  /** When the run started (ISO 8601), for JUnit. */
  startedAt: string;
}

/**
 * Discovers the cases under `dirs` and runs them one after another (outputs must not depend on order, and
 * sequential runs keep failure output readable).
 * @param options - What to run and how.
 * @returns The report; `failed > 0` means the run failed.
 * @throws Error when a directory does not exist (see {@link discoverCases}).
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const startedAt = new Date();
  const started = performance.now();
  const { cases, orphans } = await discoverCases(options.dirs, options.kinds, { filter: options.filter });
  const results: CaseResult[] = [];
  for (const c of cases) {
    const result = await runCase(c, { validator: options.validator, update: options.update });
    results.push(result);
    options.onCase?.(result);
  }
  const passed = results.filter((r) => r.passed).length;
  return {
    results,
    orphans,
    passed,
    failed: results.length - passed,
    updated: results.filter((r) => r.updated).length,
    update: options.update ?? false,
    durationMs: performance.now() - started,
    startedAt: startedAt.toISOString(),
  };
}

/**
 * The conformance runner as a library: the `studybridge conformance` command and the golden vitest test both
 * use it, so a case passes or fails the same way in both.
 */
export {
  csvCaseKind,
  csvCaseLayoutId,
  EXPECTED_SUFFIX,
  hl7CaseKind,
  type CaseInput,
  type CaseKind,
  type CsvCaseConvertFn,
} from './case-kinds.ts';
export { discoverCases, type ConformanceCase, type DiscoveredCases, type DiscoverOptions } from './discover-cases.ts';
export { failureDetails, formatCaseResult, formatReport, formatSummary } from './format-report.ts';
export { checkOutputInvariants, formatInvariantIssue, Invariant, type InvariantIssue } from './invariants.ts';
export { toJUnitXml } from './junit.ts';
export { toOutputDocument, type MessageDocument, type OutputDocument } from './output-document.ts';
export { FIXED_RECEIVED_AT, runCase, type CaseResult, type RunCaseOptions } from './run-case.ts';
export { runConformance, type ConformanceOptions, type ConformanceReport } from './run-conformance.ts';

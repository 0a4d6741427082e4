import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { AdapterError } from './adapter-error.ts';
import { ErrorCode } from './error-codes.ts';

/** CodeSystem of studybridge's error codes, used in `issue.details.coding` so clients can match on them. */
export const ERROR_CODE_SYSTEM = 'https://studybridge.org/fhir/CodeSystem/error-codes';

/** The FHIR issue type codes studybridge uses (value set issue-type). */
export const IssueType = {
  Invalid: 'invalid',
  Structure: 'structure',
  Required: 'required',
  Value: 'value',
  Invariant: 'invariant',
  NotSupported: 'not-supported',
  CodeInvalid: 'code-invalid',
  Duplicate: 'duplicate',
  TooLong: 'too-long',
  Exception: 'exception',
  Transient: 'transient',
  Processing: 'processing',
  Informational: 'informational',
} as const;
/** One of the {@link IssueType} values. */
export type IssueType = (typeof IssueType)[keyof typeof IssueType];

/** Where an issue happened: an HL7 location such as `OBX[2].5.1`, a FHIR path, a file path, or several. */
export interface IssueWhere {
  /** HL7 v2 location, written `SEG[occurrence].field.component.subcomponent`. */
  hl7?: string;
  /** FHIRPath-like location in the produced resource, e.g. `Observation.valueQuantity.code`. */
  fhir?: string;
  /** A file and the path inside it, for configuration and mapping errors: `mappings/codes/x.yaml:/rows/3/unit`. */
  file?: string;
  /** A place in a CSV file: `line 14`, or `line 14, column 'HbA1c (%)'`. */
  csv?: string;
}

/**
 * Builds one OperationOutcome issue.
 * @param severity - error, fatal, warning or information.
 * @param code - Issue type.
 * @param diagnostics - Human-readable reason; never contains patient data.
 * @param where - Locations the issue concerns; they go to `expression`.
 * @returns The issue.
 */
export function issue(
  severity: OperationOutcomeIssue['severity'],
  code: IssueType,
  diagnostics: string,
  where: IssueWhere = {},
): OperationOutcomeIssue {
  const expression = [where.fhir, where.hl7, where.file, where.csv].filter((x): x is string => !!x);
  return { severity, code, diagnostics, ...(expression.length ? { expression } : {}) };
}

/** @returns An OperationOutcome holding `issues`. */
export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** @returns An {@link AdapterError} with a single error issue. */
export function adapterError(
  code: ErrorCode,
  type: IssueType,
  diagnostics: string,
  where?: IssueWhere,
  cause?: unknown,
): AdapterError {
  return new AdapterError(code, outcome([issue('error', type, diagnostics, where)]), { cause });
}

/** @returns An {@link AdapterError} carrying several issues at once (for "report every problem"). */
export function adapterErrorFromIssues(
  code: ErrorCode,
  issues: OperationOutcomeIssue[],
  cause?: unknown,
): AdapterError {
  return new AdapterError(code, outcome(issues), { cause });
}

/**
 * Turns anything thrown into an {@link AdapterError}, so each boundary has exactly one type to translate.
 * Unknown errors become `internal.error` with a generic message: their text may hold data we must not echo.
 * @param err - What was caught.
 * @returns The same error if it already is an AdapterError, else a wrapped one.
 */
export function normalizeError(err: unknown): AdapterError {
  if (err instanceof AdapterError) return err;
  const name = err instanceof Error ? err.name : typeof err;
  return adapterError(ErrorCode.Internal, IssueType.Exception, `Internal error (${name})`, undefined, err);
}

/** @returns true for an issue of severity error or fatal (one that makes the input unacceptable). */
export function isErrorIssue(i: OperationOutcomeIssue): boolean {
  return i.severity === 'error' || i.severity === 'fatal';
}

/** @returns true when an outcome holds an issue of severity error or fatal. */
export function hasErrors(o: OperationOutcome): boolean {
  return (o.issue ?? []).some(isErrorIssue);
}

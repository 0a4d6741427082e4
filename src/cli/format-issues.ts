import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * One readable line per issue: severity, where (every `expression`: HL7 location and/or FHIR path) and why.
 * @param issue - One OperationOutcome issue.
 * @returns E.g. `error Observation.valueQuantity, OBX[2].5: value "abc" is not a number`.
 */
export function formatIssue(issue: OperationOutcomeIssue): string {
  const where = issue.expression?.length ? ` ${issue.expression.join(', ')}` : '';
  return `${issue.severity}${where}: ${issueReason(issue)}`;
}

/** @returns One {@link formatIssue} line per issue of the outcome. */
export function formatOutcome(outcome: OperationOutcome): string[] {
  return (outcome.issue ?? []).map(formatIssue);
}

/**
 * A configuration problem as `file: path: reason`. Loaders put `file:path` (e.g.
 * `mappings/codes/x.yaml:/rows/3/unit`) in `expression`; anything else is shown as it is.
 * @param issue - One issue of a `mapping.invalid` / `profile.invalid` error.
 * @returns The line.
 */
export function formatFileIssue(issue: OperationOutcomeIssue): string {
  const where = issue.expression?.find((e) => FILE_AND_PATH.test(e)) ?? issue.expression?.[0];
  if (!where) return `(no location): ${issueReason(issue)}`;
  const m = FILE_AND_PATH.exec(where);
  return m ? `${m[1]}: ${m[2]}: ${issueReason(issue)}` : `${where}: ${issueReason(issue)}`;
}

/** `file:/json/pointer`; the optional drive letter keeps `C:\x.yaml:/a` from splitting at the drive. */
const FILE_AND_PATH = /^((?:[A-Za-z]:)?[^:]+):(\/.*)$/;

function issueReason(issue: OperationOutcomeIssue): string {
  return issue.diagnostics ?? issue.details?.text ?? issue.code;
}

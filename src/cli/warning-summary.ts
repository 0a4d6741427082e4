import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { ErrorCode } from '../errors/error-codes.ts';
import type { ConvertedMessage } from '../pipeline/convert-types.ts';
import { formatIssue } from './format-issues.ts';

/**
 * True for the warning the map stage gives when a local code has no mapping and is passed through: a warning
 * of issue type `code-invalid`, or one whose `details.coding` carries the error code `map.unmapped-code`
 * (any further coding there then names the local code).
 */
export function isUnmappedCodeIssue(issue: OperationOutcomeIssue): boolean {
  if (issue.severity !== 'warning') return false;
  return (
    issue.code === 'code-invalid' || (issue.details?.coding ?? []).some((c) => c.code === ErrorCode.MapUnmappedCode)
  );
}

/**
 * Summarises the warnings of successfully converted messages, so a mapping author notices them even when
 * every message converted: first the passed-through unmapped codes on one line, naming each code and its HL7
 * location, then every other warning on a line of its own.
 * @param messages - All results of one input.
 * @returns The lines; empty when there is nothing to say.
 */
export function summariseWarnings(messages: readonly ConvertedMessage[]): string[] {
  const label = (m: ConvertedMessage): string => (messages.length > 1 ? ` (${messageLabel(m)})` : '');
  const unmapped: string[] = [];
  const others: string[] = [];
  for (const m of messages) {
    if (!m.ok) continue;
    for (const issue of m.outcome.issue ?? []) {
      if (isUnmappedCodeIssue(issue)) unmapped.push(`${unmappedCodeName(issue)} at ${hl7Location(issue)}${label(m)}`);
      else if (issue.severity === 'warning') others.push(`  ${formatIssue(issue)}${label(m)}`);
    }
  }
  const lines: string[] = [];
  if (unmapped.length) {
    const noun = unmapped.length === 1 ? 'unmapped local code' : 'unmapped local codes';
    lines.push(`${unmapped.length} ${noun} passed through: ${unmapped.join('; ')}`);
  }
  if (others.length) lines.push(`${others.length} other warning${others.length === 1 ? '' : 's'}:`, ...others);
  return lines;
}

/** @returns `message <index> (<controlId>)`, or without the parenthesis when MSH-10 could not be read. */
export function messageLabel(m: ConvertedMessage): string {
  return `message ${m.index}${m.controlId ? ` (${m.controlId})` : ''}`;
}

function unmappedCodeName(issue: OperationOutcomeIssue): string {
  const local = (issue.details?.coding ?? []).filter((c) => c.code && c.code !== ErrorCode.MapUnmappedCode);
  if (!local.length) {
    // The map stage's wording: "local code 'GLU-X' has no mapping; …".
    const quoted = /\bcode '([^']+)'/.exec(issue.diagnostics ?? '')?.[1];
    return quoted ?? JSON.stringify(issue.diagnostics ?? issue.details?.text ?? 'unknown code');
  }
  return local.map((c) => (c.system ? `${c.code} (${c.system})` : c.code)).join(', ');
}

/** HL7 locations look like `OBX[2].3` or `OBX-3.1`; FHIR paths in the same `expression` are left out here. */
function hl7Location(issue: OperationOutcomeIssue): string {
  const all = issue.expression ?? [];
  return all.find((e) => /^[A-Z][A-Z0-9]{2}(\[\d+\])?([.-]\d+)*$/.test(e)) ?? (all.join(', ') || 'unknown location');
}

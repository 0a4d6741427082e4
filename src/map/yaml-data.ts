import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { issue, IssueType } from '../errors/outcomes.ts';

/** @returns The issue for one JSON Schema error, located as `file:/pointer`. */
export function schemaIssue(rel: string, err: ErrorObject): OperationOutcomeIssue {
  const extra = err.params && 'additionalProperty' in err.params ? ` '${String(err.params.additionalProperty)}'` : '';
  const allowed = err.params && 'allowedValues' in err.params ? ` (${String(err.params.allowedValues)})` : '';
  return issue('error', IssueType.Structure, `${err.message ?? 'invalid'}${extra}${allowed}`, {
    file: `${rel}:${err.instancePath || '/'}`,
  });
}

/**
 * Reads one mapping file's YAML and checks it against its schema (which may apply defaults).
 * @param text - The file's text.
 * @param rel - Its name in problem reports.
 * @param validate - The compiled schema.
 * @param issues - Receives YAML errors (`file:line:col`, the first three: later ones are mostly consequences) or
 * schema errors (`file:/pointer`).
 * @returns The data, or undefined when it has problems.
 */
export function readYamlData(
  text: string,
  rel: string,
  validate: ValidateFunction,
  issues: OperationOutcomeIssue[],
): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors.slice(0, 3)) {
      const pos = lineCounter.linePos(e.pos[0]);
      issues.push(
        issue('error', IssueType.Structure, e.message.split('\n')[0] ?? 'YAML error', {
          file: `${rel}:${pos.line}:${pos.col}`,
        }),
      );
    }
    return undefined;
  }
  const data: unknown = doc.toJS();
  if (!validate(data)) {
    for (const e of validate.errors ?? []) issues.push(schemaIssue(rel, e));
    return undefined;
  }
  return data;
}

import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { PlannedEntry } from '../map/identity.ts';
import { locationOf } from '../map/template/field-ref.ts';
import type { ResourceValidator } from '../validate/types.ts';

/**
 * Validates every planned resource and names, beside each FHIR path, the HL7 location its element was read from
 * (recorded by the template evaluator), so a mapping author sees which field produced the invalid value.
 * @param entries - The map stage's entries.
 * @param validator - Base R4 + profile validator.
 * @returns The issues, errors and warnings alike.
 */
export function validateEntries(
  entries: readonly PlannedEntry[],
  validator: ResourceValidator,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const entry of entries) {
    for (const found of validator.validate(entry.resource)) {
      const path = found.expression?.[0] ?? '';
      const element = /^[A-Za-z]+\.([A-Za-z]+)/.exec(path)?.[1];
      const source = element ? entry.instance.sources.get(element) : undefined;
      const hl7 = source ? locationOf(source) : `${entry.instance.segment.id}[${entry.instance.segment.occurrence}]`;
      issues.push({ ...found, expression: [...(found.expression ?? []), hl7] });
    }
  }
  return issues;
}

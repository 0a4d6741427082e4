import type { AdapterError } from '../../errors/adapter-error.ts';
import type { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, type IssueType } from '../../errors/outcomes.ts';
import type { Hl7Location } from './types.ts';

/**
 * Writes a location as `SEG[occurrence].field.component.subcomponent`, e.g. `OBX[2].5.1`.
 * A repetition other than the first is written after the field (`PID[1].3[2].1`) so the common case keeps
 * the short form; a subcomponent without a component implies component 1.
 * @param loc - The location.
 * @returns The text form used in OperationOutcome `expression` and diagnostics.
 */
export function formatLocation(loc: Hl7Location): string {
  let out = `${loc.segment}[${loc.occurrence}]`;
  if (loc.field === undefined) return out;
  out += `.${loc.field}`;
  if (loc.repetition !== undefined && loc.repetition > 1) out += `[${loc.repetition}]`;
  if (loc.component === undefined && loc.subcomponent === undefined) return out;
  out += `.${loc.component ?? 1}`;
  if (loc.subcomponent !== undefined) out += `.${loc.subcomponent}`;
  return out;
}

/**
 * Builds the AdapterError of the parse stage, with the HL7 location in `expression` when known.
 * @param code - Error code.
 * @param type - FHIR issue type.
 * @param diagnostics - What is wrong; must never hold message content.
 * @param loc - Where, when known.
 * @returns The error (to be thrown or stored in a batch item).
 */
export function parseError(code: ErrorCode, type: IssueType, diagnostics: string, loc?: Hl7Location): AdapterError {
  return adapterError(code, type, diagnostics, loc ? { hl7: formatLocation(loc) } : undefined);
}

/**
 * Describes a value's shape without its content (digits become 9, letters A, any other character but
 * `+-.,:/` and space becomes #), so diagnostics about a birth date or a result can say what was wrong
 * without disclosing it.
 * @param value - The offending text.
 * @returns At most 40 characters of shape.
 */
export function valueShape(value: string): string {
  const shape = value
    .slice(0, 40)
    .replace(/[0-9]/g, '9')
    .replace(/\p{L}/gu, 'A')
    .replace(/[^9A+\-.,:/ ]/g, '#');
  return value.length > 40 ? `${shape}…` : shape;
}

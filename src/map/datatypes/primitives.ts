import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { parseHl7Number } from '../../parse/hl7v2/hl7-number.ts';
import { componentAt, isEmpty, locationOf, textAt, type FieldRef } from '../template/field-ref.ts';
import type { Converter } from './converter.ts';

/** Plain text of the referenced field/component, trimmed; FHIR strings must not be empty. */
export const toString: Converter = (ref) => {
  const v = textAt(ref).trim();
  return isEmpty(v) ? undefined : v;
};

/**
 * Every repetition of a text field joined by line breaks: TX/FT values and NTE comments arrive as repetitions
 * (one per line) and are one text to a reader.
 */
export const toText: Converter = (ref) => {
  const lines: string[] = [];
  const n = Math.max(ref.seg.repetitions(ref.path.field), 1);
  for (let r = 1; r <= n; r++) lines.push(textAt({ ...ref, repetition: r }));
  const text = lines.join('\n').replace(/\s+$/, '');
  return isEmpty(text.trim()) ? undefined : text;
};

/**
 * A FHIR code: trimmed, no inner whitespace runs. For a whole field it reads the first component, because from
 * v2.7 on coded fields (PID-8, PV1-2) arrive as CWE (`M^Male^HL70001`) where earlier versions sent a bare code.
 */
export const toCode: Converter = (ref) => {
  const raw = ref.path.component === undefined ? componentAt(ref, 1) : textAt(ref);
  const v = raw.trim().replace(/\s+/g, ' ');
  return isEmpty(v) ? undefined : v;
};

/** @returns The number in an NM value, or throws `map.invalid-value` naming the location. */
export function numberAt(ref: FieldRef): number | undefined {
  const text = textAt(ref).trim();
  if (isEmpty(text)) return undefined;
  const n = parseHl7Number(text);
  if (n === undefined) {
    throw adapterError(ErrorCode.MapInvalidValue, IssueType.Value, 'value is not a number (NM)', {
      hl7: locationOf(ref),
    });
  }
  return n.value;
}

/** A FHIR decimal from an NM value. */
export const toDecimal: Converter = (ref) => numberAt(ref);

/** A FHIR positiveInt/integer from an NM/SI value. */
export const toInteger: Converter = (ref) => {
  const n = numberAt(ref);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n)) {
    throw adapterError(ErrorCode.MapInvalidValue, IssueType.Value, 'value is not a whole number', {
      hl7: locationOf(ref),
    });
  }
  return n;
};

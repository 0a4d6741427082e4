import type { Quantity } from '@medplum/fhirtypes';
import type { Analyte } from './mapping-types.ts';
import { convertUnit, roundToSignificant } from './units.ts';

const UCUM = 'http://unitsofmeasure.org';

/** The unit a value was sent in: as written, and as UCUM when it is (or has an alias). */
export interface SentUnit {
  original?: string;
  ucum?: string;
  /** Where it came from, for error messages (an HL7 location or a CSV column). */
  location?: string;
}

/** A number as written, with its significant digits (a conversion must not invent precision). */
export interface Num {
  value: number;
  digits: number;
}

/** @returns The significant digits of a plain decimal as written (`0.0520` has 3). */
export function significantDigits(text: string): number {
  return text.replace(/^[+-]/, '').replace('.', '').replace(/^0+/, '').length || 1;
}

/**
 * What a value is converted for: an analyte of the catalogue, or (with no `id`) a unit a template asks for, such
 * as the millions of cells of an infusion dose.
 */
export type QuantityTarget = Partial<Pick<Analyte, 'id' | 'conversions' | 'molarMass'>> & Pick<Analyte, 'unit'>;

/** Outcome of {@link canonicalQuantity}: the Quantity, or why the value cannot be put in the canonical unit. */
export type CanonicalQuantity = { ok: true; quantity: Quantity } | { ok: false; reason: string };

/**
 * The Quantity for a number in the sender's unit, whatever the source (an OBX, a CSV cell): as sent when it
 * already is the analyte's canonical unit (or there is no analyte), else converted into the canonical unit by a
 * linear conversion from the mapping files or by UCUM unit algebra (with the analyte's molar mass), rounded to the
 * digits sent, the value as sent kept in the `original-quantity` extension.
 * @param n - The number.
 * @param unit - Its unit as sent.
 * @param analyte - What was measured, if known.
 * @param canonicalBase - Base of studybridge's canonical URLs (the extension's URL).
 */
export function canonicalQuantity(
  n: Num,
  unit: SentUnit,
  analyte: QuantityTarget | undefined,
  canonicalBase: string,
): CanonicalQuantity {
  const target = analyte?.unit;
  if (!target || unit.ucum === target) {
    return {
      ok: true,
      quantity: {
        value: n.value,
        ...(unit.original ? { unit: unit.original } : unit.ucum ? { unit: unit.ucum } : {}),
        ...(unit.ucum ? { system: UCUM, code: unit.ucum } : {}),
      },
    };
  }
  const context = analyte?.id ? `(analyte '${analyte.id}', canonical unit ${target})` : `(wanted unit ${target})`;
  if (!unit.ucum) {
    const why = unit.original
      ? `unit '${unit.original}' is not UCUM and has no alias`
      : 'no unit was sent and none is configured';
    return { ok: false, reason: `${why} ${context}` };
  }
  const linear = analyte?.conversions?.find((c) => c.from === unit.ucum);
  let value: number;
  if (linear) value = n.value * linear.multiply + (linear.add ?? 0);
  else {
    const r = convertUnit(n.value, unit.ucum, target, analyte?.molarMass);
    if (!r.ok) return { ok: false, reason: `${r.reason} ${context}` };
    value = r.value;
  }
  return {
    ok: true,
    quantity: {
      extension: [
        {
          url: `${canonicalBase}/StructureDefinition/original-quantity`,
          valueQuantity: {
            value: n.value,
            ...(unit.original ? { unit: unit.original } : {}),
            system: UCUM,
            code: unit.ucum,
          },
        },
      ],
      value: roundToSignificant(value, n.digits),
      unit: target,
      system: UCUM,
      code: target,
    },
  };
}

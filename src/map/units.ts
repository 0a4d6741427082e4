import ucum from '@lhncbc/ucum-lhc';

const utils = ucum.UcumLhcUtils.getInstance();

/** What a sender's unit text resolves to. */
export interface ResolvedUnit {
  /** The text as sent. */
  original: string;
  /** The UCUM code, when the text (after the alias table) is valid UCUM. */
  ucum?: string;
}

/** The outcome of converting a value between units. */
export type UnitConversion = { ok: true; value: number } | { ok: false; reason: string };

// Unit strings repeat endlessly across messages; validation costs ~6 µs, a map hit ~50 ns.
const validCache = new Map<string, string | null>();

/**
 * Checks a UCUM code, exactly as written (case-sensitive; no suggestions are accepted).
 * @param code - Candidate UCUM code.
 * @returns The code when valid, else undefined.
 */
export function validUcum(code: string): string | undefined {
  let hit = validCache.get(code);
  if (hit === undefined) {
    const r = utils.validateUnitString(code, false);
    // The library reports some non-canonical spellings (10^9/L) as valid but echoes them back unchanged;
    // only codes it echoes exactly and that contain no '^' are accepted, the rest must come via aliases.
    hit = r.status === 'valid' && r.ucumCode === code && !code.includes('^') ? code : null;
    validCache.set(code, hit);
  }
  return hit ?? undefined;
}

/**
 * Resolves a sender's unit text to UCUM through the alias table first (senders write `mEq/L`, `µg/L`, `10^9/L`),
 * then as literal UCUM.
 * @param text - OBX-6.1 (or a CSV unit column) as sent.
 * @param aliases - The alias table from `mappings/units/`.
 * @returns The original text and, when resolvable, its UCUM code.
 */
export function resolveUnit(text: string, aliases: ReadonlyMap<string, string>): ResolvedUnit {
  const trimmed = text.trim();
  const aliased = aliases.get(trimmed);
  const ucumCode = aliased ?? validUcum(trimmed);
  return ucumCode ? { original: trimmed, ucum: ucumCode } : { original: trimmed };
}

/** Dimensionless units (%, mmol/mol, {ratio}, 1) convert into each other as pure ratios, which is clinically wrong. */
function isDimensionless(code: string): boolean {
  const r = utils.convertUnitTo(code, 1, '1');
  return r.status === 'succeeded';
}

/**
 * Converts a value between two UCUM units by unit algebra, with a molar mass for mass ↔ substance conversions.
 * Refuses conversions between two different dimensionless units: UCUM would turn HbA1c 6.5 % into 65 mmol/mol,
 * while the clinical relation (IFCC master equation) is not a ratio; such conversions belong in the mapping files.
 * @param value - The value in `from`.
 * @param from - UCUM code of the value.
 * @param to - UCUM code wanted.
 * @param molarMass - g/mol, when one side is a mass and the other an amount of substance.
 * @returns The converted value or the reason it cannot be converted.
 */
export function convertUnit(value: number, from: string, to: string, molarMass?: number): UnitConversion {
  if (from === to) return { ok: true, value };
  const key = `${from}\u0000${to}\u0000${molarMass ?? ''}`;
  let factor = factorCache.get(key);
  if (factor === undefined) {
    factor = computeFactor(from, to, molarMass);
    factorCache.set(key, factor);
  }
  if (typeof factor === 'string') return { ok: false, reason: factor };
  return { ok: true, value: value * factor };
}

// Factor per (from, to, molar mass); a string holds the reason the pair cannot be converted.
const factorCache = new Map<string, number | string>();

function computeFactor(from: string, to: string, molarMass?: number): number | string {
  if (isDimensionless(from) && isDimensionless(to)) {
    return `${from} and ${to} are both dimensionless; UCUM cannot convert between them safely`;
  }
  const opts = molarMass ? { molecularWeight: molarMass } : undefined;
  const one = utils.convertUnitTo(from, 1, to, opts);
  const ten = utils.convertUnitTo(from, 10, to, opts);
  if (one.status !== 'succeeded' || ten.status !== 'succeeded' || typeof one.toVal !== 'number' || !ten.toVal) {
    return `cannot convert ${from} to ${to}${molarMass ? '' : ' (no molar mass given)'}`;
  }
  // Offset units (degrees Celsius) are not a plain factor; lab concentrations always are.
  if (Math.abs(ten.toVal - 10 * one.toVal) > 1e-9 * Math.abs(ten.toVal)) {
    return `conversion from ${from} to ${to} is not linear`;
  }
  return one.toVal;
}

/**
 * Rounds a converted value to a sensible number of significant digits, so 6.993783303730018 becomes 6.994.
 * A conversion cannot add precision the measurement did not have: keep one more significant digit than the input.
 * @param value - Converted value.
 * @param inputSignificantDigits - Significant digits of the value as sent.
 * @returns The rounded value.
 */
export function roundToSignificant(value: number, inputSignificantDigits: number): number {
  if (value === 0) return 0;
  const digits = Math.min(Math.max(inputSignificantDigits + 1, 2), 15);
  return Number(value.toPrecision(digits));
}

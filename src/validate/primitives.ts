import type { StructureDefinition } from '@medplum/fhirtypes';

/** How one FHIR primitive type is checked in JSON. */
export interface PrimitiveRule {
  /** FHIR type name, e.g. `dateTime`. */
  readonly type: string;
  /**
   * Checks a JSON value of this type.
   * @returns undefined when valid, else a reason that never quotes the value (it may be patient data).
   */
  readonly check: (value: unknown) => PrimitiveProblem | undefined;
}

/** Why a primitive value was rejected. */
export interface PrimitiveProblem {
  severity: 'error' | 'warning';
  /** `structure` for a wrong JSON type, `value` for a wrong format. */
  code: 'structure' | 'value';
  reason: string;
}

const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const MAX_STRING = 1024 * 1024;
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const NUMERIC = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);
const DATED = new Set(['date', 'dateTime', 'instant']);
const URI_TYPES = new Set(['uri', 'url', 'canonical']);

/**
 * Builds one rule per primitive type from the core definitions. The format comes from the `regex` extension
 * that R4 puts on each primitive's `value` element, so it is the normative one (e.g. a dateTime with a time
 * but no zone fails, as R4 requires).
 * @param primitiveSds - The StructureDefinitions of kind `primitive-type`.
 * @returns Rules by type name.
 */
export function buildPrimitiveRules(primitiveSds: Iterable<StructureDefinition>): Map<string, PrimitiveRule> {
  const regexes = new Map<string, RegExp | undefined>();
  for (const sd of primitiveSds) {
    const valueEl = sd.snapshot?.element?.find((e) => e.path === `${sd.type}.value`);
    const source = valueEl?.type?.[0]?.extension?.find((x) => x.url === REGEX_EXT)?.valueString;
    regexes.set(sd.type, source ? new RegExp(`^(?:${source})$`) : undefined);
  }
  // A uri written as `urn:oid:` or `urn:uuid:` must keep to the R4 oid and uuid formats too (the HL7 reference
  // validator refuses `urn:oid:3.4.5` in an Identifier.system: an OID's first arc is 0, 1 or 2).
  const urns: UrnFormats = { oid: regexes.get('oid'), uuid: regexes.get('uuid') };
  const rules = new Map<string, PrimitiveRule>();
  for (const [type, regex] of regexes) rules.set(type, makeRule(type, regex, urns));
  return rules;
}

/** The R4 formats of the `oid` and `uuid` types, which `urn:oid:` and `urn:uuid:` URIs are held to. */
interface UrnFormats {
  oid: RegExp | undefined;
  uuid: RegExp | undefined;
}

function makeRule(type: string, regex: RegExp | undefined, urns: UrnFormats): PrimitiveRule {
  if (type === 'boolean') return { type, check: (v) => (typeof v === 'boolean' ? undefined : jsonType('boolean')) };
  if (NUMERIC.has(type)) return { type, check: (v) => checkNumber(type, v) };
  // The R4 base64Binary regex backtracks badly on long input; this is the same rule in linear time.
  if (type === 'base64Binary') return { type, check: (v) => checkString(v) ?? checkBase64(v as string) };
  const dated = DATED.has(type);
  const uri = URI_TYPES.has(type);
  return {
    type,
    check(v) {
      const problem = checkString(v);
      if (problem) return problem;
      const s = v as string;
      if (regex && !regex.test(s)) return { severity: 'error', code: 'value', reason: `Invalid ${type} format` };
      if (dated && !isCalendarDate(s))
        return { severity: 'error', code: 'value', reason: `Invalid ${type}: no such calendar day` };
      if (uri) return checkUrn(type, s, urns);
      return undefined;
    },
  };
}

function checkUrn(type: string, s: string, urns: UrnFormats): PrimitiveProblem | undefined {
  if (s.startsWith('urn:oid:') && urns.oid && !urns.oid.test(s))
    return { severity: 'error', code: 'value', reason: `Invalid ${type}: not a valid OID after urn:oid:` };
  if (s.startsWith('urn:uuid:') && urns.uuid && !urns.uuid.test(s))
    return { severity: 'error', code: 'value', reason: `Invalid ${type}: not a valid UUID after urn:uuid:` };
  return undefined;
}

function jsonType(expected: string): PrimitiveProblem {
  return { severity: 'error', code: 'structure', reason: `Expected a JSON ${expected}` };
}

function checkString(v: unknown): PrimitiveProblem | undefined {
  if (typeof v !== 'string') return jsonType('string');
  if (v.length === 0) return { severity: 'error', code: 'value', reason: 'Empty string: omit the property instead' };
  if (v.length > MAX_STRING) return { severity: 'error', code: 'value', reason: 'String longer than 1 MB' };
  if (v.trim().length === 0)
    return { severity: 'warning', code: 'value', reason: 'String has no non-whitespace content' };
  return undefined;
}

function checkNumber(type: string, v: unknown): PrimitiveProblem | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return jsonType('number');
  if (type === 'decimal') return undefined;
  if (!Number.isInteger(v))
    return { severity: 'error', code: 'value', reason: `Expected an ${type}: not a whole number` };
  const min = type === 'positiveInt' ? 1 : type === 'unsignedInt' ? 0 : INT_MIN;
  if (v < min || v > INT_MAX)
    return { severity: 'error', code: 'value', reason: `${type} out of range ${min}..${INT_MAX}` };
  return undefined;
}

function checkBase64(s: string): PrimitiveProblem | undefined {
  const data = s.replace(/\s+/g, '');
  const ok = data.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(data);
  return ok ? undefined : { severity: 'error', code: 'value', reason: 'Invalid base64Binary format' };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** @returns false for a date like 2026-02-30 that matches the format but does not exist. */
function isCalendarDate(s: string): boolean {
  if (s.length < 10) return true;
  const day = Number(s.slice(8, 10));
  if (day <= 28) return true;
  const month = Number(s.slice(5, 7));
  if (month !== 2) return day <= (DAYS_IN_MONTH[month - 1] ?? 0);
  const year = Number(s.slice(0, 4));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (leap ? 29 : 28);
}

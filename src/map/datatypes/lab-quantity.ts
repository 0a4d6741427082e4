import type { Quantity } from '@medplum/fhirtypes';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { parseHl7Number } from '../../parse/hl7v2/hl7-number.ts';
import { lookupObservationCode } from '../code-lookup.ts';
import type { Analyte } from '../mapping-types.ts';
import {
  canonicalQuantity,
  significantDigits,
  type Num,
  type QuantityTarget,
  type SentUnit,
} from '../canonical-quantity.ts';
import { resolveUnit, validUcum } from '../units.ts';
import { componentAt, isEmpty, locationOf, resolveFirst, textAt, type FieldRef } from '../template/field-ref.ts';
import type { EvalContext } from '../template/map-context.ts';
import { argPaths, type Converter, type Directive } from './converter.ts';

const UCUM = 'http://unitsofmeasure.org';

function num(text: string): Num | undefined {
  const n = parseHl7Number(text);
  if (!n) return undefined;
  return { value: n.value, digits: significantDigits(n.text) };
}

function sentUnit(ctx: EvalContext, directive: Directive, defaultUnit?: string): SentUnit {
  const paths = argPaths(directive, 'unit');
  const ref = paths ? resolveFirst(paths, ctx) : undefined;
  // An OBX-6 of only separators (`^`) is as good as empty: the unit configured for the code applies.
  if (ref && [1, 2, 3].some((c) => !isEmpty(componentAt(ref, c).trim()))) {
    const code = componentAt(ref, 1).trim();
    const system = componentAt(ref, 3).trim().toUpperCase();
    const location = locationOf(ref);
    if ((system === 'UCUM' || system === UCUM.toUpperCase()) && validUcum(code))
      return { original: code, ucum: code, location };
    const text = code || componentAt(ref, 2).trim();
    return { ...resolveUnit(text, ctx.mappings.unitAliases), location };
  }
  if (defaultUnit) return resolveUnit(defaultUnit, ctx.mappings.unitAliases);
  return {};
}

function analyteFor(ctx: EvalContext, directive: Directive): { analyte?: Analyte; defaultUnit?: string } {
  const paths = argPaths(directive, 'code');
  const ref = paths ? resolveFirst(paths, ctx) : undefined;
  return ref ? lookupObservationCode(ref, ctx) : {};
}

/**
 * The Quantity of an OBX value in the analyte's canonical unit (see {@link canonicalQuantity}).
 * @throws AdapterError `map.unit-conversion` when the unit is unknown or cannot be converted.
 */
function quantity(
  n: Num,
  unit: SentUnit,
  analyte: QuantityTarget | undefined,
  ctx: EvalContext,
  where: string,
): Quantity {
  const r = canonicalQuantity(n, unit, analyte, ctx.mappings.settings.canonicalBase);
  if (r.ok) return r.quantity;
  throw adapterError(ErrorCode.MapUnitConversion, IssueType.Value, r.reason, { hl7: unit.location ?? where });
}

function requireNum(text: string, ref: FieldRef, component?: number): Num {
  const n = num(text);
  if (!n) {
    throw adapterError(ErrorCode.MapInvalidValue, IssueType.Value, 'value is not a number', {
      hl7: locationOf(ref, component),
    });
  }
  return n;
}

/** NM (OBX-5) → Quantity in the canonical unit of the analyte that OBX-3 maps to. Args: `code`, `unit`. */
export const labQuantity: Converter = (ref, ctx, directive) => {
  const text = textAt(ref).trim();
  if (isEmpty(text)) return undefined;
  const n = requireNum(text, ref);
  const { analyte, defaultUnit } = analyteFor(ctx, directive);
  return quantity(n, sentUnit(ctx, directive, defaultUnit), analyte, ctx, locationOf(ref));
};

/**
 * NM → Quantity in the UCUM unit the directive names (`$unit`): as sent when the unit sent (`$args.unit`, through
 * the unit aliases) is that unit, else converted by UCUM unit algebra with the value as sent kept in
 * `original-quantity`, as lab values are. For amounts that are not lab results, such as the cells of an infusion
 * (RXA-6 in the unit of RXA-7). A unit that is missing or does not convert is an error at the unit field.
 */
export const unitQuantity: Converter = (ref, ctx, directive) => {
  const text = textAt(ref).trim();
  if (isEmpty(text)) return undefined;
  const target = { unit: directive.$unit as string };
  return quantity(requireNum(text, ref), sentUnit(ctx, directive), target, ctx, locationOf(ref));
};

const SN_COMPARATORS = new Set(['', '=', '<', '>', '<=', '>=', '<>']);

/**
 * SN (OBX-5) → one of valueQuantity (with comparator), valueRange, valueRatio or valueString, in the V2-to-FHIR
 * guide's order, merged into the Observation (use with `$merge`). Tolerates what real senders send: `<0.10` in
 * one component, `=` as comparator, leading zeros. Args: `code`, `unit`.
 */
export const labStructuredNumeric: Converter = (ref, ctx, directive) => {
  let comparator = componentAt(ref, 1).trim();
  let n1 = componentAt(ref, 2).trim();
  const sep = componentAt(ref, 3).trim();
  const n2 = componentAt(ref, 4).trim();
  const packed = /^(<=|>=|<>|<|>|=)?\s*([+-]?(?:\d+\.?\d*|\.\d+))$/.exec(comparator);
  if (!n1 && !sep && !n2 && packed) {
    comparator = packed[1] ?? '';
    n1 = packed[2] ?? '';
  }
  const asString = (): Record<string, unknown> | undefined => {
    const s = [comparator, n1, sep, n2].join('').trim();
    return s ? { valueString: s } : undefined;
  };
  if (!SN_COMPARATORS.has(comparator) || !n1) return asString();
  const first = num(n1);
  if (!first) return asString();
  const { analyte, defaultUnit } = analyteFor(ctx, directive);
  const unit = sentUnit(ctx, directive, defaultUnit);
  const where = locationOf(ref);
  if (!sep && !n2) {
    if (comparator === '<>') return asString();
    const q = quantity(first, unit, analyte, ctx, where);
    return { valueQuantity: comparator && comparator !== '=' ? { ...q, comparator } : q };
  }
  const second = num(n2);
  if (!second || (comparator && comparator !== '=')) return asString();
  if (sep === '-') {
    return {
      valueRange: {
        low: quantity(first, unit, analyte, ctx, where),
        high: quantity(second, unit, analyte, ctx, where),
      },
    };
  }
  if (sep === ':' || sep === '/') {
    return { valueRatio: { numerator: { value: first.value }, denominator: { value: second.value } } };
  }
  return asString();
};

const RANGE = /^\s*([+-]?\d*\.?\d+)\s*-\s*([+-]?\d*\.?\d+)\s*$/;
const BOUND = /^\s*(<=|>=|<|>)\s*([+-]?\d*\.?\d+)\s*$/;

/**
 * OBX-7 → referenceRange: `3.5-5.0`, `<5`, `>=10` become low/high in the same unit as the value (converted with
 * it); anything else is kept as text. The text as sent is always kept. Args: `code`, `unit`.
 */
export const labReferenceRange: Converter = (ref, ctx, directive) => {
  const text = textAt(ref).trim();
  if (isEmpty(text)) return undefined;
  const { analyte, defaultUnit } = analyteFor(ctx, directive);
  const unit = sentUnit(ctx, directive, defaultUnit);
  const where = locationOf(ref);
  const simple = (n: Num): Quantity => {
    // A reference range holds SimpleQuantity: no comparator, and the original-value extension would only repeat the text.
    const { extension: _ext, ...q } = quantity(n, unit, analyte, ctx, where);
    return q;
  };
  const r = RANGE.exec(text);
  const a = r?.[1] ? num(r[1]) : undefined;
  const b = r?.[2] ? num(r[2]) : undefined;
  if (a && b) return { low: simple(a), high: simple(b), text };
  const bound = BOUND.exec(text);
  const c = bound?.[2] ? num(bound[2]) : undefined;
  if (bound && c) return bound[1]?.startsWith('<') ? { high: simple(c), text } : { low: simple(c), text };
  return { text };
};

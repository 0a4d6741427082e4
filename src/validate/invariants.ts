import { UCUM, parseFhirPath } from '@medplum/core';
import type { Atom, TypedValue } from '@medplum/core';
import type { ElementDefinitionConstraint } from '@medplum/fhirtypes';
import { Tri } from './compiled-types.ts';
import type { Invariant, JsonObject, ResourceScope } from './compiled-types.ts';
import type { FastPathContext } from './fast-context.ts';
import { compileFastPath, rootNames } from './fast-path.ts';
import { NATIVE_INVARIANTS } from './native-invariants.ts';

const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';
const CORE_PREFIX = 'http://hl7.org/fhir/';
const UCUM_VALUE: TypedValue = { type: 'uri', value: UCUM };
/** Functions `@medplum/core` answers with an empty collection whatever the input. */
const STUBBED = /\b(children|descendants|repeat|encode|decode|escape|unescape|trim|split)\s*\(/;

/**
 * The context type an invariant is compiled for: its fast-path context, or just a type name for primitives.
 * `fromCore` says the definition being compiled is part of the FHIR specification.
 */
export type InvariantTarget = { readonly typeName: string; readonly fromCore: boolean } & (
  { readonly isObject: true; readonly ctx: FastPathContext } | { readonly isObject: false }
);

/** A compiled invariant, nothing to evaluate, or why the constraint is unusable. */
export type CompiledConstraint =
  | { kind: 'invariant'; invariant: Invariant }
  | { kind: 'skipped'; reason?: string }
  | { kind: 'problem'; reason: string };

/**
 * Compiles ElementDefinition.constraint entries once: parses the FHIRPath with `@medplum/core`, builds the
 * fast path, and substitutes native code where Medplum's engine cannot evaluate the R4 expression.
 *
 * Skipped: `ele-1` (the walker checks "has a value or children" structurally), best-practice constraints, and
 * warnings that come from the core specification (mostly naming rules for conformance resources). Warnings a
 * profile defines itself are evaluated.
 * @param c - The constraint.
 * @param target - The context type.
 * @returns The compiled invariant, a skip, or a problem.
 */
export function compileConstraint(c: ElementDefinitionConstraint, target: InvariantTarget): CompiledConstraint {
  if (!c.key || !c.expression || !c.human)
    return { kind: 'problem', reason: 'Constraint needs key, human and expression' };
  if (c.severity !== 'error' && c.severity !== 'warning') {
    return { kind: 'problem', reason: `Constraint ${c.key} has severity ${String(c.severity)}` };
  }
  const native = NATIVE_INVARIANTS[c.key];
  if (native?.expression === c.expression) {
    if (native.skip) return { kind: 'skipped' };
    return { kind: 'invariant', invariant: { ...describe(c), fast: native.fast, full: native.full } };
  }
  // Core definitions do not always fill `source`; a profile's copies of core constraints always do.
  const core = target.fromCore || (c.source ?? '').startsWith(CORE_PREFIX);
  const bestPractice = c.extension?.some((x) => x.url === BEST_PRACTICE && x.valueBoolean === true);
  if (bestPractice || (core && c.severity === 'warning')) return { kind: 'skipped' };
  const stub = STUBBED.exec(c.expression);
  if (stub) {
    const reason = `Constraint ${c.key}: ${stub[1]}() is not implemented by the FHIRPath engine`;
    return core ? { kind: 'skipped', reason } : { kind: 'problem', reason };
  }
  let atom: Atom;
  try {
    atom = parseFhirPath(c.expression);
  } catch (err) {
    return { kind: 'problem', reason: `Constraint ${c.key}: FHIRPath does not parse (${(err as Error).message})` };
  }
  const ctx = target.isObject ? target.ctx : undefined;
  const unknownName = ctx ? rootNames(atom).find((n) => !ctx.keysOf(n) && n !== target.typeName) : '';
  if (unknownName && !core) {
    return { kind: 'problem', reason: `Constraint ${c.key}: ${target.typeName} has no element "${unknownName}"` };
  }
  const fast = ctx ? compileFastPath(atom, ctx) : () => Tri.Unknown;
  return { kind: 'invariant', invariant: { ...describe(c), fast, full: fullEvaluation(atom) } };
}

function describe(c: ElementDefinitionConstraint): Pick<Invariant, 'key' | 'severity' | 'human' | 'expression'> {
  return {
    key: c.key as string,
    severity: c.severity === 'warning' ? 'warning' : 'error',
    human: c.human as string,
    expression: c.expression as string,
  };
}

function fullEvaluation(atom: Atom): Invariant['full'] {
  return (obj: unknown, typeName: string, scope: ResourceScope) => {
    const context: TypedValue = { type: typeName, value: obj };
    const variables: Record<string, TypedValue> = {
      '%context': context,
      '%resource': asTyped(scope.resource),
      '%rootResource': asTyped(scope.rootResource),
      '%ucum': UCUM_VALUE,
    };
    const result = atom.eval({ variables }, [context]);
    return result.length === 1 && result[0]?.value === true;
  };
}

function asTyped(resource: JsonObject): TypedValue {
  return { type: String(resource.resourceType), value: resource };
}

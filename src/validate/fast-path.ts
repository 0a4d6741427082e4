import {
  AndAtom,
  AsAtom,
  DotAtom,
  EqualsAtom,
  FhirPathAtom,
  FunctionAtom,
  ImpliesAtom,
  IsAtom,
  LiteralAtom,
  NotEqualsAtom,
  OrAtom,
  SymbolAtom,
  XorAtom,
} from '@medplum/core';
import type { Atom, TypedValue } from '@medplum/core';
import { Tri } from './compiled-types.ts';
import type { JsonObject, ResourceScope } from './compiled-types.ts';
import type { FastPathContext } from './fast-context.ts';
import { compileCollection } from './fast-collection.ts';
import { and, booleanEquals, every, implies, not, or, some, xor } from './fast-logic.ts';
import type { Fast } from './fast-logic.ts';

/*
 * Most FHIR invariants only look at which properties are present ("dataAbsentReason.empty() or value.empty()")
 * or compare a code with a literal. Running the FHIRPath engine for those costs 1-150 µs each, and a lab
 * Observation carries a dozen. This module abstracts an expression over the JSON: navigation, presence,
 * `where`/`all`/`exists` with criteria, string comparisons and tests, boolean logic, and chains whose head
 * property is absent (their value is then a constant, computed once). Anything else is Unknown and goes to
 * the full evaluator, so the fast path only skips work; fast-path.test.ts checks it against the engine.
 */

const unknown: Fast = () => Tri.Unknown;
const ABSENT = Symbol('absent');
const UNSURE = Symbol('unsure');
/** The string value of an operand, ABSENT (FHIRPath empty), or UNSURE (ask the engine). */
type StringOperand = (o: JsonObject, s: ResourceScope) => string | typeof ABSENT | typeof UNSURE;

/** Functions that return empty for empty input without evaluating their arguments. */
const EMPTY_PRESERVING = new Set([
  'where', 'select', 'ofType', 'first', 'last', 'tail', 'distinct', 'trace', 'not', 'startsWith', 'endsWith',
  'matches', 'substring', 'length', 'lower', 'upper', 'toString', 'single',
]); // prettier-ignore
/** Functions that return a constant for empty input without evaluating their arguments. */
const CONSTANT_ON_EMPTY = new Set(['exists', 'empty', 'all', 'count', 'hasValue']);
/** Functions that depend on their input only (safe after a constant). */
const PURE_NO_ARGS = new Set(['not', 'exists', 'empty', 'count', 'hasValue', 'trace']);
const STRING_TESTS: Record<string, (s: string, arg: string) => boolean> = {
  contains: (s, a) => s.includes(a),
  startsWith: (s, a) => s.startsWith(a),
  endsWith: (s, a) => s.endsWith(a),
};

/**
 * Compiles the fast path of one expression.
 * @param atom - The parsed expression.
 * @param ctx - The context type.
 * @returns A function giving the expression's boolean value, or Unknown.
 */
export function compileFastPath(atom: Atom, ctx: FastPathContext): Fast {
  return node(atom, ctx);
}

/**
 * Names of properties the expression navigates from its context (heads of paths outside function arguments).
 * @param atom - The parsed expression.
 * @returns The names, e.g. `value` and `dataAbsentReason` for obs-6.
 */
export function rootNames(atom: Atom): string[] {
  if (atom instanceof FhirPathAtom) return rootNames(atom.child);
  if (atom instanceof SymbolAtom) return /^[%$]/.test(atom.name) ? [] : [atom.name];
  if (atom instanceof DotAtom || atom instanceof IsAtom || atom instanceof AsAtom) return rootNames(atom.left);
  if ('left' in atom && 'right' in atom) return [...rootNames(atom.left as Atom), ...rootNames(atom.right as Atom)];
  return [];
}

function node(atom: Atom, ctx: FastPathContext): Fast {
  if (atom instanceof FhirPathAtom) return node(atom.child, ctx);
  if (atom instanceof OrAtom) return or(node(atom.left, ctx), node(atom.right, ctx));
  if (atom instanceof AndAtom) return and(node(atom.left, ctx), node(atom.right, ctx));
  if (atom instanceof ImpliesAtom) return implies(node(atom.left, ctx), node(atom.right, ctx));
  if (atom instanceof XorAtom) return xor(node(atom.left, ctx), node(atom.right, ctx));
  if (atom instanceof LiteralAtom && typeof atom.value.value === 'boolean') {
    const v = atom.value.value ? Tri.True : Tri.False;
    return () => v;
  }
  if (atom instanceof DotAtom && isCall(atom.right, 'not')) return not(node(atom.left, ctx));
  return terminal(atom, ctx) ?? comparison(atom, ctx) ?? stringTest(atom, ctx) ?? absentHead(atom, ctx) ?? unknown;
}

/** `x.exists()`, `x.empty()`, `x.exists(criteria)`, `x.all(criteria)` over a native navigation `x`. */
function terminal(atom: Atom, ctx: FastPathContext): Fast | undefined {
  if (!(atom instanceof DotAtom) || !(atom.right instanceof FunctionAtom)) return undefined;
  const { name, args } = atom.right;
  if (!['exists', 'empty', 'all'].includes(name) || args.length > 1 || (name === 'empty' && args.length > 0)) return;
  const coll = compileCollection(atom.left, ctx, node);
  if (!coll) return undefined;
  const [arg] = args;
  if (!arg) {
    const present = name === 'exists' ? Tri.True : Tri.False;
    const absent = name === 'exists' ? Tri.False : Tri.True;
    return (o, s) => {
      const items = coll.run(o, s);
      return items === undefined ? Tri.Unknown : items.length > 0 ? present : absent;
    };
  }
  if (!coll.ctx) return undefined;
  const test = node(arg, coll.ctx);
  return name === 'all' ? (o, s) => every(coll.run(o, s), test, s) : (o, s) => some(coll.run(o, s), test, s);
}

/** `=` / `!=` between a string property and a literal, or between two booleans. */
function comparison(atom: Atom, ctx: FastPathContext): Fast | undefined {
  if (!(atom instanceof EqualsAtom) && !(atom instanceof NotEqualsAtom)) return undefined;
  const equal = atom instanceof EqualsAtom;
  const [side, lit] = atom.right instanceof LiteralAtom ? [atom.left, atom.right] : [atom.right, atom.left];
  if (!(lit instanceof LiteralAtom)) return booleanEquals(node(atom.left, ctx), node(atom.right, ctx), equal);
  const operand = stringOperand(side, ctx);
  const literal = lit.value.value;
  if (!operand || typeof literal !== 'string') return undefined;
  return (o, s) => {
    const v = operand(o, s);
    if (v === UNSURE) return Tri.Unknown;
    if (v === ABSENT) return Tri.Empty;
    return (v === literal) === equal ? Tri.True : Tri.False;
  };
}

/** `name.contains('x')`, `.startsWith('x')`, `.endsWith('x')` on a string property. */
function stringTest(atom: Atom, ctx: FastPathContext): Fast | undefined {
  if (!(atom instanceof DotAtom) || !(atom.right instanceof FunctionAtom)) return undefined;
  const test = STRING_TESTS[atom.right.name];
  const [arg] = atom.right.args;
  const literal = arg instanceof FhirPathAtom ? arg.child : arg;
  const operand = stringOperand(atom.left, ctx);
  if (!test || atom.right.args.length !== 1 || !operand || !(literal instanceof LiteralAtom)) return undefined;
  const value = literal.value.value;
  if (typeof value !== 'string') return undefined;
  return (o, s) => {
    const v = operand(o, s);
    if (v === UNSURE) return Tri.Unknown;
    if (v === ABSENT) return Tri.Empty;
    return test(v, value) ? Tri.True : Tri.False;
  };
}

/** A single-valued string property of the context, or of the enclosing resource (`%resource.type`). */
function stringOperand(atom: Atom, ctx: FastPathContext): StringOperand | undefined {
  let key: string | undefined;
  let fromResource = false;
  if (atom instanceof SymbolAtom && ctx.isSingleString(atom.name)) key = atom.name;
  else if (atom instanceof DotAtom && atom.left instanceof SymbolAtom && atom.left.name === '%resource') {
    const name = atom.right instanceof SymbolAtom ? atom.right.name : '';
    if (ctx.resource?.isSingleString(name)) [key, fromResource] = [name, true];
  }
  if (key === undefined) return undefined;
  const k = key;
  const companion = '_' + key;
  return (o, s) => {
    const holder = fromResource ? s.resource : o;
    const v = holder[k];
    if (holder[companion] !== undefined) return UNSURE;
    if (v === undefined) return ABSENT;
    return typeof v === 'string' && v !== '' ? v : UNSURE;
  };
}

/** A navigation chain from a property: while that property is absent, its value is a constant. */
function absentHead(atom: Atom, ctx: FastPathContext): Fast | undefined {
  const head = chainHead(atom, { constant: false });
  const keys = head === undefined ? undefined : ctx.keysOf(head);
  if (!keys) return undefined;
  let whenAbsent: Tri;
  try {
    whenAbsent = toTri(ctx.evalOnEmpty(atom));
  } catch {
    return undefined;
  }
  const companions = keys.map((k) => '_' + k);
  return (o) => {
    for (let i = 0; i < keys.length; i++) {
      if (o[keys[i] as string] !== undefined || o[companions[i] as string] !== undefined) return Tri.Unknown;
    }
    return whenAbsent;
  };
}

function chainHead(atom: Atom, state: { constant: boolean }): string | undefined {
  if (atom instanceof SymbolAtom) return /^[%$]/.test(atom.name) ? undefined : atom.name;
  if (atom instanceof IsAtom || atom instanceof AsAtom) return chainHead(atom.left, state);
  if (!(atom instanceof DotAtom)) return undefined;
  const head = chainHead(atom.left, state);
  if (head === undefined) return undefined;
  const step = atom.right;
  if (step instanceof SymbolAtom) return state.constant || /^[%$]/.test(step.name) ? undefined : head;
  if (!(step instanceof FunctionAtom)) return undefined;
  if (state.constant) return PURE_NO_ARGS.has(step.name) && step.args.length === 0 ? head : undefined;
  if (CONSTANT_ON_EMPTY.has(step.name)) {
    state.constant = true;
    return head;
  }
  return EMPTY_PRESERVING.has(step.name) ? head : undefined;
}

function toTri(result: TypedValue[]): Tri {
  if (result.length === 0) return Tri.Empty;
  if (result.length === 1 && typeof result[0]?.value === 'boolean') return result[0].value ? Tri.True : Tri.False;
  return Tri.Unknown;
}

function isCall(atom: Atom, name: string): boolean {
  return atom instanceof FunctionAtom && atom.name === name && atom.args.length === 0;
}

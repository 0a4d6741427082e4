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
import type { JsonObject } from './compiled-types.ts';
import type { FastPathContext } from './fast-context.ts';
import { compileCollection } from './fast-collection.ts';
import type { Fast, Items } from './fast-collection.ts';

/*
 * Most FHIR invariants only look at which properties are present ("dataAbsentReason.empty() or value.empty()",
 * "contained.contained.empty()"). Running the FHIRPath engine for those costs ~1 µs each, and a lab Observation
 * carries a dozen of them. This module abstracts an expression over the JSON object: presence tests,
 * comparisons of a single string property with a literal, and navigation chains whose head property is absent
 * (their value is then a constant, computed once). Anything else is Unknown and goes to the full evaluator, so
 * the fast path can only skip work, never change an answer; fast-path.test.ts checks it against the engine.
 */

const unknown: Fast = () => Tri.Unknown;

/** Functions that return empty for empty input without evaluating their arguments. */
const EMPTY_PRESERVING = new Set([
  'where', 'select', 'ofType', 'first', 'last', 'tail', 'distinct', 'trace', 'not', 'startsWith', 'endsWith',
  'matches', 'substring', 'length', 'lower', 'upper', 'toString', 'single',
]); // prettier-ignore
/** Functions that return a constant for empty input without evaluating their arguments. */
const CONSTANT_ON_EMPTY = new Set(['exists', 'empty', 'all', 'count', 'hasValue']);
/** Functions that depend on their input only (safe after a constant). */
const PURE_NO_ARGS = new Set(['not', 'exists', 'empty', 'count', 'hasValue', 'trace']);

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
  if (atom instanceof SymbolAtom) return atom.name.startsWith('%') || atom.name.startsWith('$') ? [] : [atom.name];
  if (atom instanceof DotAtom || atom instanceof IsAtom || atom instanceof AsAtom) return rootNames(atom.left);
  if (isInfix(atom)) return [...rootNames(atom.left), ...rootNames(atom.right)];
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
  return terminal(atom, ctx) ?? comparison(atom, ctx) ?? absentHead(atom, ctx) ?? unknown;
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
    return (o) => {
      const items = coll.run(o);
      return items === undefined ? Tri.Unknown : items.length > 0 ? present : absent;
    };
  }
  if (!coll.ctx) return undefined;
  const test = node(arg, coll.ctx);
  return name === 'all' ? (o) => every(coll.run(o), test) : (o) => some(coll.run(o), test);
}

function some(items: Items, test: Fast): Tri {
  if (!items) return Tri.Unknown;
  let unsure = false;
  for (const item of items) {
    const t = typeof item === 'object' && item !== null ? test(item as JsonObject) : Tri.Unknown;
    if (t === Tri.True) return Tri.True;
    if (t === Tri.Unknown) unsure = true;
  }
  return unsure ? Tri.Unknown : Tri.False;
}

function every(items: Items, test: Fast): Tri {
  if (!items) return Tri.Unknown;
  let unsure = false;
  for (const item of items) {
    const t = typeof item === 'object' && item !== null ? test(item as JsonObject) : Tri.Unknown;
    if (t === Tri.Unknown) unsure = true;
    else if (t !== Tri.True) return Tri.False;
  }
  return unsure ? Tri.Unknown : Tri.True;
}

/** `name = 'literal'` / `name != 'literal'` for a single string property. */
function comparison(atom: Atom, ctx: FastPathContext): Fast | undefined {
  if (!(atom instanceof EqualsAtom) && !(atom instanceof NotEqualsAtom)) return undefined;
  const [sym, lit] = atom.left instanceof SymbolAtom ? [atom.left, atom.right] : [atom.right, atom.left];
  if (!(sym instanceof SymbolAtom) || !(lit instanceof LiteralAtom) || typeof lit.value.value !== 'string') return;
  if (!ctx.isSingleString(sym.name)) return undefined;
  const key = sym.name;
  const literal = lit.value.value;
  const equal = atom instanceof EqualsAtom;
  return (o) => {
    const v = o[key];
    if (o['_' + key] !== undefined) return Tri.Unknown;
    if (v === undefined) return Tri.Empty;
    if (typeof v !== 'string' || v === '') return Tri.Unknown;
    return (v === literal) === equal ? Tri.True : Tri.False;
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
  return (o) => (isAbsent(o, keys) ? whenAbsent : Tri.Unknown);
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

function isAbsent(o: JsonObject, keys: readonly string[]): boolean {
  for (const k of keys) if (o[k] !== undefined || o['_' + k] !== undefined) return false;
  return true;
}

function isCall(atom: Atom, name: string): boolean {
  return atom instanceof FunctionAtom && atom.name === name && atom.args.length === 0;
}

function isInfix(atom: Atom): atom is Atom & { left: Atom; right: Atom } {
  return 'left' in atom && 'right' in atom;
}

function not(f: Fast): Fast {
  return (o) => {
    const v = f(o);
    return v === Tri.True ? Tri.False : v === Tri.False ? Tri.True : v;
  };
}

function or(l: Fast, r: Fast): Fast {
  return (o) => {
    const a = l(o);
    if (a === Tri.True) return Tri.True;
    const b = r(o);
    if (b === Tri.True) return Tri.True;
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    return a === Tri.False && b === Tri.False ? Tri.False : Tri.Empty;
  };
}

function and(l: Fast, r: Fast): Fast {
  return (o) => {
    const a = l(o);
    if (a === Tri.False) return Tri.False;
    const b = r(o);
    if (b === Tri.False) return Tri.False;
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    return a === Tri.True && b === Tri.True ? Tri.True : Tri.Empty;
  };
}

function implies(l: Fast, r: Fast): Fast {
  return (o) => {
    const a = l(o);
    if (a === Tri.False) return Tri.True;
    const b = r(o);
    if (b === Tri.True) return Tri.True;
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    return a === Tri.True ? b : Tri.Empty;
  };
}

function xor(l: Fast, r: Fast): Fast {
  return (o) => {
    const a = l(o);
    const b = r(o);
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    if (a === Tri.Empty || b === Tri.Empty) return Tri.Empty;
    return a === b ? Tri.False : Tri.True;
  };
}

import { DotAtom, FunctionAtom, LiteralAtom, SymbolAtom } from '@medplum/core';
import type { Atom } from '@medplum/core';
import { Tri } from './compiled-types.ts';
import type { JsonObject, ResourceScope } from './compiled-types.ts';
import type { FastPathContext } from './fast-context.ts';
import type { Fast, Items } from './fast-logic.ts';
import { choiceKey } from './type-codes.ts';

/** A compiled navigation: its items for a context object, and the context type of those items. */
export interface Collection {
  readonly run: (obj: JsonObject, scope: ResourceScope) => Items;
  readonly ctx: FastPathContext | undefined;
}

/**
 * Compiles a navigation from the context natively: `name`, `a.b`, `name.ofType(T)` on a choice, and
 * `x.where(criteria)`. Values are read as the FHIRPath engine reads them; any value whose emptiness is not
 * plain (empty strings, objects or arrays, nulls, primitive extensions) makes the result Unknown.
 * @param atom - A navigation expression.
 * @param ctx - Its context type.
 * @param criteria - Compiles a boolean criteria expression for an item context.
 * @returns The collection, or undefined when the expression is not a supported navigation.
 */
export function compileCollection(
  atom: Atom,
  ctx: FastPathContext | undefined,
  criteria: (atom: Atom, ctx: FastPathContext) => Fast,
): Collection | undefined {
  if (!ctx) return undefined;
  if (atom instanceof SymbolAtom) return property(atom.name, ctx, (o) => [o]);
  if (!(atom instanceof DotAtom)) return undefined;
  const step = atom.right;
  if (step instanceof FunctionAtom && step.name === 'ofType' && atom.left instanceof SymbolAtom) {
    return ofType(atom.left.name, step, ctx);
  }
  const left = compileCollection(atom.left, ctx, criteria);
  if (!left?.ctx) return undefined;
  if (step instanceof SymbolAtom) return property(step.name, left.ctx, left.run);
  if (step instanceof FunctionAtom && step.name === 'where' && step.args.length === 1 && step.args[0]) {
    const test = criteria(step.args[0], left.ctx);
    return { run: (o, s) => filter(left.run(o, s), test, s), ctx: left.ctx };
  }
  return undefined;
}

function property(name: string, ctx: FastPathContext, source: Collection['run']): Collection | undefined {
  if (/^[%$]/.test(name)) return undefined;
  const keys = ctx.keysOf(name);
  if (!keys) return undefined;
  const companions = keys.map((k) => '_' + k);
  return { run: (o, s) => gather(source(o, s), keys, companions), ctx: ctx.child(name) };
}

function ofType(name: string, fn: FunctionAtom, ctx: FastPathContext): Collection | undefined {
  const arg = fn.args[0];
  const type = arg instanceof SymbolAtom ? arg.name : arg instanceof LiteralAtom ? String(arg.value.value) : undefined;
  const codes = ctx.codesOf(name);
  const keys = ctx.keysOf(name);
  if (!type || !codes || !keys || !codes.includes(type)) return undefined;
  // A choice element names each type in its JSON key; a single-typed element is entirely of that type.
  const key = codes.length > 1 ? choiceKey(name, type) : keys[0];
  if (key === undefined || !keys.includes(key)) return undefined;
  return { run: (o) => gather([o], [key], ['_' + key]), ctx: ctx.child(name, type) };
}

function gather(parents: Items, keys: readonly string[], companions: readonly string[]): Items {
  if (!parents) return undefined;
  const out: unknown[] = [];
  for (const parent of parents) {
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return undefined;
    const p = parent as JsonObject;
    for (let i = 0; i < keys.length; i++) {
      if (p[companions[i] as string] !== undefined) return undefined;
      const v = p[keys[i] as string];
      if (v === undefined) continue;
      if (Array.isArray(v)) {
        if (v.length === 0) return undefined;
        for (const item of v) {
          if (!isClean(item)) return undefined;
          out.push(item);
        }
      } else if (isClean(v)) out.push(v);
      else return undefined;
    }
  }
  return out;
}

function filter(items: Items, test: Fast, scope: ResourceScope): Items {
  if (!items) return undefined;
  const out: unknown[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) return undefined;
    const t = test(item as JsonObject, scope);
    if (t === Tri.Unknown) return undefined;
    if (t === Tri.True) out.push(item);
  }
  return out;
}

/** A single value whose FHIRPath emptiness is plain. */
function isClean(v: unknown): boolean {
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'number' || typeof v === 'boolean') return true;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const _ in v) return true;
  return false;
}

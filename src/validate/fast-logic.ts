import { Tri } from './compiled-types.ts';
import type { JsonObject, ResourceScope } from './compiled-types.ts';

/** A boolean expression compiled for the fast path: its FHIRPath value on an object, or Unknown. */
export type Fast = (obj: JsonObject, scope: ResourceScope) => Tri;

/** Items of a navigation, or undefined when only the FHIRPath engine can tell. */
export type Items = unknown[] | undefined;

/*
 * FHIRPath's three-valued logic (true, false, empty) extended with Unknown. Each operator follows the
 * FHIRPath tables; whenever the known operands do not settle the result, the result is Unknown.
 */

/** FHIRPath `not()`. */
export function not(f: Fast): Fast {
  return (o, s) => {
    const v = f(o, s);
    return v === Tri.True ? Tri.False : v === Tri.False ? Tri.True : v;
  };
}

/** FHIRPath `or`. */
export function or(l: Fast, r: Fast): Fast {
  return (o, s) => {
    const a = l(o, s);
    if (a === Tri.True) return Tri.True;
    const b = r(o, s);
    if (b === Tri.True) return Tri.True;
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    return a === Tri.False && b === Tri.False ? Tri.False : Tri.Empty;
  };
}

/** FHIRPath `and`. */
export function and(l: Fast, r: Fast): Fast {
  return (o, s) => {
    const a = l(o, s);
    if (a === Tri.False) return Tri.False;
    const b = r(o, s);
    if (b === Tri.False) return Tri.False;
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    return a === Tri.True && b === Tri.True ? Tri.True : Tri.Empty;
  };
}

/** FHIRPath `implies`. */
export function implies(l: Fast, r: Fast): Fast {
  return (o, s) => {
    const a = l(o, s);
    if (a === Tri.False) return Tri.True;
    const b = r(o, s);
    if (b === Tri.True) return Tri.True;
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    return a === Tri.True ? b : Tri.Empty;
  };
}

/** FHIRPath `xor`. */
export function xor(l: Fast, r: Fast): Fast {
  return (o, s) => {
    const a = l(o, s);
    const b = r(o, s);
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    if (a === Tri.Empty || b === Tri.Empty) return Tri.Empty;
    return a === b ? Tri.False : Tri.True;
  };
}

/** FHIRPath `=` (or `!=` when `equal` is false) between two booleans. */
export function booleanEquals(l: Fast, r: Fast, equal: boolean): Fast {
  return (o, s) => {
    const a = l(o, s);
    const b = r(o, s);
    if (a === Tri.Unknown || b === Tri.Unknown) return Tri.Unknown;
    if (a === Tri.Empty || b === Tri.Empty) return Tri.Empty;
    return (a === b) === equal ? Tri.True : Tri.False;
  };
}

/** `items.exists(test)`: true as soon as one item passes. */
export function some(items: Items, test: Fast, scope: ResourceScope): Tri {
  if (!items) return Tri.Unknown;
  let unsure = false;
  for (const item of items) {
    const t = typeof item === 'object' && item !== null ? test(item as JsonObject, scope) : Tri.Unknown;
    if (t === Tri.True) return Tri.True;
    if (t === Tri.Unknown) unsure = true;
  }
  return unsure ? Tri.Unknown : Tri.False;
}

/** `items.all(test)`: false as soon as one item fails. */
export function every(items: Items, test: Fast, scope: ResourceScope): Tri {
  if (!items) return Tri.Unknown;
  let unsure = false;
  for (const item of items) {
    const t = typeof item === 'object' && item !== null ? test(item as JsonObject, scope) : Tri.Unknown;
    if (t === Tri.Unknown) unsure = true;
    else if (t !== Tri.True) return Tri.False;
  }
  return unsure ? Tri.Unknown : Tri.True;
}

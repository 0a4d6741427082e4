import type { Condition } from '../mapping-types.ts';
import { lookupObservationCode } from '../code-lookup.ts';
import { isEmpty, resolveFirstParsed, textAt } from './field-ref.ts';
import { parseHl7Path } from './hl7-path.ts';
import { compileLookup, pick } from './lookup.ts';
import type { EvalContext } from './map-context.ts';

/** A condition compiled once into a predicate over the evaluation context. */
export type CompiledCondition = (ctx: EvalContext) => boolean;

/**
 * Compiles a condition from the closed vocabulary (`equals`, `in`, `notNull`, `isNull`, `mapped`, `lookup`, `all`,
 * `any`, `not`). There is deliberately no expression language: mapping files stay data.
 * @param cond - The condition.
 * @returns The predicate.
 */
export function compileCondition(cond: Condition): CompiledCondition {
  if ('all' in cond) {
    const parts = cond.all.map(compileCondition);
    return (ctx) => parts.every((p) => p(ctx));
  }
  if ('any' in cond) {
    const parts = cond.any.map(compileCondition);
    return (ctx) => parts.some((p) => p(ctx));
  }
  if ('not' in cond) {
    const inner = compileCondition(cond.not);
    return (ctx) => !inner(ctx);
  }
  if ('lookup' in cond) {
    // A record that is not there does not hold the value: the condition is false, and reports nothing.
    const find = compileLookup({ $lookup: cond.lookup, $key: cond.key }, { quiet: true });
    const path = cond.get?.split('.') ?? [];
    return (ctx) => pick(find(ctx, {}), path) === cond.equals;
  }
  if ('mapped' in cond) {
    const paths = [parseHl7Path(cond.mapped)];
    return (ctx) => {
      const ref = resolveFirstParsed(paths, ctx);
      if (!ref) return false;
      const found = lookupObservationCode(ref, ctx);
      return !!found.analyte || !!found.loincAsSent;
    };
  }
  const paths = [parseHl7Path(cond.field)];
  const text = (ctx: EvalContext): string => {
    const ref = resolveFirstParsed(paths, ctx);
    return ref ? textAt(ref).trim() : '';
  };
  if ('equals' in cond) {
    const expected = cond.equals;
    return (ctx) => text(ctx) === expected;
  }
  if ('in' in cond) {
    const set = new Set(cond.in);
    return (ctx) => set.has(text(ctx));
  }
  if ('notNull' in cond) return (ctx) => !isEmpty(text(ctx));
  return (ctx) => isEmpty(text(ctx));
}

const compiled = new WeakMap<Condition, CompiledCondition>();

/**
 * Evaluates a condition (compiled on first use; conditions come from frozen, load-once mappings).
 * @returns Whether it holds.
 */
export function evaluateCondition(cond: Condition, ctx: EvalContext): boolean {
  let c = compiled.get(cond);
  if (!c) {
    c = compileCondition(cond);
    compiled.set(cond, c);
  }
  return c(ctx);
}

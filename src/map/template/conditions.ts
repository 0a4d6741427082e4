import type { Condition } from '../mapping-types.ts';
import { lookupObservationCode } from '../code-lookup.ts';
import { isEmpty, resolveFirst, textAt } from './field-ref.ts';
import type { EvalContext } from './map-context.ts';

function fieldText(field: string, ctx: EvalContext): string {
  const ref = resolveFirst(field, ctx);
  return ref ? textAt(ref).trim() : '';
}

/**
 * Evaluates a condition from the closed vocabulary (`equals`, `in`, `notNull`, `isNull`, `mapped`, `all`, `any`,
 * `not`). There is deliberately no expression language: mapping files stay data.
 * @param cond - The condition.
 * @param ctx - Evaluation context.
 * @returns Whether it holds.
 */
export function evaluateCondition(cond: Condition, ctx: EvalContext): boolean {
  if ('all' in cond) return cond.all.every((c) => evaluateCondition(c, ctx));
  if ('any' in cond) return cond.any.some((c) => evaluateCondition(c, ctx));
  if ('not' in cond) return !evaluateCondition(cond.not, ctx);
  if ('mapped' in cond) {
    const ref = resolveFirst(cond.mapped, ctx);
    if (!ref) return false;
    const found = lookupObservationCode(ref, ctx);
    return !!found.analyte || !!found.loincAsSent;
  }
  const value = fieldText(cond.field, ctx);
  if ('equals' in cond) return value === cond.equals;
  if ('in' in cond) return cond.in.includes(value);
  if ('notNull' in cond) return !isEmpty(value);
  return isEmpty(value);
}

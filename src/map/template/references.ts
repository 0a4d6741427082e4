import type { Reference } from '@medplum/fhirtypes';
import type { EvalContext, ResourceInstance } from './map-context.ts';

/** @returns A reference to a planned resource, by its Bundle fullUrl. */
export function referenceTo(inst: ResourceInstance): Reference {
  return { reference: inst.fullUrl };
}

/**
 * The resource of rule `name` in scope of the current segment (`$ref`). With `within`, also a sibling in the same
 * group that comes later (an SPM after the OBX that uses it).
 */
export function findInScope(name: string, ctx: EvalContext, within?: string): ResourceInstance | undefined {
  let sibling: ResourceInstance | undefined;
  const group = within ? ctx.scope.get(within) : undefined;
  for (const i of ctx.instances) {
    if (i.rule.name !== name) continue;
    if (i.rule.segment === 'MSH') return i;
    if ((ctx.segment.id === i.rule.segment ? ctx.segment : ctx.scope.get(i.rule.segment)) === i.segment) return i;
    if (!sibling && group && i.scope.get(within as string) === group) sibling = i;
  }
  return sibling;
}

/** The resources of rule `name` (or every rule, `*`) whose scope holds the current instance's segment (`$refs`). */
export function findInGroup(name: string, ctx: EvalContext): ResourceInstance[] {
  const mine = ctx.instance;
  return ctx.instances.filter((i) => {
    if (i === mine || (name !== '*' && i.rule.name !== name)) return false;
    // A message-level resource (on MSH) groups everything; otherwise, instances whose scope holds my segment.
    return mine.segment.id === 'MSH' || i.scope.get(mine.segment.id) === mine.segment;
  });
}

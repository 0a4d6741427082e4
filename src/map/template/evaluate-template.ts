import type { Reference } from '@medplum/fhirtypes';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { converters, type Directive } from '../datatypes/index.ts';
import type { Condition, ValueTable } from '../mapping-types.ts';
import { evaluateCondition } from './conditions.ts';
import { locationOf, resolveEach, resolveFirst, type FieldRef } from './field-ref.ts';
import type { EvalContext, ResourceInstance } from './map-context.ts';

/**
 * The directives a template object may hold. Value directives replace the object with a value; the structural
 * ones (`$when`, `$choose`, `$merge`) shape the object they sit in. See mappings/README.md for each.
 */
export const VALUE_DIRECTIVES = ['$from', '$each', '$ref', '$refs', '$format', '$join', '$first'] as const;
/** Options that go with a value directive. */
export const DIRECTIVE_OPTIONS = [
  '$as',
  '$args',
  '$table',
  '$default',
  '$required',
  '$system',
  '$useTable',
  '$type',
  '$sep',
  '$within',
  '$defaultSystem',
] as const;
/** Directives that shape the object they sit in. */
export const STRUCTURAL_DIRECTIVES = ['$when', '$choose', '$merge'] as const;

/** Collects, per top-level element, the first HL7 location read while evaluating it. */
interface SourceCapture {
  first?: string;
}

type Node = Record<string, unknown>;

function isValueDirective(node: Node): boolean {
  return VALUE_DIRECTIVES.some((d) => d in node);
}

function applyTable(value: unknown, table: ValueTable, ref: FieldRef | undefined): unknown {
  // A table entry of null means "emit nothing" (a code with no FHIR counterpart).
  if (value === undefined) return table.empty ?? undefined;
  const key = String(value);
  if (Object.hasOwn(table.map, key)) return table.map[key] ?? undefined;
  if (table.unknown === 'error') {
    throw adapterError(
      ErrorCode.MapInvalidValue,
      IssueType.CodeInvalid,
      `code '${key}' is not in table '${table.name}'`,
      {
        ...(ref ? { hl7: locationOf(ref) } : {}),
      },
    );
  }
  return table.unknown.default ?? undefined;
}

function convert(ref: FieldRef, node: Node, ctx: EvalContext): unknown {
  const name = (node.$as as string | undefined) ?? (node.$table ? 'code' : 'string');
  const converter = converters[name];
  if (!converter) throw new Error(`unknown converter '${name}'`); // ruled out when mappings load
  const value = converter(ref, ctx, node as Directive);
  return node.$table ? applyTable(value, ctx.mappings.tables.get(node.$table as string) as ValueTable, ref) : value;
}

function referenceTo(inst: ResourceInstance): Reference {
  return { reference: inst.fullUrl };
}

function findInScope(name: string, ctx: EvalContext, within?: string): ResourceInstance | undefined {
  const inScope = (i: ResourceInstance): boolean => {
    if (i.rule.segment === 'MSH') return true;
    return (ctx.segment.id === i.rule.segment ? ctx.segment : ctx.scope.get(i.rule.segment)) === i.segment;
  };
  // `$within: OBR` also finds a sibling that comes later in the same group (an SPM after the OBX that uses it).
  const sibling = (i: ResourceInstance): boolean =>
    !!within && !!ctx.scope.get(within) && i.scope.get(within) === ctx.scope.get(within);
  const named = ctx.instances.filter((i) => i.rule.name === name);
  return named.find(inScope) ?? named.find(sibling);
}

function findInGroup(name: string, ctx: EvalContext): ResourceInstance[] {
  const mine = ctx.instance;
  return ctx.instances.filter((i) => {
    if (i === mine || (name !== '*' && i.rule.name !== name)) return false;
    // A message-level resource (on MSH) groups everything; otherwise, instances whose scope holds my segment.
    return mine.segment.id === 'MSH' || i.scope.get(mine.segment.id) === mine.segment;
  });
}

function format(template: string, ctx: EvalContext): string {
  return template.replace(/\{([a-zA-Z.]+)\}/g, (_, key: string) => {
    const [head, tail] = key.split('.') as [string, string | undefined];
    const source: Record<string, unknown> | undefined =
      head === 'settings'
        ? (ctx.mappings.settings as unknown as Record<string, unknown>)
        : head === 'sender'
          ? (ctx.sender as unknown as Record<string, unknown>)
          : head === 'message'
            ? { controlId: ctx.message.controlId, type: `${ctx.message.messageCode}^${ctx.message.triggerEvent}` }
            : head === 'receivedAt'
              ? { '': ctx.receivedAt }
              : undefined;
    const value = source?.[tail ?? ''];
    if (value === undefined) throw new Error(`unknown placeholder {${key}}`); // ruled out when mappings load
    return String(value);
  });
}

function evaluateValue(node: Node, ctx: EvalContext, capture: SourceCapture): unknown {
  let value: unknown;
  let ref: FieldRef | undefined;
  if ('$from' in node) {
    ref = resolveFirst(node.$from as string | string[], ctx);
    if (ref) {
      capture.first ??= locationOf(ref);
      value = convert(ref, node, ctx);
    } else if (node.$table) {
      value = (ctx.mappings.tables.get(node.$table as string) as ValueTable).empty;
    }
  } else if ('$each' in node) {
    const refs = resolveEach(node.$each as string, ctx);
    if (refs[0]) capture.first ??= locationOf(refs[0]);
    const items = refs.flatMap((r) => convert(r, node, ctx) ?? []);
    value = items.length ? items : undefined;
  } else if ('$ref' in node) {
    const inst = findInScope(node.$ref as string, ctx, node.$within as string | undefined);
    value = inst ? referenceTo(inst) : undefined;
  } else if ('$refs' in node) {
    const list = findInGroup(node.$refs as string, ctx).map(referenceTo);
    value = list.length ? list : undefined;
  } else if ('$format' in node) {
    value = format(node.$format as string, ctx);
  } else if ('$join' in node) {
    const parts = (node.$join as unknown[])
      .map((p) => evaluateNode(p, ctx, capture))
      .filter((p) => p !== undefined && p !== '');
    value = parts.length ? parts.join((node.$sep as string | undefined) ?? '') : undefined;
  } else if ('$first' in node) {
    for (const p of node.$first as unknown[]) {
      value = evaluateNode(p, ctx, capture);
      if (value !== undefined) break;
    }
  }
  if (value === undefined && '$default' in node) value = node.$default;
  if (value === undefined && node.$required) {
    const what = (node.$from ?? node.$each ?? node.$first ?? node.$join) as unknown;
    throw adapterError(
      ErrorCode.MapRequiredMissing,
      IssueType.Required,
      `required value is missing (${describe(what)})`,
      {
        hl7: `${ctx.segment.id}[${ctx.segment.occurrence}]`,
      },
    );
  }
  return value;
}

function describe(what: unknown): string {
  if (typeof what === 'string') return what;
  if (Array.isArray(what)) return what.map(describe).join(' or ');
  if (what && typeof what === 'object') return describe(Object.values(what)[0]);
  return 'value';
}

function evaluateObject(node: Node, ctx: EvalContext, capture: SourceCapture, sources?: Map<string, string>): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) {
    if (key === '$when') continue;
    const local: SourceCapture = {};
    if (key === '$choose') {
      const branch = (child as { when?: Condition; set: unknown }[]).find(
        (b) => !b.when || evaluateCondition(b.when, ctx),
      );
      if (branch) mergeInto(out, evaluateObject(branch.set as Node, ctx, local, sources), local, sources);
    } else if (key === '$merge') {
      mergeInto(out, evaluateNode(child, ctx, local), local, sources);
    } else {
      const value = evaluateNode(child, ctx, local);
      if (value !== undefined) {
        out[key] = value;
        if (sources && local.first) sources.set(key, local.first);
      }
    }
    capture.first ??= local.first;
  }
  return Object.keys(out).length ? out : undefined;
}

function mergeInto(
  out: Record<string, unknown>,
  value: unknown,
  local: SourceCapture,
  sources?: Map<string, string>,
): void {
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    out[k] = v;
    if (sources && local.first && !sources.has(k)) sources.set(k, local.first);
  }
}

function evaluateNode(node: unknown, ctx: EvalContext, capture: SourceCapture): unknown {
  if (Array.isArray(node)) {
    const items = node.flatMap((n) => {
      const v = evaluateNode(n, ctx, capture);
      return v === undefined ? [] : Array.isArray(v) && isDirectiveList(n) ? v : [v];
    });
    return items.length ? items : undefined;
  }
  if (node && typeof node === 'object') {
    const obj = node as Node;
    if ('$when' in obj && !evaluateCondition(obj.$when as Condition, ctx)) return undefined;
    return isValueDirective(obj) ? evaluateValue(obj, ctx, capture) : evaluateObject(obj, ctx, capture);
  }
  return node;
}

/** `$each` and `$refs` produce lists that splice into the array they stand in. */
function isDirectiveList(node: unknown): boolean {
  return !!node && typeof node === 'object' && ('$each' in node || '$refs' in node);
}

/**
 * Evaluates a resource template in a context: literals are copied, directives are resolved against the message,
 * and anything that comes out empty is left out (FHIR forbids empty elements).
 * @param template - The template (a YAML mapping from `mappings/templates/`).
 * @param ctx - The segment, scope and message to read from.
 * @param sources - When given, receives top-level element → the HL7 location it was read from.
 * @returns The FHIR object, or undefined when nothing was produced.
 */
export function evaluateTemplate(
  template: unknown,
  ctx: EvalContext,
  sources?: Map<string, string>,
): Record<string, unknown> | undefined {
  const capture: SourceCapture = {};
  if (template && typeof template === 'object' && !Array.isArray(template)) {
    if ('$when' in template && !evaluateCondition((template as Node).$when as Condition, ctx)) return undefined;
    return evaluateObject(template as Node, ctx, capture, sources) as Record<string, unknown> | undefined;
  }
  return undefined;
}

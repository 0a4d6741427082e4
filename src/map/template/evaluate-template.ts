import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { converters, type Directive } from '../datatypes/index.ts';
import type { Condition, ValueTable } from '../mapping-types.ts';
import { compileCondition, type CompiledCondition } from './conditions.ts';
import { locationOf, resolveEach, resolveFirstParsed, type FieldRef } from './field-ref.ts';
import { parseHl7Path } from './hl7-path.ts';
import type { EvalContext } from './map-context.ts';
import { compileLookup, pick } from './lookup.ts';
import { findInGroup, findInScope, referenceTo } from './references.ts';

/**
 * The directives a template object may hold. Value directives replace the object with a value; the structural
 * ones (`$when`, `$choose`, `$merge`) shape the object they sit in. See mappings/README.md for each.
 */
export const VALUE_DIRECTIVES = ['$from', '$each', '$ref', '$refs', '$format', '$join', '$first', '$lookup'] as const;
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
  '$key',
  '$get',
  '$unit',
] as const;
/** Directives that shape the object they sit in. */
export const STRUCTURAL_DIRECTIVES = ['$when', '$choose', '$merge'] as const;

/**
 * Collects, per top-level element, the first field read while evaluating it. It keeps the reference, not its
 * formatted location: the text is only needed when validation names an error, which is rare.
 */
interface SourceCapture {
  first?: FieldRef;
}

/** A template node compiled once into a function of the evaluation context. */
type Compiled = (ctx: EvalContext, capture: SourceCapture) => unknown;
/** A compiled object node; at the top level it also records where each element came from. */
type CompiledObject = (
  ctx: EvalContext,
  capture: SourceCapture,
  sources?: Map<string, FieldRef>,
) => Record<string, unknown> | undefined;

type Node = Readonly<Record<string, unknown>>;

function isValueDirective(node: Node): boolean {
  return VALUE_DIRECTIVES.some((d) => d in node);
}

/** `$each` and `$refs` produce lists that splice into the array they stand in. */
function isDirectiveList(node: unknown): boolean {
  return !!node && typeof node === 'object' && ('$each' in node || '$refs' in node);
}

/** True for a subtree with no directive anywhere: it evaluates to itself and can be shared (it is frozen). */
function isConstant(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isConstant);
  if (node && typeof node === 'object')
    return Object.entries(node).every(([k, v]) => !k.startsWith('$') && isConstant(v));
  return true;
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

function describe(what: unknown): string {
  if (typeof what === 'string') return what;
  if (Array.isArray(what)) return what.map(describe).join(' or ');
  if (what && typeof what === 'object') return describe(Object.values(what)[0]);
  return 'value';
}

/** `{name}` inside a `$format` string. */
export const PLACEHOLDER = /\{([a-zA-Z.]+)\}/g;

/** What each `$format` placeholder reads; the load-time check accepts exactly these names. */
export const PLACEHOLDERS: Readonly<Record<string, (ctx: EvalContext) => string>> = Object.freeze({
  'settings.canonicalBase': (ctx) => ctx.mappings.settings.canonicalBase,
  'settings.identifierBase': (ctx) => ctx.mappings.settings.identifierBase,
  'sender.id': (ctx) => ctx.sender.id,
  'sender.localCodeSystem': (ctx) => ctx.sender.localCodeSystem,
  'message.controlId': (ctx) => ctx.message.controlId,
  'message.type': (ctx) => `${ctx.message.messageCode}^${ctx.message.triggerEvent}`,
  receivedAt: (ctx) => ctx.receivedAt,
});

function compileFormat(template: string): (ctx: EvalContext) => string {
  // split() with a capturing group puts the placeholder names at the odd indexes.
  const parts = template.split(PLACEHOLDER).map((p, i) => {
    if (i % 2 === 0) return () => p;
    const read = PLACEHOLDERS[p];
    if (!read) throw new Error(`unknown placeholder {${p}}`); // ruled out when mappings load
    return read;
  });
  return (ctx) => {
    let out = '';
    for (const part of parts) out += part(ctx);
    return out;
  };
}

function compileValue(node: Node): Compiled {
  const asName = (node.$as as string | undefined) ?? (node.$table ? 'code' : 'string');
  const converter = converters[asName];
  if (!converter) throw new Error(`unknown converter '${asName}'`); // ruled out when mappings load
  const tableName = node.$table as string | undefined;
  const directive = node as Directive;
  const convert = (ref: FieldRef, ctx: EvalContext): unknown => {
    const value = converter(ref, ctx, directive);
    return tableName ? applyTable(value, ctx.mappings.tables.get(tableName) as ValueTable, ref) : value;
  };
  let produce: Compiled;
  if ('$from' in node) {
    const paths = [node.$from as string | string[]].flat().map(parseHl7Path);
    produce = (ctx, capture) => {
      const ref = resolveFirstParsed(paths, ctx);
      if (ref) {
        capture.first ??= ref;
        return convert(ref, ctx);
      }
      return tableName ? ((ctx.mappings.tables.get(tableName) as ValueTable).empty ?? undefined) : undefined;
    };
  } else if ('$each' in node) {
    const path = node.$each as string;
    produce = (ctx, capture) => {
      const refs = resolveEach(path, ctx);
      if (refs[0]) capture.first ??= refs[0];
      const items = refs.flatMap((r) => convert(r, ctx) ?? []);
      return items.length ? items : undefined;
    };
  } else if ('$ref' in node) {
    const name = node.$ref as string;
    const within = node.$within as string | undefined;
    produce = (ctx) => {
      const inst = findInScope(name, ctx, within);
      return inst ? referenceTo(inst) : undefined;
    };
  } else if ('$refs' in node) {
    const name = node.$refs as string;
    produce = (ctx) => {
      const list = findInGroup(name, ctx).map(referenceTo);
      return list.length ? list : undefined;
    };
  } else if ('$format' in node) {
    const f = compileFormat(node.$format as string);
    produce = (ctx) => f(ctx);
  } else if ('$lookup' in node) {
    produce = compileLookup(node);
  } else if ('$join' in node) {
    const parts = (node.$join as unknown[]).map(compileNode);
    const sep = (node.$sep as string | undefined) ?? '';
    produce = (ctx, capture) => {
      const values = parts.map((p) => p(ctx, capture)).filter((p) => p !== undefined && p !== '');
      return values.length ? values.join(sep) : undefined;
    };
  } else {
    const options = (node.$first as unknown[]).map(compileNode);
    produce = (ctx, capture) => {
      for (const p of options) {
        const v = p(ctx, capture);
        if (v !== undefined) return v;
      }
      return undefined;
    };
  }
  if (typeof node.$get === 'string') {
    const path = node.$get.split('.');
    const whole = produce;
    produce = (ctx, capture) => pick(whole(ctx, capture), path);
  }
  const fallback = node.$default;
  const hasDefault = '$default' in node;
  const required = node.$required === true;
  const what = describe(node.$from ?? node.$each ?? node.$first ?? node.$join ?? node.$key);
  if (!hasDefault && !required) return produce;
  return (ctx, capture) => {
    let value = produce(ctx, capture);
    if (value === undefined && hasDefault) value = fallback;
    if (value === undefined && required) {
      throw adapterError(ErrorCode.MapRequiredMissing, IssueType.Required, `required value is missing (${what})`, {
        hl7: `${ctx.segment.id}[${ctx.segment.occurrence}]`,
      });
    }
    return value;
  };
}

type Step =
  | { kind: 'key'; key: string; fn: Compiled }
  | { kind: 'merge'; fn: Compiled }
  | { kind: 'choose'; branches: { when?: CompiledCondition; set: CompiledObject }[] };

function compileObject(node: Node): CompiledObject {
  const steps: Step[] = [];
  for (const [key, child] of Object.entries(node)) {
    if (key === '$when') continue;
    if (key === '$choose') {
      const branches = (child as { when?: Condition; set: Node }[]).map((b) => ({
        ...(b.when ? { when: compileCondition(b.when) } : {}),
        set: compileObject(b.set),
      }));
      steps.push({ kind: 'choose', branches });
    } else if (key === '$merge') steps.push({ kind: 'merge', fn: compileNode(child) });
    else steps.push({ kind: 'key', key, fn: compileNode(child) });
  }
  return (ctx, capture, sources) => {
    const out: Record<string, unknown> = {};
    let any = false;
    // One capture reused across steps: this closure runs for every object of every resource.
    const local: SourceCapture = {};
    for (const step of steps) {
      local.first = undefined;
      let value: unknown;
      if (step.kind === 'key') {
        value = step.fn(ctx, local);
        if (value !== undefined) {
          out[step.key] = value;
          any = true;
          if (sources && local.first) sources.set(step.key, local.first);
        }
      } else {
        if (step.kind === 'merge') value = step.fn(ctx, local);
        else {
          for (const b of step.branches) {
            if (!b.when || b.when(ctx)) {
              value = b.set(ctx, local, sources);
              break;
            }
          }
        }
        if (value && typeof value === 'object') {
          const merged = value as Record<string, unknown>;
          for (const k in merged) {
            out[k] = merged[k];
            any = true;
            if (sources && local.first && !sources.has(k)) sources.set(k, local.first);
          }
        }
      }
      if (capture.first === undefined && local.first) capture.first = local.first;
    }
    return any ? out : undefined;
  };
}

function compileNode(node: unknown): Compiled {
  if (isConstant(node)) return () => node;
  if (Array.isArray(node)) {
    const items = node.map((n) => ({ fn: compileNode(n), splice: isDirectiveList(n) }));
    return (ctx, capture) => {
      const out: unknown[] = [];
      for (const item of items) {
        const v = item.fn(ctx, capture);
        if (v === undefined) continue;
        if (item.splice && Array.isArray(v)) out.push(...v);
        else out.push(v);
      }
      return out.length ? out : undefined;
    };
  }
  const obj = node as Node;
  const body = isValueDirective(obj) ? compileValue(obj) : compileObject(obj);
  if (!('$when' in obj)) return body;
  const when = compileCondition(obj.$when as Condition);
  return (ctx, capture) => (when(ctx) ? body(ctx, capture) : undefined);
}

// Templates are frozen and loaded once; each is compiled on first use and kept for the process's life.
const compiledTemplates = new WeakMap<object, { when?: CompiledCondition; body: CompiledObject }>();

function compiledFor(template: object): { when?: CompiledCondition; body: CompiledObject } {
  let c = compiledTemplates.get(template);
  if (!c) {
    const node = template as Node;
    c = {
      ...(node.$when ? { when: compileCondition(node.$when as Condition) } : {}),
      body: compileObject(node),
    };
    compiledTemplates.set(template, c);
  }
  return c;
}

/**
 * Evaluates a resource template in a context: literals are copied (constant subtrees are shared, frozen),
 * directives are resolved against the message, and anything that comes out empty is left out (FHIR forbids empty
 * elements). The template is compiled into closures on first use, so per-message work is only the lookups.
 * @param template - The template (a YAML mapping from `mappings/templates/`).
 * @param ctx - The segment, scope and message to read from.
 * @param sources - When given, receives top-level element → the field it was read from.
 * @returns The FHIR object, or undefined when nothing was produced.
 */
export function evaluateTemplate(
  template: unknown,
  ctx: EvalContext,
  sources?: Map<string, FieldRef>,
): Record<string, unknown> | undefined {
  if (!template || typeof template !== 'object' || Array.isArray(template)) return undefined;
  const { when, body } = compiledFor(template);
  if (when && !when(ctx)) return undefined;
  return body(ctx, {}, sources);
}

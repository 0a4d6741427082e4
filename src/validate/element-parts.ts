import type { ElementDefinition } from '@medplum/fhirtypes';
import type { BindingRule, JsonObject, SliceRule, SlicingRule } from './compiled-types.ts';
import { CORE_SD_BASE } from './definitions.ts';
import { matchesFixed, matchesPattern } from './pattern.ts';
import type { SnapshotNode } from './snapshot-tree.ts';
import { isValidUcum } from './ucum.ts';
import type { ValueSetExpander } from './value-sets.ts';

/** Records a problem about the element being compiled. */
export type Report = (reason: string) => void;

const UCUM_SYSTEM = 'http://unitsofmeasure.org';
const MIME_VS = 'http://hl7.org/fhir/ValueSet/mimetypes';
const UCUM_VS = 'http://hl7.org/fhir/ValueSet/ucum-units';
// RFC 6838 type/subtype, with optional parameters.
const MIME = /^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?$/;

/** @returns The value of the first `fixed[x]` or `pattern[x]` property, if any. */
export function choiceValue(ed: ElementDefinition, prefix: 'fixed' | 'pattern'): unknown {
  for (const key of Object.keys(ed)) {
    if (key.startsWith(prefix) && key.length > prefix.length) return (ed as unknown as Record<string, unknown>)[key];
  }
  return undefined;
}

/**
 * Compiles a required binding. Value sets that cannot be enumerated are handled by syntax (BCP 13 MIME types)
 * or by the UCUM library; any other is reported, so the caller decides whether that is acceptable.
 * @param ed - The element.
 * @param valueSets - The expander.
 * @param report - Receives "cannot check" reasons.
 * @returns The rule, or undefined when the element has no checkable required binding.
 */
export function compileBinding(
  ed: ElementDefinition,
  valueSets: ValueSetExpander,
  report: Report,
): BindingRule | undefined {
  const b = ed.binding;
  if (b?.strength !== 'required' || !b.valueSet) return undefined;
  const url = b.valueSet.split('|')[0] ?? b.valueSet;
  if (url === MIME_VS) return { valueSet: url, test: (v) => typeof v !== 'string' || MIME.test(v) };
  if (url === UCUM_VS)
    return { valueSet: url, test: (v, type) => inSet(v, type, (s, c) => s === UCUM_SYSTEM && isValidUcum(c)) };
  const r = valueSets.expand(b.valueSet);
  if (!r.ok) {
    report(`Required binding not checked: ${r.reason}`);
    return undefined;
  }
  const { codes, systemCodes } = r.expansion;
  return {
    valueSet: url,
    test: (v, type) =>
      type === 'Coding' || type === 'CodeableConcept' || type === 'Quantity'
        ? inSet(v, type, (s, c) => systemCodes.has(`${s}|${c}`))
        : typeof v !== 'string' || codes.has(v),
  };
}

function inSet(v: unknown, type: string, has: (system: string, code: string) => boolean): boolean {
  if (typeof v === 'string') return type === 'code' ? has(UCUM_SYSTEM, v) : true;
  const o = v as JsonObject;
  const one = (c: JsonObject | undefined): boolean =>
    typeof c?.system === 'string' && typeof c.code === 'string' && has(c.system, c.code);
  if (type === 'CodeableConcept') return Array.isArray(o.coding) && o.coding.some((c) => one(c as JsonObject));
  return one(o);
}

/**
 * Allowed Reference targets of an element.
 * @param ed - The element.
 * @param typeOfProfile - Resource type of a (loaded) profile URL.
 * @returns Resource type names, or undefined when any resource is allowed.
 */
export function compileTargets(
  ed: ElementDefinition,
  typeOfProfile: (url: string) => string | undefined,
): Set<string> | undefined {
  const urls = ed.type?.filter((t) => t.code === 'Reference').flatMap((t) => t.targetProfile ?? []) ?? [];
  if (urls.length === 0) return undefined;
  const types = new Set<string>();
  for (const url of urls) {
    const type = url.startsWith(CORE_SD_BASE) ? url.slice(CORE_SD_BASE.length) : typeOfProfile(url);
    if (!type || type === 'Resource' || type === 'DomainResource') return undefined;
    types.add(type);
  }
  return types;
}

/**
 * Compiles the slicing of an element. Supported: discriminators of type `value` or `pattern`, on `$this` or on a
 * child path whose slice element has a fixed or pattern value; rules `open` or `closed`; unordered.
 * @param node - The sliced element.
 * @param report - Receives unsupported or inconsistent slicing.
 * @returns The rule, or undefined when the element has no slices.
 */
export function compileSlicing(node: SnapshotNode, report: Report): SlicingRule | undefined {
  const slicing = node.ed.slicing;
  if (!slicing || node.slices.length === 0) return undefined;
  if (slicing.ordered) report('Ordered slicing is not supported');
  if (slicing.rules !== 'open' && slicing.rules !== 'closed')
    report(`Slicing rules ${String(slicing.rules)} not supported`);
  const discriminators = slicing.discriminator ?? [];
  if (discriminators.length === 0) report('Slicing needs at least one discriminator');
  const slices: SliceRule[] = node.slices.map((s) => {
    const name = s.ed.sliceName ?? '';
    const tests = discriminators.map((d) => {
      if (d.type !== 'value' && d.type !== 'pattern')
        report(`Slice ${name}: discriminator type ${d.type} not supported`);
      return discriminatorTest(s, d.path ?? '$this', (r) => report(`Slice ${name}: ${r}`));
    });
    for (const reason of sliceExtras(node, s)) report(`Slice ${name}: ${reason}`);
    return { name, min: s.ed.min ?? 0, max: parseMax(s.ed.max), matches: (item) => tests.every((t) => t(item)) };
  });
  return { closed: slicing.rules === 'closed', slices };
}

/**
 * A slice may only narrow cardinality and carry the discriminating value: other rules inside a slice would
 * need per-slice validation, which the validator does not do, so they are refused instead of ignored.
 */
function sliceExtras(sliced: SnapshotNode, slice: SnapshotNode): string[] {
  const reasons: string[] = [];
  if (JSON.stringify(slice.ed.type) !== JSON.stringify(sliced.ed.type))
    reasons.push('changing the type is not supported');
  if (JSON.stringify(slice.ed.binding) !== JSON.stringify(sliced.ed.binding))
    reasons.push('bindings are not supported');
  const keys = new Set((sliced.ed.constraint ?? []).map((c) => c.key));
  if ((slice.ed.constraint ?? []).some((c) => !keys.has(c.key))) reasons.push('invariants are not supported');
  const tightened = slice.children.some(
    (c) =>
      choiceValue(c.ed, 'fixed') === undefined &&
      choiceValue(c.ed, 'pattern') === undefined &&
      ((c.ed.min ?? 0) !== (c.ed.base?.min ?? 0) || c.ed.max !== c.ed.base?.max),
  );
  if (tightened) reasons.push('cardinality rules inside the slice are not supported');
  return reasons;
}

function discriminatorTest(slice: SnapshotNode, path: string, report: Report): (item: unknown) => boolean {
  let target: SnapshotNode | undefined = slice;
  const steps = path === '$this' ? [] : path.split('.');
  for (const step of steps) target = target?.children.find((c) => c.ed.path.endsWith('.' + step));
  const fixed = target && choiceValue(target.ed, 'fixed');
  const pattern = target && choiceValue(target.ed, 'pattern');
  if (fixed === undefined && pattern === undefined) {
    report(`discriminator path ${path} has no fixed or pattern value`);
    return () => false;
  }
  return (item) =>
    navigate(item, steps).some((v) => (fixed !== undefined ? matchesFixed(v, fixed) : matchesPattern(v, pattern)));
}

function navigate(value: unknown, steps: readonly string[]): unknown[] {
  let current = [value];
  for (const step of steps) {
    current = current.flatMap((v) => {
      const next = typeof v === 'object' && v !== null ? (v as JsonObject)[step] : undefined;
      return next === undefined ? [] : Array.isArray(next) ? next : [next];
    });
  }
  return current;
}

/** @returns `max` as a number, Infinity for `*`. */
export function parseMax(max: string | undefined): number {
  if (max === undefined || max === '*') return Infinity;
  const n = Number(max);
  return Number.isInteger(n) && n >= 0 ? n : NaN;
}

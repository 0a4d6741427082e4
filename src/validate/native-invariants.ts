import { Tri } from './compiled-types.ts';
import type { Invariant, JsonObject, ResourceScope } from './compiled-types.ts';

/** A core invariant implemented in code; used only when key and expression both match the definition. */
export interface NativeInvariant {
  /** The R4 expression it replaces, verbatim. */
  readonly expression: string;
  /** Checked by the walker itself: nothing to evaluate. */
  readonly skip?: boolean;
  readonly fast: Invariant['fast'];
  readonly full: Invariant['full'];
}

const pass = (): Tri => Tri.True;
const unknown = (): Tri => Tri.Unknown;

/**
 * Invariants that `@medplum/core`'s FHIRPath cannot evaluate faithfully:
 * - ele-1 needs `children()`, which Medplum stubs; the walker reports empty objects, arrays and strings instead.
 * - dom-3 needs `descendants()` (stubbed).
 * - ref-1, evaluated literally, fails a Reference that has no `reference` (`{}.not()` is empty, and empty is
 *   not true); R5 guards it with `reference.exists() implies`, which is what the reference validator does too.
 * - txt-1 and txt-2 call `htmlChecks()`, which Medplum answers with `true` whatever the narrative holds.
 * - bdl-7 (`select(fullUrl&...).isDistinct()`) evaluates correctly but costs ~140 µs on a 20-entry Bundle.
 */
export const NATIVE_INVARIANTS: Readonly<Record<string, NativeInvariant>> = {
  'ele-1': {
    expression: 'hasValue() or (children().count() > id.count())',
    skip: true,
    fast: pass,
    full: () => true,
  },
  'dom-3': {
    expression:
      "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()",
    fast: (o) => (o.contained === undefined ? Tri.True : Tri.Unknown),
    full: (obj) => containedAreReferenced(obj as JsonObject),
  },
  'ref-1': {
    expression:
      "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",
    fast: (o) => (typeof o.reference === 'string' && o.reference.startsWith('#') ? Tri.Unknown : Tri.True),
    full: (obj, _type, scope) => localReferenceResolves(obj as JsonObject, scope),
  },
  'bdl-7': {
    expression:
      "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
    fast: unknown,
    full: (obj) => fullUrlsDistinct(obj as JsonObject),
  },
  'txt-1': {
    expression: 'htmlChecks()',
    fast: unknown,
    full: (obj) => isSafeXhtml((obj as JsonObject).div),
  },
  'txt-2': {
    expression: 'htmlChecks()',
    fast: unknown,
    full: (obj) => hasText((obj as JsonObject).div),
  },
};

/** R4 bdl-7: outside history Bundles, fullUrl (with the entry's meta.versionId) is unique. */
function fullUrlsDistinct(bundle: JsonObject): boolean {
  if (bundle.type === 'history' || !Array.isArray(bundle.entry)) return true;
  const seen = new Set<string>();
  for (const entry of bundle.entry as JsonObject[]) {
    if (typeof entry?.fullUrl !== 'string' || entry.fullUrl === '') continue;
    const meta = (entry.resource as JsonObject | undefined)?.meta as JsonObject | undefined;
    const key = entry.fullUrl + (typeof meta?.versionId === 'string' ? meta.versionId : '');
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

function localReferenceResolves(ref: JsonObject, scope: ResourceScope): boolean {
  const target = ref.reference;
  if (typeof target !== 'string' || !target.startsWith('#')) return true;
  const contained = scope.rootResource.contained;
  return Array.isArray(contained) && contained.some((c) => (c as JsonObject)?.id === target.slice(1));
}

/** R4 dom-3: each contained resource is referenced from the container, or refers to it with `#`. */
function containedAreReferenced(resource: JsonObject): boolean {
  const contained = resource.contained;
  if (!Array.isArray(contained)) return true;
  const strings = new Set<string>();
  collectStrings(resource, strings);
  return contained.every((c) => {
    const id = (c as JsonObject)?.id;
    if (typeof id === 'string' && strings.has('#' + id)) return true;
    const inner = new Set<string>();
    collectStrings(c, inner);
    return inner.has('#');
  });
}

/** All string values (references, canonicals, URIs are strings in JSON; others are harmless extras). */
function collectStrings(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) collectStrings(v, out);
}

const FORBIDDEN = /<\s*(script|style|iframe|object|embed|form|input|head|body|html|meta|link|base)\b|\son\w+\s*=/i;

/** A pragmatic txt-1: an xhtml `div` in the XHTML namespace with no active content. */
function isSafeXhtml(div: unknown): boolean {
  return (
    typeof div === 'string' &&
    /^\s*<div[\s>]/.test(div) &&
    div.includes('xmlns="http://www.w3.org/1999/xhtml"') &&
    !FORBIDDEN.test(div)
  );
}

/** txt-2: the narrative has text or an image. */
function hasText(div: unknown): boolean {
  if (typeof div !== 'string') return false;
  return /<img\b/i.test(div) || div.replace(/<[^>]*>/g, '').trim().length > 0;
}

import type { JsonObject, ResourceScope } from './compiled-types.ts';
import { CORE_SD_BASE, loadCoreDefinitions } from './definitions.ts';

// `Patient/123`, `https://x/fhir/Patient/123/_history/2`, or the conditional form `Patient?identifier=...`.
const LITERAL = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?/;

/**
 * The resource type a Reference points to, when it can be told without resolving it: from a literal or
 * conditional reference, from a `#id` of a contained resource, or from `Reference.type`. References by
 * `urn:uuid:` (inside a transaction Bundle) or by identifier alone give undefined.
 * @param ref - The Reference.
 * @param scope - The resources around it (for contained targets).
 * @returns The resource type name, or undefined (also for a URL whose type segment is no R4 resource type).
 */
export function referencedType(ref: JsonObject, scope: ResourceScope): string | undefined {
  const found = rawType(ref, scope);
  return found !== undefined && loadCoreDefinitions().resourceTypes.has(found) ? found : undefined;
}

function rawType(ref: JsonObject, scope: ResourceScope): string | undefined {
  const target = ref.reference;
  if (typeof target === 'string') {
    if (target.startsWith('#')) {
      const contained = scope.rootResource.contained;
      const found = Array.isArray(contained)
        ? (contained.find((c) => (c as JsonObject)?.id === target.slice(1)) as JsonObject | undefined)
        : undefined;
      return typeof found?.resourceType === 'string' ? found.resourceType : undefined;
    }
    const m = CONDITIONAL.exec(target) ?? (target.startsWith('urn:') ? null : LITERAL.exec(target));
    if (m) return m[1];
  }
  if (typeof ref.type === 'string') {
    return ref.type.startsWith(CORE_SD_BASE) ? ref.type.slice(CORE_SD_BASE.length) : ref.type;
  }
  return undefined;
}

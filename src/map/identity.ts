import type { BundleEntryRequest, Identifier, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { AdapterError } from '../errors/adapter-error.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { formatLocation } from '../parse/hl7v2/location.ts';
import { deterministicUuid } from '../bundle/resource-ids.ts';
import { RequestMode } from './mapping-types.ts';
import { isEmpty, resolveFirst, textAt } from './template/field-ref.ts';
import type { MessageContext, ResourceInstance } from './template/map-context.ts';

/** A resource ready for the Bundle: where it is referenced from, and how the server must apply it. */
export interface PlannedEntry {
  readonly fullUrl: string;
  readonly resource: Resource;
  readonly request: BundleEntryRequest;
  readonly instance: ResourceInstance;
}

/** Escapes a token search value part: FHIR reserves `\`, `|`, `,` and `$` inside search values. */
function escapeToken(part: string): string {
  const escaped = RESERVED.test(part) ? part.replace(RESERVED_ALL, (c) => `\\${c}`) : part;
  return SAFE.test(escaped) ? escaped : encodeURIComponent(escaped);
}
const RESERVED = /[\\|,$]/;
const RESERVED_ALL = /[\\|,$]/g;
/** What encodeURIComponent leaves as it is. */
const SAFE = /^[A-Za-z0-9\-_.!~*'()]*$/;

// `Type?identifier=<escaped system>|` by type and system: a CSV import builds millions of URLs from a handful of
// systems, and escaping the system each time was the largest cost of its bundle stage.
const urlPrefixes = new Map<string, Map<string, string>>();

/** @returns The conditional URL `Type?identifier=system|value` that finds the one resource with this identifier. */
export function conditionalUrl(type: string, id: Identifier): string {
  const system = id.system ?? '';
  let bySystem = urlPrefixes.get(type);
  if (!bySystem) urlPrefixes.set(type, (bySystem = new Map()));
  let prefix = bySystem.get(system);
  if (prefix === undefined) {
    prefix = `${type}?identifier=${escapeToken(system)}|`;
    if (bySystem.size < 1000) bySystem.set(system, prefix);
  }
  return prefix + escapeToken(id.value ?? '');
}

/**
 * @param url - The conditional URL of the resource's business identifier ({@link conditionalUrl}).
 * @returns The request that writes the resource by it: a conditional update, or, for a rule that asks for it, a
 *   conditional create that leaves an existing resource as it is.
 */
function requestFor(mode: RequestMode, type: string, url: string): BundleEntryRequest {
  return mode === RequestMode.ConditionalCreate
    ? { method: 'POST', url: type, ifNoneExist: url.slice(url.indexOf('?') + 1) }
    : { method: 'PUT', url };
}

function where(inst: ResourceInstance): string {
  return formatLocation(inst.segment.at());
}

/**
 * Gives every resource its transaction request so that resending never duplicates: a conditional update on its
 * business identifier (`identifier[0]`, built by the template from message content) or, where the rule says so, a
 * conditional create on it; for resources without an identifier element (Provenance), an update to a name-based
 * id. Two resources of one message with the same business identifier are told apart by the rule's
 * `disambiguateBy` field (the OBX set ID), else rejected: they are never silently merged.
 * @param built - Resources with the instance each came from.
 * @param base - The message context (sender, control ID).
 * @param errors - Receives the problems found.
 * @returns The planned entries in segment order.
 */
export function assignRequests(
  built: { instance: ResourceInstance; resource: Resource }[],
  base: MessageContext,
  errors: AdapterError[],
  warnings: OperationOutcomeIssue[],
): PlannedEntry[] {
  const out: PlannedEntry[] = [];
  // By conditional URL: entries with the same business identifier, whatever their request.
  const byUrl = new Map<string, PlannedEntry[]>();
  for (const { instance, resource } of built) {
    const type = resource.resourceType;
    const mode = instance.rule.request ?? RequestMode.ConditionalUpdate;
    if (mode === RequestMode.UpdateById) {
      const id = deterministicUuid(
        `${base.sender.id}|${base.message.controlId}|${instance.rule.name}|${instance.segment.index}`,
      );
      const { resourceType, ...rest } = resource;
      const withId = { resourceType, id, ...rest } as Resource;
      out.push({
        fullUrl: instance.fullUrl,
        resource: withId,
        request: { method: 'PUT', url: `${type}/${id}` },
        instance,
      });
      continue;
    }
    const identifier = (resource as { identifier?: Identifier[] }).identifier?.[0];
    if (!identifier?.system || !identifier.value) {
      errors.push(
        adapterError(
          ErrorCode.MapRequiredMissing,
          IssueType.Required,
          `${type} has no business identifier to make resending idempotent`,
          {
            hl7: where(instance),
            fhir: `${type}.identifier`,
          },
        ),
      );
      continue;
    }
    const url = conditionalUrl(type, identifier);
    const entry: PlannedEntry = { fullUrl: instance.fullUrl, resource, request: requestFor(mode, type, url), instance };
    out.push(entry);
    byUrl.set(url, [...(byUrl.get(url) ?? []), entry]);
  }
  const aliases = new Map<string, string>();
  for (const group of byUrl.values()) {
    if (group.length < 2) continue;
    if (group[0]?.instance.rule.duplicates === 'same-resource') mergeSame(group, out, aliases, warnings);
    else disambiguate(group, base, out, errors);
  }
  return aliases.size ? out.map((e) => ({ ...e, resource: rewriteReferences(e.resource, aliases) })) : out;
}

/** Keeps the first of several entries that are one real-world thing, and points references to the others at it. */
function mergeSame(
  group: PlannedEntry[],
  out: PlannedEntry[],
  aliases: Map<string, string>,
  warnings: OperationOutcomeIssue[],
): void {
  const [kept, ...dropped] = group as [PlannedEntry, ...PlannedEntry[]];
  const keptJson = JSON.stringify(kept.resource);
  for (const d of dropped) {
    aliases.set(d.fullUrl, kept.fullUrl);
    out.splice(out.indexOf(d), 1);
    if (JSON.stringify(d.resource) !== keptJson) {
      warnings.push({
        severity: 'warning',
        code: 'duplicate',
        diagnostics: `${d.resource.resourceType} with the same identifier appears again with different details; the first is kept`,
        expression: [where(d.instance), where(kept.instance)],
      });
    }
  }
}

function rewriteReferences<T>(value: T, aliases: ReadonlyMap<string, string>): T {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, aliases)) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === 'reference' && typeof v === 'string' && aliases.has(v) ? aliases.get(v) : rewriteReferences(v, aliases);
  }
  // A list of references may now name the same resource twice (DiagnosticReport.specimen).
  for (const [k, v] of Object.entries(out)) {
    if (
      Array.isArray(v) &&
      v.every((x) => x && typeof x === 'object' && 'reference' in x && Object.keys(x).length === 1)
    ) {
      out[k] = v.filter((x, i) => v.findIndex((y) => y.reference === x.reference) === i);
    }
  }
  return out as T;
}

function disambiguate(group: PlannedEntry[], base: MessageContext, out: PlannedEntry[], errors: AdapterError[]): void {
  const path = group[0]?.instance.rule.disambiguateBy;
  const suffixes = group.map((e) => {
    if (!path) return '';
    const ref = resolveFirst(path, {
      ...base,
      segment: e.instance.segment,
      scope: e.instance.scope,
      instance: e.instance,
    });
    const v = ref ? textAt(ref).trim() : '';
    return isEmpty(v) ? '' : v;
  });
  if (!path || suffixes.some((s) => !s) || new Set(suffixes).size < suffixes.length) {
    const err = adapterError(
      ErrorCode.MapDuplicateKey,
      IssueType.Duplicate,
      `${group.length} ${group[0]?.resource.resourceType} resources get the same business identifier; they cannot be told apart`,
    );
    const first = err.outcome.issue?.[0];
    if (first) first.expression = group.map((e) => where(e.instance));
    errors.push(err);
    return;
  }
  group.forEach((e, i) => {
    const res = e.resource as Resource & { identifier: Identifier[] };
    const [first, ...rest] = res.identifier;
    const identifier = { ...first, value: `${first?.value}/${suffixes[i]}` };
    const updated = { ...res, identifier: [identifier, ...rest] } as Resource;
    out[out.indexOf(e)] = {
      ...e,
      resource: updated,
      request: requestFor(
        e.instance.rule.request ?? RequestMode.ConditionalUpdate,
        res.resourceType,
        conditionalUrl(res.resourceType, identifier),
      ),
    };
  });
}

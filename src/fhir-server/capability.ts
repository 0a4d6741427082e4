import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { SUPPORTED_MODIFIERS } from './query-check.ts';
import { ParamKind, SUPPORTED_PARAMS, type SearchParamRegistry } from './search-params.ts';
import { PREFIXES } from './search-sql.ts';

/**
 * Builds the CapabilityStatement from the parameter registry the search engine itself uses, so it lists exactly
 * what is answered: every other parameter gets a 400.
 * @param registry - Indexed parameters.
 * @param resourceTypes - Every resource type the server stores (all of R4).
 * @returns The statement served at `/metadata`.
 */
export function buildCapabilityStatement(
  registry: SearchParamRegistry,
  resourceTypes: readonly string[],
): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = [];
  for (const type of resourceTypes) {
    const defs = [...registry.forType(type).values()];
    const searchParam = [
      { name: '_id', type: 'token' as const, documentation: 'eq and :not; comma-separated values' },
      { name: '_lastUpdated', type: 'date' as const, documentation: `prefixes ${PREFIXES.join(', ')}` },
      ...defs.map((d) => ({
        name: d.code,
        type: d.kind,
        documentation: describe(d.kind, d.targets),
      })),
    ];
    const refs = defs.filter((d) => d.kind === ParamKind.Reference);
    const revTargets = Object.keys(SUPPORTED_PARAMS).flatMap((other) =>
      [...registry.forType(other).values()]
        .filter((d) => d.kind === ParamKind.Reference && d.targets.includes(type))
        .map((d) => `${other}:${d.code}`),
    );
    resource.push({
      type: type as CapabilityStatementRestResource['type'],
      interaction: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'].map(
        (code) => ({ code: code as 'read' }),
      ),
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: true,
      conditionalCreate: true,
      conditionalRead: 'full-support',
      conditionalUpdate: true,
      conditionalDelete: 'single',
      searchInclude: refs.map((d) => `${type}:${d.code}`),
      searchRevInclude: revTargets,
      searchParam,
      ...(type === 'Patient'
        ? {
            operation: [
              { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
            ],
          }
        : {}),
    });
  }
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: 'studybridge embedded FHIR server' },
    implementation: { description: 'studybridge embedded FHIR R4 server (SQLite)' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Search results: _count (max 1000) with self/next/previous links, _sort on _id, _lastUpdated and date ' +
          'parameters, _summary=count, _total, _elements, _include, _revinclude, chained reference.param (one ' +
          'level), _has:Type:reference:param (one level). Anything else is answered with 400.',
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}

/** @returns Every resource type with search parameters in the R4 definitions. */
export function knownResourceTypes(candidates: Iterable<string>): string[] {
  return [...candidates].filter((t) => getSearchParameters(t)).sort();
}

function describe(kind: string, targets: readonly string[]): string {
  const mods = SUPPORTED_MODIFIERS[kind] ?? [];
  const parts: string[] = [];
  if (mods.length) parts.push(`modifiers ${mods.map((m) => ':' + m).join(', ')}`);
  if (kind === ParamKind.Date || kind === ParamKind.Quantity) parts.push(`prefixes ${PREFIXES.join(', ')}`);
  if (kind === ParamKind.Token) parts.push('system|code, |code, system|');
  if (kind === ParamKind.Reference) parts.push(`targets ${targets.join(', ')}; chaining on them`);
  if (kind === ParamKind.String) parts.push('starts with, case and accent insensitive');
  return parts.join('; ');
}

import { OperationOutcomeError } from '@medplum/core';
import type { FhirRequest } from '@medplum/fhir-router';
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { checkSearchQuery } from './query-check.ts';
import type { SearchParamRegistry } from './search-params.ts';

/**
 * The search-like parts of one request: the query of a search or of a conditional update/delete/patch, and an
 * If-None-Exist criterion. `_history` and operation queries are not searches and are left alone.
 * @returns Issues for everything refused, and for an unknown resource type.
 */
export function requestIssues(
  registry: SearchParamRegistry,
  types: ReadonlySet<string>,
  method: string,
  url: string,
  ifNoneExist: string | undefined,
): OperationOutcomeIssue[] {
  const q = url.indexOf('?');
  const path = (q >= 0 ? url.slice(0, q) : url).replace(/^\/+|\/+$/g, '');
  const query = q >= 0 ? url.slice(q + 1) : '';
  const segments = path ? path.split('/') : [];
  const type = segments[0];
  if (!type || type.startsWith('$') || type === 'metadata') return [];
  if (!types.has(type)) {
    return [
      { severity: 'error', code: 'not-supported', diagnostics: `Unknown resource type: ${type}`, expression: [type] },
    ];
  }
  const isSearch =
    (segments.length === 1 && ['GET', 'PUT', 'DELETE', 'PATCH'].includes(method)) ||
    (segments.length === 2 && segments[1] === '_search' && method === 'POST');
  const issues: OperationOutcomeIssue[] = [];
  if (isSearch && query) issues.push(...checkSearchQuery(registry, type, new URLSearchParams(query)));
  if (ifNoneExist && method === 'POST' && segments.length === 1) {
    const crit = ifNoneExist.includes('?') ? ifNoneExist.slice(ifNoneExist.indexOf('?') + 1) : ifNoneExist;
    issues.push(...checkSearchQuery(registry, type, new URLSearchParams(crit)));
  }
  return issues;
}

/**
 * Checks a request before the router sees it.
 * @throws OperationOutcomeError 400 naming every unsupported parameter.
 */
export function checkRequestQuery(registry: SearchParamRegistry, types: ReadonlySet<string>, req: FhirRequest): void {
  const header = req.headers?.['if-none-exist'];
  const issues = requestIssues(registry, types, req.method, req.url, Array.isArray(header) ? header[0] : header);
  if (issues.length) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
}

/**
 * Checks every entry's URL and `ifNoneExist` of a batch or transaction, so the whole Bundle is refused up front.
 * @throws OperationOutcomeError 400 with one issue per refused parameter, each naming its entry.
 */
export function checkBundleQueries(registry: SearchParamRegistry, types: ReadonlySet<string>, bundle: Bundle): void {
  const issues: OperationOutcomeIssue[] = [];
  (bundle.entry ?? []).forEach((entry, i) => {
    const r = entry.request;
    if (!r?.url) return;
    for (const issue of requestIssues(registry, types, r.method, r.url, r.ifNoneExist)) {
      issues.push({ ...issue, expression: [`Bundle.entry[${i}].request`, ...(issue.expression ?? [])] });
    }
  });
  if (issues.length) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
}

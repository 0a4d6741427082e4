import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { ParamKind, type SearchParamRegistry } from './search-params.ts';

/** Modifiers we evaluate, per kind of parameter. */
export const SUPPORTED_MODIFIERS: Readonly<Record<string, readonly string[]>> = {
  [ParamKind.Token]: ['text', 'not'],
  [ParamKind.String]: ['exact', 'contains'],
  [ParamKind.Reference]: [],
  [ParamKind.Date]: [],
  [ParamKind.Quantity]: [],
};

/** Result parameters we honour, with the values allowed (undefined: any value checked elsewhere). */
const RESULT_PARAMS: Readonly<Record<string, RegExp | undefined>> = {
  _count: /^\d{1,4}$/,
  _offset: /^\d{1,9}$/,
  _sort: undefined,
  _summary: /^(count|false)$/,
  _elements: /^[A-Za-z][A-Za-z0-9]*(,[A-Za-z][A-Za-z0-9]*)*$/,
  _include: undefined,
  _revinclude: undefined,
  _total: /^(none|estimate|accurate)$/,
  _format: /^(json|application\/json|application\/fhir\+json)$/,
  _pretty: /^(true|false)$/,
};

/** The most resources one page may hold. */
export const MAX_COUNT = 1000;

/**
 * Checks the raw query of a search (or of a conditional create, update or delete) before the router parses it.
 * `@medplum/core`'s parser silently drops modifiers it does not know (`code:weird=x` becomes `code=x`) and keeps
 * parameters nobody indexes, which would answer with wrong or empty results; FHIR wants a refusal instead.
 * @param registry - Indexed parameters.
 * @param resourceType - The searched type.
 * @param query - The raw query parameters.
 * @returns One issue per refused parameter; empty when all are supported.
 */
export function checkSearchQuery(
  registry: SearchParamRegistry,
  resourceType: string,
  query: URLSearchParams,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const refuse = (key: string, why: string): void => {
    issues.push({ severity: 'error', code: 'not-supported', diagnostics: `${why}: ${key}`, expression: [key] });
  };
  for (const [key, value] of query) {
    if (key in RESULT_PARAMS) {
      const re = RESULT_PARAMS[key];
      if (re && !re.test(value)) refuse(key, `Unsupported value ${JSON.stringify(value)} of`);
      else if (key === '_count' && Number(value) > MAX_COUNT) refuse(key, `More than ${MAX_COUNT} per page in`);
      else if (key === '_sort') checkSort(registry, resourceType, value, key, refuse);
      else if (key === '_include' || key === '_revinclude') checkInclude(registry, resourceType, key, value, refuse);
      continue;
    }
    if (key === '_id' || key === '_lastUpdated') continue;
    if (key.startsWith('_has:')) {
      const [, type, ref, param, ...rest] = key.split(':');
      const refDef = type && ref ? registry.get(type, ref) : undefined;
      const ok =
        refDef?.kind === ParamKind.Reference &&
        refDef.targets.includes(resourceType) &&
        !rest.length &&
        !!param &&
        (param === '_id' || !!registry.get(type as string, param));
      if (!ok) refuse(key, 'Unsupported _has parameter');
      continue;
    }
    const dot = key.indexOf('.');
    if (dot >= 0) {
      checkChain(registry, resourceType, key, dot, refuse);
      continue;
    }
    const [code, modifier, ...more] = key.split(':') as [string, string | undefined, ...string[]];
    const def = registry.get(resourceType, code);
    if (!def) {
      refuse(key, `Unsupported search parameter for ${resourceType}`);
      continue;
    }
    if (more.length || (modifier !== undefined && !SUPPORTED_MODIFIERS[def.kind]?.includes(modifier))) {
      refuse(key, 'Unsupported modifier');
      continue;
    }
    if ((def.kind === ParamKind.Date || def.kind === ParamKind.Quantity) && /(^|,)(ap)/.test(value)) {
      refuse(key, 'Unsupported prefix ap in');
    }
  }
  return issues;
}

function checkSort(
  registry: SearchParamRegistry,
  resourceType: string,
  value: string,
  key: string,
  refuse: (key: string, why: string) => void,
): void {
  for (const rule of value.split(',')) {
    const code = rule.replace(/^-/, '');
    if (code === '_id' || code === '_lastUpdated') continue;
    if (registry.get(resourceType, code)?.kind !== ParamKind.Date) refuse(`${key}=${rule}`, 'Unsupported sort');
  }
}

function checkInclude(
  registry: SearchParamRegistry,
  resourceType: string,
  key: string,
  value: string,
  refuse: (key: string, why: string) => void,
): void {
  const [type, param, target, ...rest] = value.split(':');
  const def = type && param ? registry.get(type, param) : undefined;
  const ok =
    def?.kind === ParamKind.Reference &&
    !rest.length &&
    (!target || def.targets.includes(target)) &&
    (key === '_include'
      ? type === resourceType
      : def.targets.includes(resourceType) || def.targets.includes('Resource'));
  if (!ok) refuse(`${key}=${value}`, 'Unsupported include');
}

function checkChain(
  registry: SearchParamRegistry,
  resourceType: string,
  key: string,
  dot: number,
  refuse: (key: string, why: string) => void,
): void {
  const [ref, type, ...more] = key.slice(0, dot).split(':');
  const inner = key.slice(dot + 1);
  const def = ref ? registry.get(resourceType, ref) : undefined;
  const targets = type ? [type] : (def?.targets ?? []);
  const ok =
    def?.kind === ParamKind.Reference &&
    !more.length &&
    !inner.includes('.') &&
    !inner.includes(':') &&
    (!type || def.targets.includes(type)) &&
    targets.some((t) => inner === '_id' || registry.get(t, inner));
  if (!ok) refuse(key, 'Unsupported chained parameter');
}

/**
 * Throws the issues of {@link checkSearchQuery} as one 400 OperationOutcome.
 * @throws OperationOutcomeError when any parameter is refused.
 */
export function assertSearchQuery(registry: SearchParamRegistry, resourceType: string, query: URLSearchParams): void {
  const issues = checkSearchQuery(registry, resourceType, query);
  if (issues.length) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
}

import {
  badRequest,
  getStatus,
  multipleMatches,
  OperationOutcomeError,
  parseSearchRequest,
  type WithId,
} from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { assertSearchQuery } from './query-check.ts';
import type { SearchParamRegistry } from './search-params.ts';
import type { SqliteRepository } from './sqlite-repository.ts';

/** Thrown inside the SQLite transaction to roll it back while keeping the answer for the client. */
class Rollback extends Error {
  readonly response: FhirResponse;
  constructor(response: FhirResponse) {
    super('rollback');
    this.response = response;
  }
}

/**
 * Applies a transaction Bundle all or nothing, in one SQLite transaction under the write lock.
 *
 * The router's own transaction mode refuses any transaction with a conditional update and more than 8 entries
 * (a limit made for Postgres isolation; every converted message has about 20 conditional PUTs). So the Bundle
 * goes through the router's batch processing, which still orders entries and rewrites `urn:uuid` references, and
 * this function supplies the atomicity: the first failing entry rolls back everything and its OperationOutcome
 * is the answer, with `Bundle.entry[i]` in `expression`. Conditional references (`Patient?identifier=…`) are
 * resolved first, against the database or against an entry of the Bundle with the same conditional URL.
 * @param router - The FHIR router.
 * @param repo - The repository (not a transaction view).
 * @param registry - For checking conditional reference queries.
 * @param request - The POST of the Bundle.
 * @returns The transaction-response, or the failing entry's outcome.
 */
export async function runTransaction(
  router: FhirRouter,
  repo: SqliteRepository,
  registry: SearchParamRegistry,
  request: FhirRequest,
): Promise<FhirResponse> {
  try {
    return await repo.withTransaction(async (tx) => {
      const bundle = request.body as Bundle;
      await resolveConditionalReferences(tx, registry, bundle);
      const response = await router.handleRequest(
        { ...request, config: { ...request.config, transactions: false } },
        tx,
      );
      const [outcome, result] = response;
      if (getStatus(outcome) >= 400 || result?.resourceType !== 'Bundle') throw new Rollback(response);
      const entries = result.entry ?? [];
      const failed = entries.findIndex((e) => Number.parseInt(e.response?.status ?? '500', 10) >= 400);
      if (failed >= 0) throw new Rollback([entryOutcome(entries[failed] as BundleEntry, failed)]);
      return [outcome, { ...result, type: 'transaction-response' }];
    });
  } catch (err) {
    if (err instanceof Rollback) return err.response;
    throw err;
  }
}

function entryOutcome(entry: BundleEntry, index: number): OperationOutcome {
  const outcome = (entry.response?.outcome as OperationOutcome | undefined) ?? badRequest('Entry failed');
  return {
    ...outcome,
    issue: (outcome.issue ?? []).map((i) => ({
      ...i,
      expression: [`Bundle.entry[${index}]`, ...(i.expression ?? [])],
    })),
  };
}

/**
 * Replaces each `Type?query` reference in the Bundle's resources by `Type/id` of its single match, or by the
 * fullUrl of the entry whose conditional URL is the same query (created in this Bundle).
 * @throws OperationOutcomeError 400 when nothing matches, 412 when several do.
 */
async function resolveConditionalReferences(
  repo: SqliteRepository,
  registry: SearchParamRegistry,
  bundle: Bundle,
): Promise<void> {
  const byUrl = new Map<string, string>();
  for (const e of bundle.entry ?? []) {
    if (e.fullUrl && e.request?.url?.includes('?')) byUrl.set(e.request.url, e.fullUrl);
  }
  const cache = new Map<string, string>();
  const resolve = async (ref: string, where: string): Promise<string> => {
    const known = cache.get(ref);
    if (known) return known;
    const q = ref.indexOf('?');
    const type = ref.slice(0, q);
    assertSearchQuery(registry, type, new URLSearchParams(ref.slice(q + 1)));
    const found: WithId<Resource>[] = await repo.searchResources({ ...parseSearchRequest(ref), count: 2 });
    let target: string | undefined;
    if (found.length > 1) throw new OperationOutcomeError(multipleMatches);
    if (found.length === 1) target = `${type}/${(found[0] as WithId<Resource>).id}`;
    else target = byUrl.get(ref);
    if (!target) throw new OperationOutcomeError(badRequest(`Conditional reference matched nothing`, where));
    cache.set(ref, target);
    return target;
  };
  const entries = bundle.entry ?? [];
  for (let i = 0; i < entries.length; i++) {
    const resource = entries[i]?.resource;
    if (resource) await walk(resource, `Bundle.entry[${i}].resource`, resolve);
  }
}

const CONDITIONAL_REF = /^[A-Z][A-Za-z]+\?./;

async function walk(
  node: unknown,
  path: string,
  resolve: (ref: string, where: string) => Promise<string>,
): Promise<void> {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) await walk(node[i], `${path}[${i}]`, resolve);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (key === 'reference' && typeof v === 'string' && CONDITIONAL_REF.test(v)) {
      obj[key] = await resolve(v, `${path}.reference`);
    } else if (v && typeof v === 'object') await walk(v, `${path}.${key}`, resolve);
  }
}

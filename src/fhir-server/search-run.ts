import { formatSearchQuery, Operator, type SearchRequest, type WithId } from '@medplum/core';
import { getExtraEntries } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { SQLInputValue } from 'node:sqlite';
import { MAX_COUNT } from './query-check.ts';
import { ParamKind } from './search-params.ts';
import {
  compileFilters,
  splitValues,
  tokenCondition,
  unsupported,
  type SqlContext,
  type SqlPart,
} from './search-sql.ts';
import type { SqliteRepository } from './sqlite-repository.ts';

/** Page size when the client gives no `_count`. */
export const DEFAULT_COUNT = 20;

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/**
 * Runs a search in SQL: filters, sort, one page (`_count` + 1 rows, so a next link is only given when there is a
 * next page), `_total`, `_summary=count`, `_elements`, `_include`/`_revinclude`. Links and fullUrls are relative
 * (`Observation?…`); the HTTP layer makes them absolute.
 * @param repo - The repository view (its connection decides whether uncommitted writes are visible).
 * @param req - The parsed search.
 * @returns A searchset Bundle.
 * @throws OperationOutcomeError 400 for anything we do not support.
 */
export async function runSearch<T extends Resource>(
  repo: SqliteRepository,
  req: SearchRequest<T>,
): Promise<Bundle<WithId<T>>> {
  const store = repo.store;
  if (req.types && req.types.length) throw unsupported('Searching several types at once is not supported', '_type');
  if (req.summary && (req.summary as string) !== 'false') throw unsupported('Unsupported _summary', '_summary');
  const type = req.resourceType;
  const ctx: SqlContext = { registry: store.registry, paramId: (t, c) => store.paramId(t, c) };
  const where = compileFilters(ctx, type, req.filters ?? [], 'r');
  const order = compileSort(ctx, type, req);
  // With filters, the unary + keeps SQLite from walking every resource of the type through the (rtype, …)
  // indexes instead of starting from the index lookups of the filters.
  const typeCol = where.sql === '1' ? 'r.rtype' : '+r.rtype';
  const from = `FROM resource r WHERE ${typeCol} = ? AND r.deleted = 0 AND ${where.sql}`;
  const args: SQLInputValue[] = [type, ...where.args];
  const count = Math.min(req.count ?? DEFAULT_COUNT, MAX_COUNT);
  const offset = req.offset ?? 0;
  let total: number | undefined;
  const countRows = (): number =>
    (store.statement(`SELECT count(*) AS n ${from}`, repo.inTx).get(...args) as { n: number }).n;
  if (count === 0) {
    return { resourceType: 'Bundle', type: 'searchset', total: countRows() };
  }
  const rows = store
    .statement(`SELECT r.body ${from} ORDER BY ${order.sql} LIMIT ? OFFSET ?`, repo.inTx)
    .all(...args, ...order.args, count + 1, offset) as { body: string }[];
  const hasNext = rows.length > count;
  if (hasNext) rows.pop();
  if (req.total === 'accurate') total = countRows();
  else if (!hasNext && (rows.length > 0 || offset === 0)) total = offset + rows.length;
  const resources = rows.map((r) => JSON.parse(r.body) as WithId<T>);
  const entry: BundleEntry<WithId<T>>[] = resources.map((resource) => ({
    fullUrl: `${resource.resourceType}/${resource.id}`,
    resource: req.fields ? project(resource, req.fields) : resource,
    search: { mode: 'match' },
  }));
  if ((req.include || req.revInclude) && resources.length) {
    await getExtraEntries(repo, req, resources, entry as BundleEntry[], {
      fullUrl: (t, id) => `${t}/${id}`,
    });
  }
  const link: BundleLink[] = [{ relation: 'self', url: pageUrl(req, offset, count) }];
  if (hasNext) link.push({ relation: 'next', url: pageUrl(req, offset + count, count) });
  if (offset > 0) link.push({ relation: 'previous', url: pageUrl(req, Math.max(0, offset - count), count) });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total !== undefined ? { total } : {}),
    link,
    entry,
  };
}

/**
 * The matching resources of a search, without the Bundle around them (what `searchResources` gives, and what a
 * conditional create, update or delete asks). A lone token filter with one value, such as the
 * `Type?identifier=system|value` of every conditional PUT, is one lookup in the token index with no search
 * compilation and no paging links; anything else goes through {@link runSearch}. Both return the same resources
 * in the same order (by pk).
 * @param repo - The repository view.
 * @param req - The parsed search.
 * @returns The resources of the first page.
 */
export async function findResources<T extends Resource>(
  repo: SqliteRepository,
  req: SearchRequest<T>,
): Promise<WithId<T>[]> {
  const lookup = tokenLookup(repo, req);
  if (!lookup) return ((await runSearch(repo, req)).entry ?? []).map((e) => e.resource as WithId<T>);
  const rows = repo.store.statement(lookup.sql, repo.inTx).all(...lookup.args) as { body: string }[];
  return rows.map((r) => JSON.parse(r.body) as WithId<T>);
}

/** @returns The SQL of a lone single-valued token filter with nothing else asked, or undefined. */
function tokenLookup(repo: SqliteRepository, req: SearchRequest): SqlPart | undefined {
  const [f, ...more] = req.filters ?? [];
  if (!f || more.length || f.operator !== Operator.EQUALS) return undefined;
  if (req.sortRules?.length || req.include || req.revInclude || req.fields || req.summary || req.total) {
    return undefined;
  }
  if (req.types?.length || req.offset) return undefined;
  const count = Math.min(req.count ?? DEFAULT_COUNT, MAX_COUNT);
  if (count <= 0) return undefined;
  const type = req.resourceType;
  if (repo.store.registry.get(type, f.code)?.kind !== ParamKind.Token) return undefined;
  const values = splitValues(f.value);
  if (values.length !== 1 || !values[0]) return undefined;
  const cond = tokenCondition(values[0]);
  return {
    sql:
      'SELECT r.body FROM resource r WHERE +r.rtype = ? AND r.deleted = 0 AND r.pk IN ' +
      `(SELECT pk FROM ix_token WHERE param = ? AND ${cond.sql}) ORDER BY r.pk ASC LIMIT ?`,
    args: [type, repo.store.paramId(type, f.code) ?? -1, ...cond.args, count],
  };
}

function compileSort(ctx: SqlContext, type: string, req: SearchRequest): { sql: string; args: SQLInputValue[] } {
  const parts: string[] = [];
  const args: SQLInputValue[] = [];
  for (const rule of req.sortRules ?? []) {
    const dir = rule.descending ? 'DESC' : 'ASC';
    if (rule.code === '_lastUpdated') parts.push(`r.updated ${dir}`);
    else if (rule.code === '_id') parts.push(`r.id ${dir}`);
    else if (ctx.registry.get(type, rule.code)?.kind === ParamKind.Date) {
      // Ascending sorts by the earliest start, descending by the latest end (FHIR: the lower/upper bound).
      const fn = rule.descending ? 'max(hi)' : 'min(lo)';
      parts.push(`(SELECT ${fn} FROM ix_date d WHERE d.pk = r.pk AND d.param = ?) ${dir}`);
      args.push(ctx.paramId(type, rule.code) ?? -1);
    } else throw unsupported(`Unsupported sort: ${rule.code}`, '_sort');
  }
  parts.push('r.pk ASC');
  return { sql: parts.join(', '), args };
}

function pageUrl(req: SearchRequest, offset: number, count: number): string {
  const query = formatSearchQuery({ ...req, offset, count, total: undefined }).replace(
    /([?&])_fields=/,
    '$1_elements=',
  );
  return `${req.resourceType}${query}`;
}

/** `_elements`: the named top-level elements plus the mandatory ones, tagged SUBSETTED. */
function project<T extends Resource>(resource: WithId<T>, fields: readonly string[]): WithId<T> {
  const src = resource as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { resourceType: resource.resourceType, id: resource.id };
  for (const key of Object.keys(src)) {
    if (key in out || key === 'meta') continue;
    const wanted = fields.some(
      (f) => key === f || (key.startsWith(f) && key.length > f.length && /[A-Z]/.test(key.charAt(f.length))),
    );
    if (wanted) out[key] = src[key];
  }
  out['meta'] = { ...resource.meta, tag: [...(resource.meta?.tag ?? []), SUBSETTED] };
  return out as unknown as WithId<T>;
}

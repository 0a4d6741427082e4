import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One search conformance case: a request against the seed data (`seed.json`) and what must come back. Cases are
 * data so the same files can run against any FHIR server (the embedded one, HAPI) by base URL.
 */
export interface SearchCase {
  name: string;
  /** Relative request URL, e.g. `Observation?code=…`. */
  request: string;
  /** Expected HTTP status (default 200). */
  status?: number;
  /** Refusals: text the OperationOutcome must contain (the parameter's name). */
  names?: string;
  /** The matches, in any order (`Type/id`, search mode `match`). */
  ids?: string[];
  /** The matches, in this order. */
  ordered?: string[];
  /** `Bundle.total`. */
  total?: number;
  /** Resources that must come back with search mode `include`. */
  included?: string[];
  /** Link relations that must be present / absent. */
  links?: string[];
  noLinks?: string[];
  /** Follow this link of the first answer and check the second one instead. */
  follow?: string;
  /** Resources that must be in the answer, whatever their search mode (operations such as `$everything`). */
  contains?: string[];
  /** Resources that must not be in the answer at all. */
  lacks?: string[];
  /** Elements that must not appear in the matched resources (`_elements`). */
  absent?: string[];
}

/** @returns Every case of `cases/*.json`, with its file name as group. */
export function loadSearchCases(
  dir = path.join(import.meta.dirname, 'cases'),
): { group: string; cases: SearchCase[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      group: f.replace(/\.json$/, ''),
      cases: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SearchCase[],
    }));
}

/** The seed transaction Bundle (client-assigned ids, so expectations can name them). */
export function loadSeed(): string {
  return readFileSync(path.join(import.meta.dirname, 'seed.json'), 'utf8');
}

interface Entry {
  resource?: { resourceType: string; id: string } & Record<string, unknown>;
  search?: { mode?: string };
}
interface SearchBundle {
  resourceType: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: Entry[];
}

/**
 * Runs one case against `base` over HTTP.
 * @returns The list of mismatches; empty when the case passes.
 */
export async function runSearchCase(base: string, c: SearchCase): Promise<string[]> {
  const problems: string[] = [];
  let res = await fetch(`${base}/${c.request}`, { headers: { accept: 'application/fhir+json' } });
  let body = (await res.json()) as SearchBundle;
  if (c.follow) {
    const next = body.link?.find((l) => l.relation === c.follow);
    if (!next) return [`no ${c.follow} link`];
    res = await fetch(next.url, { headers: { accept: 'application/fhir+json' } });
    body = (await res.json()) as SearchBundle;
  }
  const status = c.status ?? 200;
  if (res.status !== status) problems.push(`status ${res.status}, expected ${status}`);
  if (c.names && !JSON.stringify(body).includes(c.names)) problems.push(`outcome does not name ${c.names}`);
  if (status !== 200) return problems;
  const entries = body.entry ?? [];
  const key = (e: Entry): string => `${e.resource?.resourceType}/${e.resource?.id}`;
  const matches = entries.filter((e) => (e.search?.mode ?? 'match') === 'match').map(key);
  if (c.ids && JSON.stringify([...matches].sort()) !== JSON.stringify([...c.ids].sort())) {
    problems.push(`matches ${JSON.stringify(matches)}, expected ${JSON.stringify(c.ids)}`);
  }
  if (c.ordered && JSON.stringify(matches) !== JSON.stringify(c.ordered)) {
    problems.push(`order ${JSON.stringify(matches)}, expected ${JSON.stringify(c.ordered)}`);
  }
  if (c.total !== undefined && body.total !== c.total) problems.push(`total ${body.total}, expected ${c.total}`);
  const all = entries.map(key);
  for (const r of c.contains ?? []) if (!all.includes(r)) problems.push(`${r} missing`);
  for (const r of c.lacks ?? []) if (all.includes(r)) problems.push(`${r} present`);
  const included = entries.filter((e) => e.search?.mode === 'include').map(key);
  for (const inc of c.included ?? []) if (!included.includes(inc)) problems.push(`${inc} not included`);
  const rels = (body.link ?? []).map((l) => l.relation);
  for (const l of c.links ?? []) if (!rels.includes(l)) problems.push(`no ${l} link`);
  for (const l of c.noLinks ?? []) if (rels.includes(l)) problems.push(`unexpected ${l} link`);
  for (const a of c.absent ?? []) {
    if (entries.some((e) => e.resource && a in e.resource)) problems.push(`${a} present despite _elements`);
  }
  return problems;
}

import { badRequest, OperationOutcomeError, Operator, type Filter } from '@medplum/core';
import type { SQLInputValue } from 'node:sqlite';
import { dateRange } from './fhir-dates.ts';
import { normalizeText, splitReference } from './index-extract.ts';
import { ParamKind, type ParamDef, type SearchParamRegistry } from './search-params.ts';

/** A piece of SQL with its positional arguments. */
export interface SqlPart {
  sql: string;
  args: SQLInputValue[];
}

/**
 * A filter on one index table, in two equivalent forms: `alias.pk IN (SELECT pk …)`, which can drive the query from
 * the index lookup, and `EXISTS (… WHERE x.pk = alias.pk …)`, a probe of the table's primary key for each candidate.
 * `rank` guesses how few rows the lookup returns (lower is fewer).
 */
interface IndexPart extends SqlPart {
  probe: SqlPart;
  rank: number;
}

/**
 * How selective each kind of index lookup usually is in study data, most selective first. SQLite has no per-value
 * statistics for our shared index tables, so with two `IN` lookups it drives from the first one written and
 * probes the other: `code=HbA1c&patient=X` would read every HbA1c of the study to find one patient's. We drive
 * from the best-ranked lookup instead and probe the rest by primary key.
 */
const RANK: Record<string, number> = { identifier: 0, ix_ref: 1, ix_string: 2, ix_token: 3, ix_date: 4, ix_text: 5 };
const LAST_RANK = 6;

/** What the compiler needs from the store: parameter definitions and their integer ids. */
export interface SqlContext {
  readonly registry: SearchParamRegistry;
  /** @returns The id of the `param` row, or undefined when nothing was ever indexed under it. */
  paramId(resourceType: string, code: string): number | undefined;
}

/** Date and quantity prefixes we evaluate; `ap` (approximately) is refused. */
export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;

/** @returns A 400 error naming the parameter. */
export function unsupported(message: string, param: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, param));
}

/**
 * Compiles the filters of a search into one SQL condition over the resource table aliased `alias`. Filters are
 * ANDed, comma-separated values ORed, as FHIR search says. Date filters on the same parameter are merged into one
 * range lookup so the index can bound both ends (for single-valued dates, the usual case, the result is the same).
 * @param ctx - Definitions and parameter ids.
 * @param resourceType - The searched type.
 * @param filters - From `parseSearchRequest`.
 * @param alias - Alias of the `resource` table in the enclosing query.
 * @returns The condition; `1` when there are no filters.
 * @throws OperationOutcomeError 400 naming any parameter, modifier or prefix we do not support.
 */
export function compileFilters(
  ctx: SqlContext,
  resourceType: string,
  filters: readonly Filter[],
  alias: string,
): SqlPart {
  const parts: (SqlPart | IndexPart)[] = [];
  const dateGroups = new Map<string, Filter[]>();
  for (const f of filters) {
    const def = ctx.registry.get(resourceType, f.code);
    if (def?.kind === ParamKind.Date && !splitValues(f.value).some((v) => v.length === 0)) {
      const g = dateGroups.get(f.code) ?? [];
      g.push(f);
      dateGroups.set(f.code, g);
      continue;
    }
    parts.push(compileFilter(ctx, resourceType, f, alias));
  }
  for (const [code, group] of dateGroups) {
    const def = ctx.registry.get(resourceType, code) as ParamDef;
    const conds = group.map((f) => orValues(f, (v) => dateCondition(f, v, 'lo', 'hi', code)));
    parts.push(indexIn(ctx, def, alias, 'ix_date', conds));
  }
  if (!parts.length) return { sql: '1', args: [] };
  return joinParts(parts);
}

/** ANDs the parts: the best-ranked index lookup drives, the other index lookups become primary-key probes. */
function joinParts(parts: (SqlPart | IndexPart)[]): SqlPart {
  const indexed = parts.filter((p): p is IndexPart => 'probe' in p).sort((a, b) => a.rank - b.rank);
  const [driver, ...probes] = indexed;
  const ordered: SqlPart[] = [
    ...(driver ? [driver] : []),
    ...probes.map((p) => p.probe),
    ...parts.filter((p) => !('probe' in p)),
  ];
  return { sql: ordered.map((p) => p.sql).join(' AND '), args: ordered.flatMap((p) => p.args) };
}

function compileFilter(ctx: SqlContext, resourceType: string, f: Filter, alias: string): SqlPart {
  if (f.code.startsWith('_has:')) return compileHas(ctx, resourceType, f, alias);
  if (f.code.includes('.')) return compileChain(ctx, resourceType, f, alias);
  if (f.code === '_id') {
    if (f.operator !== Operator.EQUALS && f.operator !== Operator.NOT) throw unsupported('Unsupported modifier', '_id');
    const ids = splitValues(f.value);
    const sql = `${alias}.id ${f.operator === Operator.NOT ? 'NOT IN' : 'IN'} (${ids.map(() => '?').join(',')})`;
    return { sql, args: ids };
  }
  if (f.code === '_lastUpdated') {
    const c = orValues(f, (v) => dateCondition(f, v, `${alias}.updated`, `(${alias}.updated + 1)`, '_lastUpdated'));
    return { sql: `(${c.sql})`, args: c.args };
  }
  const def = ctx.registry.get(resourceType, f.code);
  if (!def) throw unsupported(`Unsupported search parameter: ${resourceType}?${f.code}`, f.code);
  switch (def.kind) {
    case ParamKind.Token:
      return compileToken(ctx, def, f, alias);
    case ParamKind.Reference:
      if (f.operator !== Operator.EQUALS) throw unsupported(`Unsupported modifier on ${f.code}`, f.code);
      return indexIn(ctx, def, alias, 'ix_ref', [orValues(f, (v) => refCondition(def, v))]);
    case ParamKind.Date:
      return indexIn(ctx, def, alias, 'ix_date', [orValues(f, (v) => dateCondition(f, v, 'lo', 'hi', f.code))]);
    case ParamKind.String:
      return indexIn(ctx, def, alias, 'ix_string', [orValues(f, (v) => stringCondition(f, v))]);
    case ParamKind.Quantity:
      return indexIn(ctx, def, alias, 'ix_quantity', [orValues(f, (v) => quantityCondition(f, v))]);
  }
  throw unsupported(`Unsupported search parameter: ${resourceType}?${f.code}`, f.code);
}

/** `alias.pk IN (SELECT pk FROM table WHERE param = ? AND cond…)`; a parameter never indexed matches nothing. */
function indexIn(
  ctx: SqlContext,
  def: ParamDef,
  alias: string,
  table: string,
  conds: SqlPart[],
  not = false,
): SqlPart | IndexPart {
  const id = ctx.paramId(def.resourceType, def.code) ?? -1;
  const where = conds.map((c) => `(${c.sql})`).join(' AND ');
  const args = [id, ...conds.flatMap((c) => c.args)];
  const sql = `${alias}.pk ${not ? 'NOT IN' : 'IN'} (SELECT pk FROM ${table} WHERE param = ? AND ${where})`;
  // A negation cannot drive: it matches almost everything.
  if (not) return { sql, args };
  const probe = { sql: `EXISTS (SELECT 1 FROM ${table} WHERE pk = ${alias}.pk AND param = ? AND ${where})`, args };
  const rank = (def.code === 'identifier' ? RANK['identifier'] : RANK[table]) ?? LAST_RANK;
  return { sql, args, probe, rank };
}

function compileToken(ctx: SqlContext, def: ParamDef, f: Filter, alias: string): SqlPart {
  if (f.operator === Operator.TEXT) {
    // R4 processes `:text` as a string search: the text or display starts with the value (as HAPI does).
    const c = orValues(f, (v) => ({ sql: `norm LIKE ? ESCAPE '\\'`, args: [`${likeEscape(normalizeText(v))}%`] }));
    return indexIn(ctx, def, alias, 'ix_text', [c]);
  }
  if (f.operator !== Operator.EQUALS && f.operator !== Operator.NOT) {
    throw unsupported(`Unsupported modifier on ${f.code}`, f.code);
  }
  const c = orValues(f, tokenCondition);
  return indexIn(ctx, def, alias, 'ix_token', [c], f.operator === Operator.NOT);
}

/**
 * The `ix_token` condition of one token value: `code`, `system|code`, `|code` (no system) or `system|`.
 * @param v - One value, escapes still in place, not empty.
 * @returns The condition on the `code` and `system` columns.
 */
export function tokenCondition(v: string): SqlPart {
  const bar = indexOfUnescaped(v, '|');
  if (bar < 0) return { sql: 'code = ?', args: [unescape(v)] };
  const system = unescape(v.slice(0, bar));
  const code = unescape(v.slice(bar + 1));
  if (!code) return { sql: 'system = ?', args: [system] };
  return { sql: 'code = ? AND system = ?', args: [code, system] };
}

function refCondition(def: ParamDef, v: string): SqlPart {
  const [type, id] = splitReference(v);
  if (type) return { sql: 'tid = ? AND ttype = ?', args: [id, type] };
  if (def.targets.length === 1) return { sql: 'tid = ? AND ttype = ?', args: [v, def.targets[0] as string] };
  return { sql: 'tid = ?', args: [v] };
}

function splitPrefix(f: Filter, v: string): [string, string] {
  const m = /^([a-z]{2})(.*)$/.exec(v);
  if (m) return [m[1] as string, m[2] as string];
  return [f.operator === Operator.EQUALS ? 'eq' : f.operator, v];
}

function dateCondition(f: Filter, value: string, lo: string, hi: string, param: string): SqlPart {
  const [prefix, text] = splitPrefix(f, value);
  const range = dateRange(text);
  if (!range) throw unsupported(`Invalid date value for ${param}`, param);
  const [slo, shi] = range;
  switch (prefix) {
    case 'eq':
      return { sql: `${lo} >= ? AND ${hi} <= ?`, args: [slo, shi] };
    case 'ne':
      return { sql: `NOT (${lo} >= ? AND ${hi} <= ?)`, args: [slo, shi] };
    case 'gt':
      return { sql: `${hi} > ?`, args: [shi] };
    case 'lt':
      return { sql: `${lo} < ?`, args: [slo] };
    // ge: above the value, or inside it. The first bound is implied by the second and only helps the index.
    case 'ge':
      return { sql: `${hi} > ? AND (${hi} > ? OR ${lo} >= ?)`, args: [slo, shi, slo] };
    case 'le':
      return { sql: `${lo} < ? AND (${lo} < ? OR ${hi} <= ?)`, args: [shi, slo, shi] };
    case 'sa':
      return { sql: `${lo} >= ?`, args: [shi] };
    case 'eb':
      return { sql: `${hi} <= ?`, args: [slo] };
  }
  throw unsupported(`Unsupported prefix ${prefix} on ${param}`, param);
}

function stringCondition(f: Filter, v: string): SqlPart {
  const norm = normalizeText(unescape(v));
  switch (f.operator) {
    case Operator.EQUALS:
      // Starts-with on the normalised text, as a range so the index is used.
      return { sql: 'norm >= ? AND norm < ?', args: [norm, norm + '\uffff'] };
    case Operator.EXACT:
      return { sql: 'raw = ?', args: [unescape(v)] };
    case Operator.CONTAINS:
      return { sql: `norm LIKE ? ESCAPE '\\'`, args: [`%${likeEscape(norm)}%`] };
  }
  throw unsupported(`Unsupported modifier on ${f.code}`, f.code);
}

function quantityCondition(f: Filter, value: string): SqlPart {
  const [prefix, text] = splitPrefix(f, value);
  const parts = text.split('|');
  const num = parts[0] ?? '';
  if (!/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(num)) throw unsupported(`Invalid quantity value for ${f.code}`, f.code);
  const v = Number(num);
  const decimals = /\.(\d+)/.exec(num)?.[1]?.length ?? 0;
  const half = 0.5 * 10 ** -decimals;
  let sql: string;
  let args: SQLInputValue[];
  switch (prefix) {
    case 'eq':
      [sql, args] = ['value >= ? AND value < ?', [v - half, v + half]];
      break;
    case 'ne':
      [sql, args] = ['NOT (value >= ? AND value < ?)', [v - half, v + half]];
      break;
    case 'gt':
    case 'sa':
      [sql, args] = ['value > ?', [v]];
      break;
    case 'lt':
    case 'eb':
      [sql, args] = ['value < ?', [v]];
      break;
    case 'ge':
      [sql, args] = ['value >= ?', [v]];
      break;
    case 'le':
      [sql, args] = ['value <= ?', [v]];
      break;
    default:
      throw unsupported(`Unsupported prefix ${prefix} on ${f.code}`, f.code);
  }
  const system = parts[1] ?? '';
  const code = parts.slice(2).join('|');
  if (system && code) {
    sql += ' AND system = ? AND code = ?';
    args.push(system, code);
  } else if (code) {
    sql += ' AND (code = ? OR unit = ?)';
    args.push(code, code);
  } else if (system) throw unsupported(`Quantity system without a code for ${f.code}`, f.code);
  return { sql, args };
}

/** `ref[:Type].param=value`: resources whose reference points at a resource matching the inner parameter. */
function compileChain(ctx: SqlContext, resourceType: string, f: Filter, alias: string): SqlPart {
  const dot = f.code.indexOf('.');
  const head = f.code.slice(0, dot);
  const inner = f.code.slice(dot + 1);
  const [refCode, typeModifier] = head.split(':') as [string, string | undefined];
  const def = ctx.registry.get(resourceType, refCode);
  if (def?.kind !== ParamKind.Reference) throw unsupported(`Unsupported chained parameter: ${f.code}`, f.code);
  if (inner.includes('.') || inner.includes(':')) throw unsupported(`Only one level of chaining: ${f.code}`, f.code);
  const types = typeModifier
    ? [typeModifier]
    : def.targets.filter((t) => ctx.registry.get(t, inner) || inner === '_id');
  if (!types.length || (typeModifier && !def.targets.includes(typeModifier))) {
    throw unsupported(`Unsupported chained parameter: ${f.code}`, f.code);
  }
  const ors: SqlPart[] = types.map((t) => {
    const sub = compileFilters(ctx, t, [{ code: inner, operator: f.operator, value: f.value }], 't');
    return {
      sql: `(ttype = ? AND tid IN (SELECT t.id FROM resource t WHERE +t.rtype = ? AND t.deleted = 0 AND ${sub.sql}))`,
      args: [t, t, ...sub.args],
    };
  });
  return indexIn(ctx, def, alias, 'ix_ref', [
    { sql: ors.map((o) => o.sql).join(' OR '), args: ors.flatMap((o) => o.args) },
  ]);
}

/** `_has:Type:ref:param=value`: resources that a `Type` matching `param` points at through `ref`. */
function compileHas(ctx: SqlContext, resourceType: string, f: Filter, alias: string): SqlPart {
  const [, type, refCode, param, ...rest] = f.code.split(':');
  if (!type || !refCode || !param || rest.length || param.includes('.')) {
    throw unsupported(`Unsupported _has parameter: ${f.code}`, f.code);
  }
  const def = ctx.registry.get(type, refCode);
  if (def?.kind !== ParamKind.Reference || !def.targets.includes(resourceType)) {
    throw unsupported(`Unsupported _has parameter: ${f.code}`, f.code);
  }
  const sub = compileFilters(ctx, type, [{ code: param, operator: f.operator, value: f.value }], 'h');
  return {
    sql:
      `${alias}.id IN (SELECT x.tid FROM ix_ref x WHERE x.param = ? AND x.ttype = ? AND x.pk IN ` +
      `(SELECT h.pk FROM resource h WHERE +h.rtype = ? AND h.deleted = 0 AND ${sub.sql}))`,
    args: [ctx.paramId(type, refCode) ?? -1, resourceType, type, ...sub.args],
  };
}

function orValues(f: Filter, one: (v: string) => SqlPart): SqlPart {
  const values = splitValues(f.value);
  if (!values.length || values.some((v) => v.length === 0)) throw unsupported(`Empty value for ${f.code}`, f.code);
  const parts = values.map(one);
  if (parts.length === 1) return parts[0] as SqlPart;
  return { sql: parts.map((p) => `(${p.sql})`).join(' OR '), args: parts.flatMap((p) => p.args) };
}

/** Splits at commas not escaped with a backslash. */
export function splitValues(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && i + 1 < value.length) {
      cur += c + value[++i];
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function indexOfUnescaped(v: string, ch: string): number {
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\') i++;
    else if (v[i] === ch) return i;
  }
  return -1;
}

function unescape(v: string): string {
  return v.replace(/\\([,|$\\])/g, '$1');
}

function likeEscape(v: string): string {
  return v.replace(/[\\%_]/g, (c) => '\\' + c);
}

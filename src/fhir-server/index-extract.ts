import type { Resource } from '@medplum/fhirtypes';
import { dateRange, MAX_TIME, MIN_TIME } from './fhir-dates.ts';
import { ParamKind, type ParamDef } from './search-params.ts';

/** One token index row: a code with its system (`''` when none). */
export interface TokenRow {
  param: number;
  system: string;
  code: string;
}
/** One reference index row: `Patient/123` → type `Patient`, id `123`; other references keep their text in `id`. */
export interface RefRow {
  param: number;
  type: string;
  id: string;
}
/** One date index row: the half-open range of epoch milliseconds. */
export interface DateRow {
  param: number;
  lo: number;
  hi: number;
}
/** One string index row: normalised (lower case, no accents) for default and `:contains`, raw for `:exact`. */
export interface StringRow {
  param: number;
  norm: string;
  raw: string;
}
/** One quantity index row. */
export interface QuantityRow {
  param: number;
  value: number;
  system: string;
  code: string;
  unit: string;
}
/** Display texts of coded values, for `:text`. */
export interface TextRow {
  param: number;
  norm: string;
}

/** Every index row of one resource, ready to insert. */
export interface IndexRows {
  tokens: TokenRow[];
  refs: RefRow[];
  dates: DateRow[];
  strings: StringRow[];
  quantities: QuantityRow[];
  texts: TextRow[];
}

/**
 * Extracts the index rows of one resource for the given parameters.
 * @param resource - The resource as stored (references already rewritten to `Type/id`).
 * @param params - Its indexed parameters, each with the integer id of the `param` table.
 * @returns The rows.
 */
export function extractIndexRows(resource: Resource, params: Iterable<{ def: ParamDef; id: number }>): IndexRows {
  const rows: IndexRows = { tokens: [], refs: [], dates: [], strings: [], quantities: [], texts: [] };
  for (const { def, id } of params) {
    const values = def.extract(resource);
    for (const v of values) {
      switch (def.kind) {
        case ParamKind.Token:
          addToken(rows, id, v);
          break;
        case ParamKind.Reference:
          addRef(rows, id, v);
          break;
        case ParamKind.Date:
          addDate(rows, id, v);
          break;
        case ParamKind.String:
          addString(rows, id, v);
          break;
        case ParamKind.Quantity:
          addQuantity(rows, id, v);
          break;
      }
    }
  }
  return rows;
}

/** @returns Lower case text without diacritics, as FHIR string search compares. */
export function normalizeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function addToken(rows: IndexRows, param: number, v: unknown): void {
  if (typeof v === 'string') rows.tokens.push({ param, system: '', code: v });
  else if (typeof v === 'boolean' || typeof v === 'number') rows.tokens.push({ param, system: '', code: String(v) });
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o['coding'])) {
      for (const c of o['coding'] as Record<string, unknown>[]) {
        addCoding(rows, param, c);
      }
      if (typeof o['text'] === 'string') rows.texts.push({ param, norm: normalizeText(o['text']) });
    } else if (typeof o['code'] === 'string') addCoding(rows, param, o);
    else if (typeof o['value'] === 'string') {
      // Identifier and ContactPoint: system + value.
      rows.tokens.push({ param, system: typeof o['system'] === 'string' ? o['system'] : '', code: o['value'] });
    } else if (typeof o['text'] === 'string') rows.texts.push({ param, norm: normalizeText(o['text']) });
  }
}

function addCoding(rows: IndexRows, param: number, c: Record<string, unknown>): void {
  if (typeof c['code'] === 'string') {
    rows.tokens.push({ param, system: typeof c['system'] === 'string' ? c['system'] : '', code: c['code'] });
  }
  if (typeof c['display'] === 'string') rows.texts.push({ param, norm: normalizeText(c['display']) });
}

/**
 * Splits a reference into type and id: `Patient/1`, `Patient/1/_history/2` and `http://x/fhir/Patient/1` all give
 * `Patient` / `1`. Anything else (urn:uuid, a canonical) is kept whole with an empty type.
 * @returns `[type, id]`.
 */
export function splitReference(ref: string): [string, string] {
  const hist = ref.indexOf('/_history/');
  const s = hist >= 0 ? ref.slice(0, hist) : ref;
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(s);
  return m ? [m[1] as string, m[2] as string] : ['', ref];
}

function addRef(rows: IndexRows, param: number, v: unknown): void {
  const ref = typeof v === 'string' ? v : (v as { reference?: unknown } | null)?.reference;
  if (typeof ref !== 'string') return;
  const [type, id] = splitReference(ref);
  rows.refs.push({ param, type, id });
}

function addDate(rows: IndexRows, param: number, v: unknown): void {
  if (typeof v === 'string') {
    const r = dateRange(v);
    if (r) rows.dates.push({ param, lo: r[0], hi: r[1] });
  } else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('start' in o || 'end' in o) {
      const lo = typeof o['start'] === 'string' ? (dateRange(o['start'])?.[0] ?? MIN_TIME) : MIN_TIME;
      const hi = typeof o['end'] === 'string' ? (dateRange(o['end'])?.[1] ?? MAX_TIME) : MAX_TIME;
      rows.dates.push({ param, lo, hi });
    } else if (Array.isArray(o['event'])) for (const e of o['event']) addDate(rows, param, e);
  }
}

const NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

function addString(rows: IndexRows, param: number, v: unknown): void {
  if (typeof v === 'string') {
    rows.strings.push({ param, norm: normalizeText(v), raw: v });
    return;
  }
  if (!v || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  const parts = 'family' in o || 'given' in o ? NAME_PARTS : ADDRESS_PARTS;
  for (const p of parts) {
    const x = o[p];
    if (typeof x === 'string') addString(rows, param, x);
    else if (Array.isArray(x)) for (const s of x) if (typeof s === 'string') addString(rows, param, s);
  }
}

function addQuantity(rows: IndexRows, param: number, v: unknown): void {
  if (!v || typeof v !== 'object') return;
  const q = v as Record<string, unknown>;
  if (typeof q['value'] !== 'number') return;
  rows.quantities.push({
    param,
    value: q['value'],
    system: typeof q['system'] === 'string' ? q['system'] : '',
    code: typeof q['code'] === 'string' ? q['code'] : '',
    unit: typeof q['unit'] === 'string' ? q['unit'] : '',
  });
}

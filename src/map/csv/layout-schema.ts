/**
 * JSON Schema (checked with ajv, defaults applied) of a CSV layout file, `mappings/csv/<id>.yaml`. The schema
 * checks shape only; what needs the mapping set or more than one field (analyte ids, units and their conversion,
 * a column named twice, wide versus long sections, the file name, the zone, the subject system) is checked by
 * `load-layouts.ts`, so that one file's problems are all reported together.
 */
import { LocalCodesSchema } from '../mapping-schema.ts';
import { CSV_DELIMITERS, CSV_ENCODINGS } from '../../ingest/csv/csv-types.ts';
import { CSV_DATE_FORMATS, DEFAULT_MISSING, LayoutKind } from './layout-types.ts';
import { StudyLayoutKind } from './study-layout-types.ts';

/** A text that is not empty. */
export const nonEmpty = { type: 'string', minLength: 1 } as const;
/** Lower-case words joined by `-`: ids and codes. */
export const kebab = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' } as const;
/** `{ column: <header text> }`. */
export const columnRef = {
  type: 'object',
  required: ['column'],
  additionalProperties: false,
  properties: { column: nonEmpty },
} as const;

/**
 * A column whose texts the layout maps to values of its own (`M6: month-6`, `done: completed`).
 * @param value - The schema of a mapped value.
 */
export function mappedColumn<V>(value: V) {
  return {
    type: 'object',
    required: ['column', 'values'],
    additionalProperties: false,
    properties: {
      column: nonEmpty,
      values: { type: 'object', minProperties: 1, additionalProperties: value },
    },
  } as const;
}

/** The schema of a CSV layout file. */
export const CsvLayoutSchema = {
  type: 'object',
  required: ['id', 'description', 'kind', 'source', 'format', 'dateFormat', 'timezone', 'subject', 'date'],
  additionalProperties: false,
  properties: {
    id: kebab,
    description: nonEmpty,
    // Study kinds are checked against their own schema; listed here so that an unknown kind's message names them.
    kind: { enum: [...Object.values(LayoutKind), ...Object.values(StudyLayoutKind)] },
    source: kebab,
    format: {
      type: 'object',
      required: ['delimiter'],
      additionalProperties: false,
      properties: {
        delimiter: { enum: [...CSV_DELIMITERS] },
        quote: { type: 'string', minLength: 1, maxLength: 1, default: '"' },
        encoding: { enum: [...CSV_ENCODINGS], default: 'utf-8' },
        header: { const: true, default: true },
        decimalComma: { type: 'boolean', default: false },
      },
    },
    dateFormat: { enum: [...CSV_DATE_FORMATS] },
    // Checked by the loader (Z or ±HH:MM within range), with a clearer message than a pattern gives.
    timezone: nonEmpty,
    missing: { type: 'array', items: { type: 'string' }, default: [...DEFAULT_MISSING] },
    subject: {
      type: 'object',
      required: ['column', 'system'],
      additionalProperties: false,
      // `system` is checked by the loader to be an absolute URI.
      properties: { column: nonEmpty, system: nonEmpty },
    },
    visit: mappedColumn(kebab),
    date: columnRef,
    columns: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['column', 'analyte', 'unit'],
        additionalProperties: false,
        properties: { column: nonEmpty, analyte: nonEmpty, unit: nonEmpty },
      },
    },
    long: {
      type: 'object',
      required: ['code', 'value', 'unit', 'codes'],
      additionalProperties: false,
      properties: {
        code: columnRef,
        value: columnRef,
        unit: columnRef,
        codes: LocalCodesSchema,
      },
    },
    extraColumns: { enum: ['ignore', 'reject'], default: 'ignore' },
    study: kebab,
  },
} as const;

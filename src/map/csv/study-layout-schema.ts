/**
 * JSON Schema (checked with ajv, defaults applied) of the study CSV layouts: randomization rosters, infusion logs
 * and adverse-event logs. The reading part (format, dates, zone, missing values, subject) is the lab layouts' own;
 * what needs the study or more than one field (the study exists, arm names and product codes are the study's, one
 * section per kind, a column named twice, a blinded study's infusion log without a product column) is checked by
 * `resolve-study-layout.ts`, so that every problem of every file is reported together.
 */
import {
  AE_OUTCOME,
  AE_SERIOUSNESS,
  AE_SEVERITY,
  INFUSION_STATUS,
  RESEARCH_SUBJECT_STATUS,
} from '../study/study-codes.ts';
import { columnRef, CsvLayoutSchema, kebab, mappedColumn, nonEmpty } from './layout-schema.ts';
import { StudyLayoutKind } from './study-layout-types.ts';

const column = columnRef;

/** A column whose texts map to the codes `codes`. */
const coded = (codes: readonly string[]) => mappedColumn({ enum: [...codes] });

const armColumn = {
  type: 'object',
  required: ['column'],
  additionalProperties: false,
  properties: {
    column: nonEmpty,
    values: { type: 'object', minProperties: 1, additionalProperties: nonEmpty },
  },
} as const;

const roster = {
  type: 'object',
  required: ['status', 'assignedArm'],
  additionalProperties: false,
  properties: {
    status: coded(RESEARCH_SUBJECT_STATUS),
    assignedArm: armColumn,
    actualArm: armColumn,
    start: column,
    end: column,
  },
} as const;

const infusion = {
  type: 'object',
  required: ['status', 'start', 'dose'],
  additionalProperties: false,
  properties: {
    doseNumber: column,
    status: coded(INFUSION_STATUS),
    reason: column,
    start: column,
    end: column,
    product: mappedColumn(kebab),
    lot: column,
    expiry: column,
    dose: {
      type: 'object',
      additionalProperties: false,
      // `total`, or `perKg` with `weight`; which one is checked by the loader with a clearer message.
      minProperties: 1,
      properties: { total: column, perKg: column, weight: column },
    },
  },
} as const;

const adverseEvent = {
  type: 'object',
  required: ['event', 'date', 'seriousness'],
  additionalProperties: false,
  properties: {
    number: column,
    event: {
      type: 'object',
      required: ['column', 'codes'],
      additionalProperties: false,
      properties: {
        column: nonEmpty,
        codes: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['local', 'system', 'code', 'display'],
            additionalProperties: false,
            properties: { local: nonEmpty, system: nonEmpty, code: nonEmpty, display: nonEmpty },
          },
        },
      },
    },
    date: column,
    detected: column,
    seriousness: coded(Object.keys(AE_SERIOUSNESS.codes)),
    severity: coded(Object.keys(AE_SEVERITY.codes)),
    grade: column,
    outcome: coded(Object.keys(AE_OUTCOME.codes)),
    suspect: {
      type: 'object',
      required: ['column', 'by'],
      additionalProperties: false,
      properties: { column: nonEmpty, by: { enum: ['dose-number', 'date'] }, source: kebab },
    },
  },
} as const;

const base = CsvLayoutSchema.properties;

/** The schema of a study layout file (kind `roster`, `infusion-log` or `adverse-events`). */
export const StudyLayoutSchema = {
  type: 'object',
  required: ['id', 'description', 'kind', 'study', 'source', 'format', 'dateFormat', 'timezone', 'subject'],
  additionalProperties: false,
  properties: {
    id: base.id,
    description: base.description,
    kind: { enum: Object.values(StudyLayoutKind) },
    study: kebab,
    source: base.source,
    format: base.format,
    dateFormat: base.dateFormat,
    timezone: base.timezone,
    missing: base.missing,
    subject: base.subject,
    extraColumns: base.extraColumns,
    roster,
    infusion,
    adverseEvent,
  },
} as const;

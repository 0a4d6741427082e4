/**
 * JSON Schema (checked with ajv, defaults applied) of a study definition file, `mappings/studies/<id>.yaml`. The
 * schema checks shape and the FHIR code lists; what needs more than one field or the mapping set (the file name,
 * unique arm names and visit codes, the blinding rules, product codes in their CodeSystem, dose visits numbered
 * 1..n, absolute URIs, a period that ends after it starts) is checked by `load-studies.ts`, so that every problem
 * of every file is reported together.
 */
import {
  RESEARCH_STUDY_ARM_TYPE,
  RESEARCH_STUDY_PHASE,
  RESEARCH_STUDY_PURPOSE,
  RESEARCH_STUDY_STATUS,
} from './study-codes.ts';

const nonEmpty = { type: 'string', minLength: 1 } as const;
const kebab = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' } as const;
// A FHIR date of year, month or day precision; whether the day exists is checked by the loader.
const fhirDate = { type: 'string', pattern: '^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$' } as const;
const coding = {
  type: 'object',
  required: ['system', 'code', 'display'],
  additionalProperties: false,
  properties: { system: nonEmpty, code: nonEmpty, display: nonEmpty },
} as const;

/** The schema of a study definition file. */
export const StudySchema = {
  type: 'object',
  required: ['id', 'title', 'identifiers', 'status', 'phase', 'primaryPurposeType', 'blinded', 'arms', 'products'],
  additionalProperties: false,
  properties: {
    id: kebab,
    title: nonEmpty,
    description: nonEmpty,
    identifiers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['system', 'value'],
        additionalProperties: false,
        properties: { system: nonEmpty, value: nonEmpty },
      },
    },
    status: { enum: [...RESEARCH_STUDY_STATUS] },
    phase: { enum: Object.keys(RESEARCH_STUDY_PHASE.codes) },
    primaryPurposeType: { enum: Object.keys(RESEARCH_STUDY_PURPOSE.codes) },
    period: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: { start: fhirDate, end: fhirDate },
    },
    blinded: { type: 'boolean' },
    conditions: { type: 'array', items: coding, default: [] },
    arms: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: nonEmpty,
          type: { enum: Object.keys(RESEARCH_STUDY_ARM_TYPE.codes) },
          description: nonEmpty,
          product: kebab,
        },
      },
    },
    visits: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        required: ['code', 'day', 'window'],
        additionalProperties: false,
        properties: { code: kebab, day: { type: 'integer' }, window: { type: 'integer', minimum: 0 } },
      },
    },
    products: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['code', 'text'],
        additionalProperties: false,
        properties: { code: kebab, text: nonEmpty, cellDose: { type: 'boolean', default: true } },
      },
    },
  },
} as const;

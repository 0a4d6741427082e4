/**
 * JSON Schemas (checked with ajv) for each kind of file under `mappings/`. The kind is decided by the folder a
 * file lives in; see {@link schemaForPath}. Cross-file checks (a sender naming an unknown analyte, a template
 * naming an unknown table) live in `check-references.ts`.
 */

import { RequestMode } from './mapping-types.ts';

const hl7Path = { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}(\\.[1-9][0-9]*){1,3}$' } as const;
const uri = { type: 'string', pattern: '^(https?://|urn:(oid|uuid):)\\S+$' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;

/** A default zone for times sent without one: `Z` or `±HH:MM`, at most 14 hours (senders, CSV layouts). */
export const TIMEZONE_PATTERN = '^(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$';

/** A local code table (sender files, long CSV layouts): local code, analyte id, optional unit of its values. */
export const LocalCodesSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['local', 'analyte'],
    additionalProperties: false,
    properties: { local: nonEmpty, analyte: nonEmpty, unit: nonEmpty },
  },
} as const;

const condition = {
  $id: 'condition',
  oneOf: [
    {
      type: 'object',
      required: ['field', 'equals'],
      properties: { field: hl7Path, equals: { type: 'string' } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['field', 'in'],
      properties: { field: hl7Path, in: { type: 'array', items: { type: 'string' }, minItems: 1 } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['field', 'notNull'],
      properties: { field: hl7Path, notNull: { const: true } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['field', 'isNull'],
      properties: { field: hl7Path, isNull: { const: true } },
      additionalProperties: false,
    },
    { type: 'object', required: ['mapped'], properties: { mapped: hl7Path }, additionalProperties: false },
    {
      type: 'object',
      required: ['lookup', 'key', 'equals'],
      properties: {
        lookup: { type: 'string', minLength: 1 },
        key: { anyOf: [hl7Path, { type: 'array', items: hl7Path, minItems: 1 }] },
        get: { type: 'string', minLength: 1 },
        equals: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['all'],
      properties: { all: { type: 'array', items: { $ref: 'condition' }, minItems: 1 } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['any'],
      properties: { any: { type: 'array', items: { $ref: 'condition' }, minItems: 1 } },
      additionalProperties: false,
    },
    { type: 'object', required: ['not'], properties: { not: { $ref: 'condition' } }, additionalProperties: false },
  ],
} as const;

const manifest = {
  type: 'object',
  required: ['message', 'versions', 'context', 'resources'],
  additionalProperties: false,
  properties: {
    message: { type: 'string', pattern: '^[A-Z0-9]{3}\\^[A-Z0-9]{3}$' },
    description: { type: 'string' },
    versions: { type: 'array', items: { type: 'string', pattern: '^2\\.[0-9](\\.[0-9])?$' }, minItems: 1 },
    context: {
      type: 'object',
      propertyNames: { pattern: '^[A-Z][A-Z0-9]{2}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          resets: { type: 'array', items: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$' } },
          claims: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$' },
          lookahead: { type: 'array', items: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$' }, minItems: 1 },
        },
      },
    },
    resources: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'segment', 'resource', 'template'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[a-z][A-Za-z0-9]*$' },
          segment: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$' },
          resource: { type: 'string', pattern: '^[A-Z][A-Za-z]+$' },
          template: nonEmpty,
          when: { $ref: 'condition' },
          request: { enum: Object.values(RequestMode) },
          disambiguateBy: hl7Path,
          duplicates: { const: 'same-resource' },
          companions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['segment', 'element', 'template'],
              additionalProperties: false,
              properties: {
                segment: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$' },
                element: nonEmpty,
                template: nonEmpty,
              },
            },
          },
        },
      },
    },
  },
} as const;

const table = {
  type: 'object',
  required: ['name', 'map', 'unknown'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    description: { type: 'string' },
    source: { type: 'string' },
    map: { type: 'object', minProperties: 1 },
    empty: {},
    unknown: {
      oneOf: [
        { const: 'error' },
        { type: 'object', required: ['default'], properties: { default: {} }, additionalProperties: false },
      ],
    },
  },
} as const;

const analyteFile = {
  type: 'object',
  required: ['analytes'],
  additionalProperties: false,
  properties: {
    analytes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'code', 'display', 'source'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
          code: nonEmpty,
          system: uri,
          display: nonEmpty,
          source: nonEmpty,
          property: { type: 'string' },
          unit: { type: 'string' },
          molarMass: { type: 'number', exclusiveMinimum: 0 },
          valueType: { enum: ['Quantity', 'CodeableConcept', 'string', 'Ratio'] },
          conversions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['from', 'multiply', 'source'],
              additionalProperties: false,
              properties: {
                from: nonEmpty,
                multiply: { type: 'number' },
                add: { type: 'number' },
                source: nonEmpty,
              },
            },
          },
          notes: { type: 'string' },
        },
      },
    },
  },
} as const;

const sender = {
  type: 'object',
  required: ['id', 'match', 'localCodeSystem', 'timezone', 'unmappedCodes'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
    description: { type: 'string' },
    match: {
      type: 'object',
      required: ['sendingApplication', 'sendingFacility'],
      additionalProperties: false,
      properties: { sendingApplication: nonEmpty, sendingFacility: nonEmpty },
    },
    localCodeSystem: uri,
    timezone: { type: 'string', pattern: TIMEZONE_PATTERN },
    unmappedCodes: { enum: ['reject', 'pass-through'] },
    identifierSystems: { type: 'object', additionalProperties: uri },
    codes: LocalCodesSchema,
  },
} as const;

const unitAliases = {
  type: 'object',
  required: ['aliases'],
  additionalProperties: false,
  properties: {
    aliases: {
      type: 'array',
      items: {
        type: 'object',
        required: ['from', 'to'],
        additionalProperties: false,
        properties: { from: nonEmpty, to: nonEmpty },
      },
    },
  },
} as const;

const codingSystems = {
  type: 'object',
  required: ['systems'],
  additionalProperties: false,
  properties: {
    systems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['uri'],
        additionalProperties: false,
        properties: {
          names: { type: 'array', items: nonEmpty, minItems: 1 },
          pattern: nonEmpty,
          uri: { type: 'string', minLength: 1 },
          source: { type: 'string' },
          notes: { type: 'string' },
        },
        anyOf: [{ required: ['names'] }, { required: ['pattern'] }],
      },
    },
  },
} as const;

const codeSystem = {
  type: 'object',
  required: ['url', 'name', 'status', 'concepts'],
  additionalProperties: true,
  properties: {
    url: uri,
    name: nonEmpty,
    status: { enum: ['draft', 'active', 'retired', 'unknown'] },
    concepts: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['code', 'display'],
        properties: { code: nonEmpty, display: nonEmpty, definition: { type: 'string' } },
      },
    },
  },
} as const;

const settings = {
  type: 'object',
  required: ['canonicalBase', 'identifierBase'],
  additionalProperties: false,
  properties: { canonicalBase: uri, identifierBase: uri },
} as const;

/** A template file is any YAML mapping with a `resourceType` or a datatype fragment; checked structurally at load. */
const template = { type: 'object', minProperties: 1 } as const;

/** The schemas by file kind. */
export const MappingSchemas = {
  condition,
  manifest,
  table,
  analyteFile,
  sender,
  unitAliases,
  codingSystems,
  codeSystem,
  settings,
  template,
} as const;

/** One of the mapping file kinds. */
export type MappingFileKind = Exclude<keyof typeof MappingSchemas, 'condition'>;

/**
 * Decides a file's kind from where it lives under `mappings/`.
 * @param relPath - Path relative to the mappings directory, with `/` separators.
 * @returns The kind, or undefined for files that are not mapping data (README, docs, CSV layouts of later issues).
 */
export function schemaForPath(relPath: string): MappingFileKind | undefined {
  if (!/\.ya?ml$/.test(relPath)) return undefined;
  const top = relPath.split('/')[0];
  if (relPath === 'settings.yaml') return 'settings';
  if (relPath === 'coding-systems.yaml') return 'codingSystems';
  switch (top) {
    case 'messages':
      return 'manifest';
    case 'templates':
      return 'template';
    case 'tables':
      return 'table';
    case 'analytes':
      return 'analyteFile';
    case 'senders':
      return 'sender';
    case 'units':
      return 'unitAliases';
    case 'codesystems':
      return 'codeSystem';
    default:
      return undefined;
  }
}

/**
 * Shapes of the mapping files in `mappings/` (as checked by `mapping-schema.ts`) and of the loaded,
 * indexed set the engine works from. The engine knows HL7 datatypes and FHIR datatypes; every fact about
 * a lab, a sender or a message type is in these files.
 */
import type { Studies } from './study/study-types.ts';

/** A node of a resource template: literal YAML, or an object with `$` directives (see mappings/README.md). */
export type TemplateNode = unknown;

/** A condition from the closed vocabulary used by `$when` and `$choose`. */
export type Condition =
  | { field: string; equals: string }
  | { field: string; in: string[] }
  | { field: string; notNull: true }
  | { field: string; isNull: true }
  | { mapped: string }
  | { lookup: string; key: string | string[]; get?: string; equals: string | number | boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** How the transaction entry for a resource is requested. */
export const RequestMode = {
  /** `PUT Type?identifier=system|value`: creates or updates the one resource with that business identifier. */
  ConditionalUpdate: 'conditional-update',
  /** `PUT Type/<deterministic id>`: for resources without an identifier element (Provenance). */
  UpdateById: 'update-by-id',
  /**
   * `POST Type` with `ifNoneExist: identifier=system|value`: creates the resource only when none has the business
   * identifier, never overwriting one that a more complete source wrote (a roster's ResearchSubject with its arms).
   */
  ConditionalCreate: 'conditional-create',
} as const;
/** One of {@link RequestMode}. */
export type RequestMode = (typeof RequestMode)[keyof typeof RequestMode];

/** One rule of a message manifest: which segment becomes which resource. */
export interface ResourceRule {
  /** Name other templates use in `$ref` / `$refs`. */
  name: string;
  /** Segment ID that triggers the rule, once per occurrence. */
  segment: string;
  /** FHIR resource type produced. */
  resource: string;
  /** Template name, a file `mappings/templates/<template>.yaml`. */
  template: string;
  /** Only produce the resource when this holds. */
  when?: Condition;
  /** Segments that directly follow the trigger segment and feed an element of the same resource (NTE → note). */
  companions?: { segment: string; element: string; template: string }[];
  /** How the transaction entry is requested; default conditional update on `identifier[0]` (see {@link RequestMode}). */
  request?: RequestMode;
  /** When two resources of this rule get the same business identifier: append this field to tell them apart. */
  disambiguateBy?: string;
  /**
   * `same-resource`: two segments with the same business identifier describe one real-world thing (a specimen
   * shared by two orders) and become one resource. Without it, a repeated identifier is an error.
   */
  duplicates?: 'same-resource';
}

/** What one segment does to the segments in force while a message is walked. */
export interface ContextRule {
  /** Segment IDs whose context ends when this segment starts. */
  resets?: string[];
  /** A header segment (ORC) this segment takes for itself, so the header serves one such segment only. */
  claims?: string;
  /**
   * Segment IDs that the message structure places after this segment in its group but that qualify it (RXR after
   * the RXA it routes, CTI at the end of an order). A segment of such an ID that comes later, before a segment
   * that resets this one, is in force for this segment as if it had come first.
   */
  lookahead?: string[];
}

/** A message manifest, `mappings/messages/<TYPE>_<TRIGGER>.yaml`. */
export interface MessageManifest {
  /** e.g. `ORU^R01`. */
  message: string;
  description?: string;
  /** Accepted MSH-12 versions. */
  versions: string[];
  /** Segment ID → how it shapes the segments in force (group structure as data); see {@link ContextRule}. */
  context: Record<string, ContextRule>;
  resources: ResourceRule[];
}

/** A value table: HL7 code → FHIR code (or other literal). */
export interface ValueTable {
  name: string;
  description?: string;
  source?: string;
  /** HL7 code → result. */
  map: Record<string, unknown>;
  /** Result for an empty input. */
  empty?: unknown;
  /** What to do with a code that is not in the map: an error, or this default. */
  unknown: 'error' | { default: unknown };
}

/** A conversion that is not unit algebra: `result = value * multiply + add`. */
export interface LinearConversion {
  from: string;
  multiply: number;
  add?: number;
  source: string;
}

/** One measure the studies know: its target code and canonical unit. */
export interface Analyte {
  id: string;
  code: string;
  system: string;
  display: string;
  source: string;
  property?: string;
  /** Canonical UCUM unit. */
  unit?: string;
  molarMass?: number;
  valueType?: 'Quantity' | 'CodeableConcept' | 'string' | 'Ratio';
  conversions?: LinearConversion[];
  notes?: string;
}

/** A sending system's configuration and local code table. */
export interface Sender {
  id: string;
  description?: string;
  match: { sendingApplication: string; sendingFacility: string };
  localCodeSystem: string;
  /** Default zone for times without one, `+08:00` or `Z`. */
  timezone: string;
  unmappedCodes: 'reject' | 'pass-through';
  identifierSystems?: Record<string, string>;
  codes?: { local: string; analyte: string; unit?: string }[];
}

/** Global settings, `mappings/settings.yaml`. */
export interface Settings {
  /** Base of studybridge's own canonical URLs, e.g. `https://studybridge.org/fhir`. */
  canonicalBase: string;
  /** Base of business identifier systems; the sender id is appended. */
  identifierBase: string;
}

/** The loaded, validated and indexed mapping set. Frozen; passed to stages as a value. */
export interface Mappings {
  readonly dir: string;
  readonly settings: Settings;
  /** Manifests by message type, e.g. `ORU^R01`. */
  readonly manifests: ReadonlyMap<string, MessageManifest>;
  readonly templates: ReadonlyMap<string, TemplateNode>;
  readonly tables: ReadonlyMap<string, ValueTable>;
  readonly analytes: ReadonlyMap<string, Analyte>;
  /** Analytes by `system|code` of their target code. */
  readonly analytesByCode: ReadonlyMap<string, Analyte>;
  /** Senders in match order: specific ones first, the catch-all last. */
  readonly senders: readonly Sender[];
  /** Per sender id: local code → row. */
  readonly localCodes: ReadonlyMap<string, ReadonlyMap<string, { analyte: Analyte; unit?: string }>>;
  /** What senders write → UCUM code. */
  readonly unitAliases: ReadonlyMap<string, string>;
  /** HL7 coding-system name (table 0396) → URI. */
  readonly codingSystems: ReadonlyMap<string, string>;
  /** Patterns such as `HL7nnnn` → URI template with `$1`. */
  readonly codingSystemPatterns: readonly { pattern: RegExp; uri: string }[];
  /** Local CodeSystems shipped with the mappings (by URL), as FHIR-like objects. */
  readonly codeSystems: ReadonlyMap<string, { url: string; concepts: { code: string; display: string }[] }>;
  /** Keyed records derived from mapping data when it loads (the study definitions), read by `$lookup`. */
  readonly lookups: ReadonlyMap<string, Lookup>;
  /** The study definitions of `studies/`, resolved (absent or empty for a lab-only mapping set). */
  readonly studies?: Studies;
}

/**
 * A set of records derived from mapping data at load time, found by a key that a template builds from message
 * fields (`$lookup`). Keys of several parts are joined with `|`.
 */
export interface Lookup {
  /** What the records are, as said in the error for a key that is not there ("study defined in mappings/studies"). */
  readonly description: string;
  readonly records: ReadonlyMap<string, unknown>;
  /**
   * The set the first part of a key of several parts must be a key of (a visit's study): a key whose first part is
   * not is reported as that set's miss, so an unknown study is one problem, not one per set that names it.
   */
  readonly within?: string;
}

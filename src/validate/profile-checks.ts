import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { CORE_SD_BASE, FHIR_VERSION, STUDYBRIDGE_SD_BASE } from './definitions.ts';
import { parseMax } from './element-parts.ts';
import { typeCode } from './type-codes.ts';

/** A problem found in a profile file: JSON pointer into it, and why. */
export interface ProfileProblem {
  readonly pointer: string;
  readonly reason: string;
}

/** What the checks need to look up. */
export interface BaseLookup {
  /** Core definition by canonical URL. */
  definition(url: string): StructureDefinition | undefined;
  /** Concrete R4 resource types. */
  readonly resourceTypes: ReadonlySet<string>;
}

/** ElementDefinition properties that would constrain instances but that the validator does not enforce. */
const UNSUPPORTED = /^(maxLength|minValue|maxValue)/;

/**
 * Checks what a studybridge profile must be before it is compiled: its identity (id, canonical URL, FHIR
 * version, derivation from a core resource), and that its snapshot only tightens the base definition
 * (every path exists in the base or in a datatype, cardinality within the base, types a subset).
 * @param value - Parsed JSON of the file.
 * @param fileId - The `<id>` part of `StructureDefinition-<id>.json`.
 * @param base - Core lookups.
 * @returns Every problem found (empty when the profile is usable).
 */
export function checkProfile(value: unknown, fileId: string, base: BaseLookup): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const add = (pointer: string, reason: string): number => problems.push({ pointer, reason });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    add('', 'Not a JSON object');
    return problems;
  }
  const sd = value as StructureDefinition;
  if (sd.resourceType !== 'StructureDefinition') add('/resourceType', 'Must be StructureDefinition');
  if (sd.id !== fileId) add('/id', `Must be "${fileId}" to match the file name`);
  if (sd.url !== STUDYBRIDGE_SD_BASE + fileId) add('/url', `Must be ${STUDYBRIDGE_SD_BASE}${fileId}`);
  if (sd.fhirVersion !== FHIR_VERSION) add('/fhirVersion', `Must be ${FHIR_VERSION}`);
  if (sd.kind !== 'resource' || sd.derivation !== 'constraint')
    add('/derivation', 'Must be a constraint on a resource');
  if (!base.resourceTypes.has(sd.type)) add('/type', 'Must be an R4 resource type');
  if (sd.baseDefinition !== CORE_SD_BASE + sd.type) add('/baseDefinition', `Must be ${CORE_SD_BASE}${sd.type}`);
  if (!sd.differential?.element?.length) add('/differential', 'Differential is missing or empty');
  const elements = sd.snapshot?.element;
  if (!Array.isArray(elements) || elements.length === 0) {
    add('/snapshot', 'Snapshot is missing or empty');
    return problems;
  }
  const baseSd = base.definition(CORE_SD_BASE + sd.type);
  if (!baseSd) return problems;
  if (elements[0]?.path !== sd.type) add('/snapshot/element/0', `Root element path must be ${sd.type}`);
  elements.forEach((ed, i) => {
    for (const reason of compareWithBase(ed, baseSd, base))
      add(`/snapshot/element/${i}`, `${ed.id ?? ed.path}: ${reason}`);
  });
  return problems;
}

function compareWithBase(ed: ElementDefinition, baseSd: StructureDefinition, base: BaseLookup): string[] {
  if (typeof ed?.path !== 'string') return ['Element has no path'];
  const reasons: string[] = [];
  for (const key of Object.keys(ed)) if (UNSUPPORTED.test(key)) reasons.push(`${key} is not enforced by the validator`);
  const original = findBase(ed.path, baseSd, base);
  if (!original) return [...reasons, `Path ${ed.path} does not exist in ${baseSd.type}`];
  const min = ed.min ?? 0;
  const max = parseMax(ed.max);
  if (min < (original.min ?? 0) && !ed.sliceName) reasons.push(`min ${min} is below the base min ${original.min}`);
  if (max > parseMax(original.max)) reasons.push(`max ${ed.max} is above the base max ${original.max}`);
  const allowed = new Set((original.type ?? []).map((t) => typeCode(t, original)));
  const bad = (ed.type ?? []).map((t) => typeCode(t, ed)).filter((c) => !allowed.has(c));
  if (bad.length > 0) reasons.push(`Type(s) ${bad.join(', ')} not allowed by the base`);
  for (const t of ed.type ?? []) {
    for (const p of t.profile ?? [])
      if (!isCoreTypeProfile(p, t.code, base)) reasons.push(`Type profile ${p} is not supported`);
  }
  return reasons;
}

/**
 * The base element for a path, looking into datatypes for paths a profile expanded (`Patient.identifier.system`).
 * @param path - Element path in the profile.
 * @param sd - The base definition.
 * @param base - Core lookups.
 * @returns The base element, or undefined when the path does not exist.
 */
export function findBase(path: string, sd: StructureDefinition, base: BaseLookup): ElementDefinition | undefined {
  const elements = sd.snapshot?.element ?? [];
  const direct = elements.find((e) => e.path === path);
  if (direct) return direct;
  for (const e of elements) {
    if (!path.startsWith(e.path + '.')) continue;
    const code = e.type?.length === 1 && e.type[0] ? typeCode(e.type[0], e) : undefined;
    const dt = code ? base.definition(CORE_SD_BASE + code) : undefined;
    if (dt && dt.kind !== 'resource') return findBase(code + path.slice(e.path.length), dt, base);
  }
  return undefined;
}

function isCoreTypeProfile(url: string, code: string, base: BaseLookup): boolean {
  if (code === 'Extension') return true;
  return base.definition(url)?.type === code;
}

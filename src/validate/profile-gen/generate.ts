import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { CORE_SD_BASE, FHIR_VERSION, STUDYBRIDGE_SD_BASE } from '../definitions.ts';
import type { ElementChange, ProfileSpec } from './spec-types.ts';

/** Version written into generated profiles. */
export const PROFILE_VERSION = '0.1.0';

/**
 * Generates a profile's StructureDefinition from its compact spec, deterministically (same spec and same core
 * definitions give byte-identical JSON). The snapshot is the base resource's snapshot with each change
 * applied: slices are cloned from the sliced element and inserted after it; a change below a datatype
 * element first expands that datatype's elements into the snapshot. The differential holds exactly the
 * changed properties of each changed element.
 * @param spec - The profile spec.
 * @param core - Core definition by canonical URL (the cleaned R4 definitions).
 * @returns The StructureDefinition.
 * @throws Error when a change names an element that cannot be found or created.
 */
export function generateProfile(
  spec: ProfileSpec,
  core: (url: string) => StructureDefinition | undefined,
): StructureDefinition {
  const url = STUDYBRIDGE_SD_BASE + spec.id;
  const base = core(CORE_SD_BASE + spec.type);
  if (!base?.snapshot?.element) throw new Error(`No core definition for ${spec.type}`);
  const snapshot = structuredClone(base.snapshot.element);
  const changed = new Map<string, ElementDefinition>();
  for (const change of spec.elements) {
    const index = locate(snapshot, change.id, core);
    const target = snapshot[index] as ElementDefinition;
    const diff = changed.get(change.id) ?? diffStub(target);
    apply(change, target, diff, url);
    changed.set(change.id, diff);
  }
  const order = new Map(snapshot.map((e, i) => [e.id, i]));
  const differential = [...changed.values()].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return {
    resourceType: 'StructureDefinition',
    id: spec.id,
    url,
    version: PROFILE_VERSION,
    name: spec.name,
    title: spec.title,
    status: 'draft',
    publisher: 'studybridge',
    description: spec.description,
    fhirVersion: FHIR_VERSION,
    kind: 'resource',
    abstract: false,
    type: spec.type,
    baseDefinition: CORE_SD_BASE + spec.type,
    derivation: 'constraint',
    snapshot: { element: snapshot },
    differential: { element: differential },
  };
}

function diffStub(target: ElementDefinition): ElementDefinition {
  return { id: target.id, path: target.path, ...(target.sliceName ? { sliceName: target.sliceName } : {}) };
}

function apply(change: ElementChange, target: ElementDefinition, diff: ElementDefinition, url: string): void {
  const { id: _id, constraint, ...simple } = change;
  Object.assign(target, simple);
  Object.assign(diff, simple);
  if (constraint) {
    const added = constraint.map((c) => ({ ...c, source: url }));
    target.constraint = [...(target.constraint ?? []), ...added];
    diff.constraint = [...(diff.constraint ?? []), ...added];
  }
}

/** Finds the element with an id, creating a slice or expanding a datatype when needed. */
function locate(
  snapshot: ElementDefinition[],
  id: string,
  core: (url: string) => StructureDefinition | undefined,
): number {
  const found = snapshot.findIndex((e) => e.id === id);
  if (found >= 0) return found;
  const dot = id.lastIndexOf('.');
  const parentId = id.slice(0, dot);
  const last = id.slice(dot + 1);
  const colon = last.indexOf(':');
  if (colon >= 0) return insertSlice(snapshot, `${parentId}.${last.slice(0, colon)}`, last.slice(colon + 1));
  const parent = snapshot.findIndex((e) => e.id === parentId);
  const code = snapshot[parent]?.type?.length === 1 ? snapshot[parent]?.type?.[0]?.code : undefined;
  const datatype = code ? core(CORE_SD_BASE + code) : undefined;
  if (parent < 0 || !datatype?.snapshot?.element || datatype.kind === 'resource') {
    throw new Error(`Cannot place element ${id}`);
  }
  const parentEl = snapshot[parent] as ElementDefinition;
  const children = datatype.snapshot.element.slice(1).map((e) => {
    const el = structuredClone(e);
    el.id = parentEl.id + (e.id ?? e.path).slice(datatype.type.length);
    el.path = parentEl.path + e.path.slice(datatype.type.length);
    return el;
  });
  snapshot.splice(parent + 1, 0, ...children);
  return locate(snapshot, id, core);
}

function insertSlice(snapshot: ElementDefinition[], slicedId: string, sliceName: string): number {
  const sliced = snapshot.findIndex((e) => e.id === slicedId);
  if (sliced < 0) throw new Error(`No element ${slicedId} to slice`);
  let end = sliced + 1;
  while (end < snapshot.length && isUnder(snapshot[end]?.id ?? '', slicedId)) end++;
  const { slicing: _slicing, ...rest } = structuredClone(snapshot[sliced] as ElementDefinition);
  snapshot.splice(end, 0, { ...rest, id: `${slicedId}:${sliceName}`, sliceName });
  return end;
}

function isUnder(id: string, slicedId: string): boolean {
  return id.startsWith(slicedId + '.') || id.startsWith(slicedId + ':');
}

import type { ElementDefinition } from '@medplum/fhirtypes';

/** One snapshot element with the elements nested under it. */
export interface SnapshotNode {
  readonly ed: ElementDefinition;
  /** Position in `snapshot.element`, for problem locations. */
  readonly index: number;
  readonly children: SnapshotNode[];
  /** Slices of this element (elements with a `sliceName` and the same path). */
  readonly slices: SnapshotNode[];
}

/** The snapshot as a tree, with every node findable by element id. */
export interface SnapshotTree {
  readonly root: SnapshotNode;
  readonly byId: ReadonlyMap<string, SnapshotNode>;
}

/**
 * Arranges snapshot elements by their ids: `Observation.referenceRange.low` goes under
 * `Observation.referenceRange`, `Observation.category:laboratory` becomes a slice of `Observation.category`, and
 * `Observation.category:laboratory.coding` goes under that slice.
 * @param elements - `snapshot.element`, root first.
 * @param report - Receives a problem as (element index, reason).
 * @returns The tree, or undefined when there is no root element.
 */
export function buildSnapshotTree(
  elements: readonly ElementDefinition[],
  report: (index: number, reason: string) => void,
): SnapshotTree | undefined {
  const [first] = elements;
  if (!first) return undefined;
  const root: SnapshotNode = { ed: first, index: 0, children: [], slices: [] };
  const byId = new Map<string, SnapshotNode>([[idOf(first), root]]);
  for (let i = 1; i < elements.length; i++) {
    const ed = elements[i] as ElementDefinition;
    const id = idOf(ed);
    if (byId.has(id)) {
      report(i, `Duplicate element id ${id}`);
      continue;
    }
    const node: SnapshotNode = { ed, index: i, children: [], slices: [] };
    const dot = id.lastIndexOf('.');
    const parentId = id.slice(0, Math.max(dot, 0));
    const last = id.slice(dot + 1);
    const colon = last.indexOf(':');
    const owner = colon >= 0 ? byId.get(`${parentId}.${last.slice(0, colon)}`) : byId.get(parentId);
    if (dot < 0 || !owner) {
      report(i, `Element ${id} has no ${colon >= 0 ? 'sliced' : 'parent'} element before it`);
      continue;
    }
    if (colon >= 0) owner.slices.push(node);
    else owner.children.push(node);
    byId.set(id, node);
  }
  return { root, byId };
}

/** @returns The element id, or its path for definitions that omit ids. */
export function idOf(ed: ElementDefinition): string {
  return ed.id ?? ed.path;
}

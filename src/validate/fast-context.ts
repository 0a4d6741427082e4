import { buildTypeName } from '@medplum/core';
import type { Atom, TypedValue } from '@medplum/core';
import type { StructureDefinition } from '@medplum/fhirtypes';
import type { JsonObject } from './compiled-types.ts';
import { CORE_SD_BASE } from './definitions.ts';
import { choiceKey, typeCode } from './type-codes.ts';
import { buildSnapshotTree } from './snapshot-tree.ts';
import type { SnapshotNode, SnapshotTree } from './snapshot-tree.ts';

/** What the fast path knows about a context type (see fast-path.ts). */
export interface FastPathContext {
  /** FHIRPath type name of the context. */
  readonly typeName: string;
  /** JSON keys that carry a FHIRPath name (a choice name has several), or undefined if it is no element. */
  keysOf(name: string): readonly string[] | undefined;
  /** FHIR type codes of an element. */
  codesOf(name: string): readonly string[] | undefined;
  /** Whether the name is a single-valued primitive held as a JSON string. */
  isSingleString(name: string): boolean;
  /** The context of the resource the values belong to (`%resource`), when known at compile time. */
  readonly resource: FastPathContext | undefined;
  /** The context of an element's values of one complex type (`code` picks a choice type). */
  child(name: string, code?: string): FastPathContext | undefined;
  /** Evaluates an atom on an object of the context type that has no properties (compile time only). */
  evalOnEmpty(atom: Atom): TypedValue[];
}

/** Primitives that JSON carries as numbers or booleans; every other primitive is a JSON string. */
const NON_STRING = new Set(['boolean', 'decimal', 'integer', 'positiveInt', 'unsignedInt', 'integer64']);

interface Entry {
  node: SnapshotNode;
  keys: string[];
  codes: string[];
  singleString: boolean;
}

/**
 * Builds and caches {@link FastPathContext}s straight from snapshots, so they do not depend on the order in
 * which mutually referring types (Identifier and Reference) are compiled.
 */
export class FastContexts {
  private readonly definition: (url: string) => StructureDefinition | undefined;
  private readonly isPrimitive: (code: string) => boolean;
  private readonly trees = new Map<string, SnapshotTree | undefined>();
  private readonly contexts = new Map<SnapshotNode, FastPathContext>();
  /** Trees whose root is a resource, so that their elements know `%resource`. */
  private readonly resourceRoots = new Map<SnapshotTree, FastPathContext>();

  /**
   * @param definition - Core definition by URL.
   * @param isPrimitive - Whether a type code is a primitive.
   */
  constructor(definition: (url: string) => StructureDefinition | undefined, isPrimitive: (code: string) => boolean) {
    this.definition = definition;
    this.isPrimitive = isPrimitive;
  }

  /** @returns The context of a core datatype, or undefined for primitives and unknown types. */
  forDatatype(code: string): FastPathContext | undefined {
    if (this.isPrimitive(code)) return undefined;
    const url = CORE_SD_BASE + code;
    if (!this.trees.has(url)) {
      const sd = this.definition(url);
      this.trees.set(
        url,
        sd && sd.kind !== 'resource' ? buildSnapshotTree(sd.snapshot?.element ?? [], () => {}) : undefined,
      );
    }
    const tree = this.trees.get(url);
    return tree ? this.forNode(tree.root, tree, code, false) : undefined;
  }

  /**
   * @param node - A root, backbone or expanded datatype element.
   * @param tree - The snapshot it belongs to.
   * @param typeName - FHIRPath type name of its values.
   * @param isResource - Whether the node is a resource root.
   * @returns The context of the node's values.
   */
  forNode(node: SnapshotNode, tree: SnapshotTree, typeName: string, isResource: boolean): FastPathContext {
    let ctx = this.contexts.get(node);
    if (!ctx) {
      ctx = this.build(node, tree, typeName, isResource);
      this.contexts.set(node, ctx);
      if (isResource && node === tree.root) this.resourceRoots.set(tree, ctx);
    }
    return ctx;
  }

  private build(node: SnapshotNode, tree: SnapshotTree, typeName: string, isResource: boolean): FastPathContext {
    const index = new Map<string, Entry>();
    for (const c of node.children) {
      const ed = c.ed;
      const segment = ed.path.slice(ed.path.lastIndexOf('.') + 1);
      const choice = segment.endsWith('[x]');
      const name = choice ? segment.slice(0, -3) : segment;
      const source = ed.contentReference ? tree.byId.get(ed.contentReference.slice(1))?.ed : ed;
      const codes = (source?.type ?? []).map((t) => typeCode(t, source ?? ed));
      const keys = choice ? codes.map((code) => choiceKey(name, code)) : [name];
      const single = (ed.base?.max ?? ed.max) === '1';
      const [code] = codes;
      const singleString =
        !choice && single && codes.length === 1 && !!code && this.isPrimitive(code) && !NON_STRING.has(code);
      index.set(name, { node: c, keys, codes, singleString });
    }
    const child = (name: string, code?: string): FastPathContext | undefined => {
      const entry = index.get(name);
      const c = code ?? (entry?.codes.length === 1 ? entry.codes[0] : undefined);
      if (!entry || !c || !entry.codes.includes(c)) return undefined;
      const target = entry.node.ed.contentReference
        ? tree.byId.get(entry.node.ed.contentReference.slice(1))
        : entry.node;
      if (target && target.children.length > 0) {
        const structural = c === 'BackboneElement' || c === 'Element';
        const name2 = structural ? buildTypeName((target.ed.base?.path ?? target.ed.path).split('.')) : c;
        return this.forNode(target, tree, name2, false);
      }
      return this.forDatatype(c);
    };
    const roots = this.resourceRoots;
    return {
      typeName,
      get resource() {
        return roots.get(tree);
      },
      keysOf: (name) => index.get(name)?.keys,
      codesOf: (name) => index.get(name)?.codes,
      isSingleString: (name) => index.get(name)?.singleString ?? false,
      child,
      evalOnEmpty: (atom) => {
        const empty: TypedValue = {
          type: typeName,
          value: (isResource ? { resourceType: typeName } : {}) as JsonObject,
        };
        const variables = { '%context': empty, '%resource': empty, '%rootResource': empty, '%ucum': empty };
        return atom.eval({ variables }, [empty]);
      },
    };
  }
}

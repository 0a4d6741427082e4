import { buildTypeName } from '@medplum/core';
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import type { CompiledType, ElementRule, ExtraCheck, Invariant, PropRule } from './compiled-types.ts';
import { CORE_SD_BASE } from './definitions.ts';
import { choiceValue, compileBinding, compileSlicing, compileTargets, parseMax } from './element-parts.ts';
import type { FastContexts } from './fast-context.ts';
import { compileConstraint } from './invariants.ts';
import type { InvariantTarget } from './invariants.ts';
import { choiceKey, typeCode } from './type-codes.ts';
import type { PrimitiveRule } from './primitives.ts';
import { buildSnapshotTree, idOf } from './snapshot-tree.ts';
import type { SnapshotNode, SnapshotTree } from './snapshot-tree.ts';
import { isValidUcum } from './ucum.ts';
import type { ValueSetExpander } from './value-sets.ts';

/** What compiling a definition needs from its surroundings. */
export interface CompileEnv {
  readonly primitives: ReadonlyMap<string, PrimitiveRule>;
  readonly valueSets: ValueSetExpander;
  /** Fast-path contexts of core datatypes, shared across compiles. */
  readonly contexts: FastContexts;
  /** Concrete R4 resource types (an element typed with one holds a resource, like `Resource`). */
  readonly resourceTypes: ReadonlySet<string>;
  /** A core datatype or core datatype profile (SimpleQuantity), compiled, by canonical URL. */
  datatype(url: string): CompiledType | undefined;
  /** The snapshot of a core definition, by canonical URL. */
  definition(url: string): StructureDefinition | undefined;
  /** The resource type a loaded profile constrains. */
  profileType(url: string): string | undefined;
}

/**
 * Receives a problem. `gap` marks something the validator cannot check rather than an error in the definition:
 * a core invariant that needs a FHIRPath function the engine lacks (`constraint`), or a required binding whose
 * value set cannot be expanded (`binding`). Callers accept such gaps where they come from the core definitions.
 */
export type ProblemSink = (location: string, reason: string, gap?: 'constraint' | 'binding') => void;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Building = Mutable<CompiledType> & { props: Map<string, PropRule>; required: ElementRule[] };

const UCUM_SYSTEM = 'http://unitsofmeasure.org';
const ucumCheck: ExtraCheck = (o) =>
  o.system === UCUM_SYSTEM && typeof o.code === 'string' && o.code !== '' && !isValidUcum(o.code)
    ? { path: 'code', reason: 'Quantity.code is not a valid UCUM unit code' }
    : undefined;

/**
 * Compiles a StructureDefinition snapshot into the checks the walker runs: one {@link CompiledType} for the
 * root and one per backbone element (or profiled datatype element), sharing compiled datatypes.
 * @param sd - A definition with a snapshot.
 * @param env - Lookups.
 * @param sink - Receives problems, located by JSON pointer into the definition.
 * @param register - Called with the root type before it is filled, so that types referring back to it (e.g.
 *   Identifier and Reference) find it instead of compiling it again.
 * @returns The root type, or undefined when the snapshot is unusable.
 */
export function compileStructure(
  sd: StructureDefinition,
  env: CompileEnv,
  sink: ProblemSink,
  register?: (root: CompiledType) => void,
): CompiledType | undefined {
  const tree = buildSnapshotTree(sd.snapshot?.element ?? [], (i, r) => sink(`/snapshot/element/${i}`, r));
  if (!tree) {
    sink('/snapshot', 'Snapshot has no elements');
    return undefined;
  }
  return new StructureCompiler(sd, tree, env, sink, register).compileRoot();
}

class StructureCompiler {
  private readonly sd: StructureDefinition;
  private readonly tree: SnapshotTree;
  private readonly env: CompileEnv;
  private readonly sink: ProblemSink;
  private readonly register: ((root: CompiledType) => void) | undefined;
  private readonly types = new Map<SnapshotNode, CompiledType>();
  private readonly fromCore: boolean;

  constructor(
    sd: StructureDefinition,
    tree: SnapshotTree,
    env: CompileEnv,
    sink: ProblemSink,
    register: ((root: CompiledType) => void) | undefined,
  ) {
    this.sd = sd;
    this.tree = tree;
    this.env = env;
    this.sink = sink;
    this.register = register;
    this.fromCore = sd.url.startsWith('http://hl7.org/fhir/');
  }

  compileRoot(): CompiledType {
    const quantity = this.sd.type === 'Quantity' || this.sd.baseDefinition === `${CORE_SD_BASE}Quantity`;
    return this.typeOf(this.tree.root, this.sd.type, undefined, quantity ? [ucumCheck] : []);
  }

  /** A type made of a node's children; `datatype` is the base type when a profile expands a datatype. */
  private typeOf(node: SnapshotNode, typeName: string, datatype?: CompiledType, checks?: ExtraCheck[]): CompiledType {
    const known = this.types.get(node);
    if (known) return known;
    const isRoot = node === this.tree.root;
    const t: Building = {
      id: isRoot ? this.sd.url : `${this.sd.url}#${idOf(node.ed)}`,
      typeName,
      props: new Map(),
      required: [],
      invariants: [],
      extraChecks: datatype?.extraChecks ?? checks ?? [],
      isResource: isRoot && this.sd.kind === 'resource',
    };
    this.types.set(node, t);
    if (isRoot) this.register?.(t);
    for (const child of node.children) this.element(child, t);
    const ctx = this.env.contexts.forNode(node, this.tree, typeName, t.isResource);
    const own = this.constraints(node, { typeName, fromCore: this.fromCore, isObject: true, ctx });
    const inherited = datatype?.invariants ?? [];
    t.invariants = [...inherited, ...own.filter((i) => !inherited.some((h) => h.key === i.key))];
    return t;
  }

  private element(node: SnapshotNode, owner: Building): void {
    const ed = node.ed;
    const location = `/snapshot/element/${node.index}`;
    const report = (reason: string, gap?: 'binding'): void => this.sink(location, `${idOf(ed)}: ${reason}`, gap);
    const segment = ed.path.slice(ed.path.lastIndexOf('.') + 1);
    const isChoice = segment.endsWith('[x]');
    const name = isChoice ? segment.slice(0, -3) : segment;
    const min = ed.min ?? 0;
    const max = parseMax(ed.max);
    if (Number.isNaN(max) || min > max) report(`Invalid cardinality ${min}..${ed.max ?? ''}`);
    let typeNode: SnapshotNode | undefined = node.children.length > 0 ? node : undefined;
    let source: ElementDefinition = ed;
    if (ed.contentReference) {
      typeNode = this.tree.byId.get(ed.contentReference.replace(/^#/, ''));
      if (!typeNode) return report(`contentReference ${ed.contentReference} not found`);
      source = typeNode.ed;
    }
    const types = source.type ?? [];
    if (types.length === 0) return report('Element has no type');
    const codes = types.map((t) => typeCode(t, source));
    const slicing = compileSlicing(node, report);
    const sliceMin = slicing?.slices.reduce((n, s) => n + s.min, 0) ?? 0;
    const el: ElementRule = {
      path: ed.path,
      name,
      min: Math.max(min, sliceMin),
      max,
      isArray: parseMax(ed.base?.max ?? ed.max) > 1,
      isChoice,
      presenceKeys: codes.flatMap((c) => {
        const key = isChoice ? choiceKey(name, c) : name;
        return this.env.primitives.has(c) ? [key, '_' + key] : [key];
      }),
      fixed: choiceValue(ed, 'fixed'),
      pattern: choiceValue(ed, 'pattern'),
      binding: compileBinding(ed, this.env.valueSets, (r) => report(r, 'binding')),
      invariants: [],
      slicing,
      targets: compileTargets(ed, (url) => this.env.profileType(url)),
    };
    types.forEach((t, i) => {
      const code = codes[i] as string;
      const key = isChoice ? choiceKey(name, code) : name;
      const prop = this.prop(key, el, code, typeNode, t.profile?.[0], report);
      owner.props.set(key, prop);
      if (prop.primitive) owner.props.set('_' + key, this.companion('_' + key, el, report));
    });
    if (el.min > 0) owner.required.push(el);
    if (!typeNode) (el as Mutable<ElementRule>).invariants = this.elementInvariants(node, codes);
  }

  private prop(
    key: string,
    el: ElementRule,
    code: string,
    typeNode: SnapshotNode | undefined,
    profile: string | undefined,
    report: (r: string) => void,
  ): PropRule {
    const primitive = this.env.primitives.get(code);
    if (primitive) return { key, element: el, typeCode: code, companion: false, primitive };
    if (code === 'Resource' || code === 'DomainResource' || this.env.resourceTypes.has(code))
      return { key, element: el, typeCode: code, companion: false, resource: true };
    const structural = code === 'BackboneElement' || code === 'Element';
    if (typeNode) {
      const typeName = structural ? buildTypeName((typeNode.ed.base?.path ?? typeNode.ed.path).split('.')) : code;
      const datatype = structural ? undefined : this.env.datatype(CORE_SD_BASE + code);
      return { key, element: el, typeCode: code, companion: false, complex: this.typeOf(typeNode, typeName, datatype) };
    }
    const url = profile && this.env.definition(profile)?.type === code ? profile : CORE_SD_BASE + code;
    const complex = this.env.datatype(url);
    if (!complex) report(`Unknown type ${code}`);
    return { key, element: el, typeCode: code, companion: false, complex };
  }

  private companion(key: string, el: ElementRule, report: (r: string) => void): PropRule {
    const complex = this.env.datatype(`${CORE_SD_BASE}Element`);
    if (!complex) report('Element type missing');
    return { key, element: el, typeCode: 'Element', companion: true, complex };
  }

  /** Constraints of a datatype-typed element that its datatype does not already carry (e.g. profile rules). */
  private elementInvariants(node: SnapshotNode, codes: string[]): Invariant[] {
    const [code] = codes;
    const fromCore = this.fromCore;
    // A choice of several types gives no single context type: such constraints always run in full.
    if (code === undefined || codes.length > 1) {
      return this.constraints(node, { typeName: codes.join('|'), fromCore, isObject: false });
    }
    const ctx = this.env.contexts.forDatatype(code);
    const target: InvariantTarget = ctx
      ? { typeName: code, fromCore, isObject: true, ctx }
      : { typeName: code, fromCore, isObject: false };
    const own = this.constraints(node, target);
    const datatype = ctx ? this.env.datatype(CORE_SD_BASE + code) : undefined;
    return own.filter((i) => !datatype?.invariants.some((h) => h.key === i.key));
  }

  private constraints(node: SnapshotNode, target: InvariantTarget): Invariant[] {
    const out: Invariant[] = [];
    (node.ed.constraint ?? []).forEach((c, i) => {
      const r = compileConstraint(c, target);
      const location = `/snapshot/element/${node.index}/constraint/${i}`;
      if (r.kind === 'invariant') out.push(r.invariant);
      else if (r.kind === 'problem') this.sink(location, `${idOf(node.ed)}: ${r.reason}`);
      else if (r.reason) this.sink(location, `${idOf(node.ed)}: ${r.reason}`, 'constraint');
    });
    return out;
  }
}

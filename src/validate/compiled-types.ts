import type { PrimitiveRule } from './primitives.ts';

/** A JSON object from the instance being validated. */
export type JsonObject = Record<string, unknown>;

/**
 * Outcome of evaluating a boolean FHIRPath expression cheaply: the FHIRPath result `false`, `true` or empty,
 * or Unknown when only the full evaluation can tell.
 */
export const Tri = { False: 0, True: 1, Empty: 2, Unknown: 3 } as const;
/** One of the {@link Tri} values. */
export type Tri = (typeof Tri)[keyof typeof Tri];

/** The resources an invariant may reach through `%resource` and `%rootResource`. */
export interface ResourceScope {
  /** The resource the value belongs to (a contained resource when inside `contained`). */
  readonly resource: JsonObject;
  /** The outermost resource. */
  readonly rootResource: JsonObject;
}

/** One compiled FHIRPath invariant (ElementDefinition.constraint). */
export interface Invariant {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  readonly expression: string;
  /** Cheap evaluation on the JSON object; {@link Tri.Unknown} means "run {@link Invariant.full}". */
  readonly fast: (obj: JsonObject, scope: ResourceScope) => Tri;
  /**
   * Full evaluation.
   * @param value - The context: an object, or a primitive for constraints on primitive elements.
   * @param typeName - Its FHIRPath type name (e.g. `ObservationReferenceRange`).
   * @param scope - The resources around it.
   * @returns true when the invariant holds; throws when the expression cannot be evaluated.
   */
  readonly full: (value: unknown, typeName: string, scope: ResourceScope) => boolean;
}

/** A required binding, compiled. */
export interface BindingRule {
  /** Value set canonical, for messages. */
  readonly valueSet: string;
  /**
   * @param value - A code string, Coding, CodeableConcept or Quantity.
   * @param typeCode - Its FHIR type.
   * @returns true when the value is in the value set.
   */
  readonly test: (value: unknown, typeCode: string) => boolean;
}

/** One slice of a sliced element. */
export interface SliceRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Whether an item belongs to this slice (by its discriminators). */
  readonly matches: (item: unknown) => boolean;
}

/** Slicing of a repeating element. */
export interface SlicingRule {
  /** Items that match no slice are errors. */
  readonly closed: boolean;
  readonly slices: readonly SliceRule[];
}

/** One element definition, compiled. */
export interface ElementRule {
  /** Element path, e.g. `Observation.value[x]`. */
  readonly path: string;
  /** FHIRPath name, e.g. `value`. */
  readonly name: string;
  readonly min: number;
  /** Infinity for `*`. */
  readonly max: number;
  /** Whether the JSON holds an array (decided by the base definition, not by a profile's max). */
  readonly isArray: boolean;
  readonly isChoice: boolean;
  /** JSON property names that carry this element, with `_name` companions of primitives. */
  readonly presenceKeys: readonly string[];
  readonly fixed?: unknown;
  readonly pattern?: unknown;
  readonly binding?: BindingRule;
  /** Invariants declared on this element that its type does not already carry. */
  readonly invariants: readonly Invariant[];
  readonly slicing?: SlicingRule;
  /** Allowed Reference target resource types; undefined means any. */
  readonly targets?: ReadonlySet<string>;
}

/** How values of one JSON property are checked. */
export interface PropRule {
  readonly key: string;
  readonly element: ElementRule;
  /** FHIR type code of the values, e.g. `Quantity`, `code`, `Resource`. */
  readonly typeCode: string;
  /** `_name` companion holding id/extensions of a primitive. */
  readonly companion: boolean;
  readonly primitive?: PrimitiveRule;
  /** The type of complex values (an object that may still be filling while datatypes refer to each other). */
  readonly complex?: CompiledType;
  /** Values are resources, validated by their own resourceType. */
  readonly resource?: boolean;
}

/** A datatype, backbone element, resource or profile, compiled. */
export interface CompiledType {
  /** Definition URL, plus `#path` for backbone and profiled elements. */
  readonly id: string;
  /** FHIRPath type name passed to the evaluator. */
  readonly typeName: string;
  readonly props: ReadonlyMap<string, PropRule>;
  readonly required: readonly ElementRule[];
  readonly invariants: readonly Invariant[];
  /** Checks that no definition expresses (e.g. UCUM codes); each returns reasons with a sub-path. */
  readonly extraChecks: readonly ExtraCheck[];
  readonly isResource: boolean;
}

/** A native check run on every object of a type. */
export type ExtraCheck = (obj: JsonObject) => { path: string; reason: string } | undefined;

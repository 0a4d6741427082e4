import type { ElementDefinition, ElementDefinitionConstraint } from '@medplum/fhirtypes';

/**
 * One change to the base snapshot. `id` names the element: an existing one (`Observation.subject`), a new
 * slice (`Observation.category:laboratory`, cloned from the sliced element), or a child of a datatype element
 * (`Patient.identifier.system`, for which the datatype's elements are expanded into the snapshot).
 */
export type ElementChange = { id: string } & Partial<
  Pick<ElementDefinition, 'min' | 'max' | 'type' | 'slicing' | 'mustSupport' | 'short' | 'patternCodeableConcept'>
> & {
    /** Invariants added to the element (their `source` is set to the profile URL). */
    constraint?: Omit<ElementDefinitionConstraint, 'source'>[];
  };

/** A compact description of a profile, from which the StructureDefinition is generated. */
export interface ProfileSpec {
  id: string;
  /** Machine name (StructureDefinition.name). */
  name: string;
  title: string;
  /** The resource type constrained. */
  type: string;
  description: string;
  /** Changes in any order; the output follows snapshot order. */
  elements: ElementChange[];
}

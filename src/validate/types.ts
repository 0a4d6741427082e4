import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/** Validates produced resources; shared by the conversion path, the conformance runner and (later) the embedded server. */
export interface ResourceValidator {
  /**
   * Validates one resource against base FHIR R4 (structure, cardinality, required bindings, invariants) and
   * against every studybridge profile it claims in `meta.profile`.
   * @param resource - The resource to check.
   * @returns The issues found, each with a FHIR path in `expression`; empty when valid. Never throws for invalid input.
   */
  validate(resource: Resource): OperationOutcomeIssue[];
}

/** Options for loading a validator. */
export interface ValidatorOptions {
  /** Directory holding `StructureDefinition-*.json` profiles. */
  profilesDir: string;
  /**
   * Compile every core R4 resource type while loading (~0.1 s, ~10 MB of heap) instead of each one when it is
   * first validated. For long-running processes that validate any type (the service); default false.
   */
  compileAll?: boolean;
}

import type { Observation, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { beforeAll } from 'vitest';
import { labObservation } from './fixtures.ts';
import { loadValidator } from './load-validator.ts';
import { PROFILES_DIR } from './profile-gen/write-profiles.ts';
import type { ResourceValidator, ValidatorOptions } from './types.ts';

/** Canonical base of the studybridge profiles. */
export const SB = 'https://studybridge.org/fhir/StructureDefinition/';

/** A resource as loose JSON, for breaking it in tests. */
export type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Helpers bound to a validator loaded with the committed profiles. */
export interface ValidatorHarness {
  /** The validator (set once `beforeAll` ran). */
  readonly validator: ResourceValidator;
  /** Error issues for a resource. */
  errors(resource: unknown): OperationOutcomeIssue[];
  /** `path: diagnostics` of each error, to assert on both at once. */
  found(resource: unknown): string[];
  /** A conforming lab Observation changed by `change`. */
  obs(change: (o: Loose) => void): Observation;
}

/**
 * Loads the validator with the committed profiles in a `beforeAll` of the calling test file.
 * @param options - `compileAll` to compile every core resource type while loading.
 * @returns Helpers that use it.
 */
export function useValidator(options: Pick<ValidatorOptions, 'compileAll'> = {}): ValidatorHarness {
  let validator: ResourceValidator | undefined;
  beforeAll(async () => {
    validator = await loadValidator({ profilesDir: PROFILES_DIR, ...options });
  });
  const get = (): ResourceValidator => {
    if (!validator) throw new Error('validator not loaded yet');
    return validator;
  };
  const errors = (resource: unknown): OperationOutcomeIssue[] =>
    get()
      .validate(resource as Resource)
      .filter((i) => i.severity === 'error');
  return {
    get validator() {
      return get();
    },
    errors,
    found: (resource) => errors(resource).map((i) => `${i.expression?.[0]}: ${i.diagnostics}`),
    obs(change) {
      const o = labObservation(0) as Loose;
      change(o);
      return o as Observation;
    },
  };
}

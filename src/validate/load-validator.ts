import { loadProfiles } from './profiles.ts';
import { CoreRegistry } from './registry.ts';
import type { ResourceValidator, ValidatorOptions } from './types.ts';
import { CompiledValidator } from './validator.ts';

let registry: CoreRegistry | undefined;

/**
 * Loads a validator: the core R4 definitions (read, cleaned and indexed once per process, then shared by every
 * validator) and the profiles of `options.profilesDir` (read and compiled once per call).
 * @param options - Where the profiles are.
 * @returns A validator; its `validate` never throws.
 * @throws AdapterError `profile.invalid` listing every problem of every profile file at once.
 */
export async function loadValidator(options: ValidatorOptions): Promise<ResourceValidator> {
  registry ??= new CoreRegistry();
  const profiles = await loadProfiles(options.profilesDir, registry);
  // Every R4 resource type compiles in under 0.1 s: done here, no request pays for it and all gaps are known.
  for (const type of registry.defs.resourceTypes) registry.resource(type);
  return new CompiledValidator(registry, profiles);
}

/**
 * Known gaps of the core definitions met so far (value sets that cannot be expanded, invariants the FHIRPath
 * engine cannot evaluate), for documentation and tests.
 * @returns One line per gap.
 */
export function coreLimitations(): readonly string[] {
  return registry?.limitations ?? [];
}

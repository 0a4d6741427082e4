import { loadProfiles } from './profiles.ts';
import { CoreRegistry } from './registry.ts';
import type { ResourceValidator, ValidatorOptions } from './types.ts';
import { CompiledValidator } from './validator.ts';

let registry: CoreRegistry | undefined;

/**
 * Loads a validator: the core R4 definitions (read, cleaned and indexed once per process, then shared by every
 * validator) and the profiles of `options.profilesDir` (read and compiled once per call). Core resource types
 * compile when first validated, or all of them here with `options.compileAll`.
 * @param options - Where the profiles are; whether to compile every core resource type now.
 * @returns A validator; its `validate` never throws.
 * @throws AdapterError `profile.invalid` listing every problem of every profile file at once.
 */
export async function loadValidator(options: ValidatorOptions): Promise<ResourceValidator> {
  registry ??= new CoreRegistry();
  const profiles = await loadProfiles(options.profilesDir, registry);
  // All R4 resource types compile in ~0.1 s and hold ~10 MB: a long-running service does it here, so that no
  // request pays for it and all gaps are known; a batch that validates a few types compiles only those.
  if (options.compileAll) for (const type of registry.defs.resourceTypes) registry.resource(type);
  return new CompiledValidator(registry, profiles);
}

/**
 * Known gaps of the core definitions met so far (value sets that cannot be expanded, invariants the FHIRPath
 * engine cannot evaluate), for documentation and tests; all of them once a validator was loaded with
 * `compileAll`.
 * @returns One line per gap.
 */
export function coreLimitations(): readonly string[] {
  return registry?.limitations ?? [];
}

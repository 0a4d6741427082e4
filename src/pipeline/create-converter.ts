import { loadMappings } from '../map/load-mappings.ts';
import { loadValidator } from '../validate/load-validator.ts';
import { createConvert } from './convert.ts';
import type { ConvertFn } from './convert-types.ts';

/** What a converter needs to load once at start. */
export interface ConverterOptions {
  /** Directory of mapping files (default `./mappings`). */
  mappingsDir: string;
  /** Directory of StructureDefinition profiles (default `./profiles`). */
  profilesDir: string;
}

/**
 * Loads mappings and profiles once and returns the conversion function (parse → map → validate → bundle).
 * Throws an AdapterError (`mapping.invalid` or `profile.invalid`) listing every problem when loading fails.
 * @param options - Where mappings and profiles live.
 * @returns The conversion function.
 */
export async function createConverter(options: ConverterOptions): Promise<ConvertFn> {
  const [mappings, validator] = await Promise.all([
    loadMappings(options.mappingsDir),
    loadValidator({ profilesDir: options.profilesDir }),
  ]);
  return createConvert({ mappings, validator });
}

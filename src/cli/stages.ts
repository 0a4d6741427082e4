import type { ConverterOptions } from '../pipeline/create-converter.ts';
import type { ConvertFn } from '../pipeline/convert-types.ts';
import type { ResourceValidator, ValidatorOptions } from '../validate/types.ts';

/**
 * The pipeline stages the commands use, injected so tests can run commands with fakes and without loading
 * mappings, profiles or the FHIR definitions.
 */
export interface Stages {
  /** See `createConverter` in `src/pipeline/create-converter.ts`. */
  createConverter(options: ConverterOptions): Promise<ConvertFn>;
  /** See `loadMappings` in `src/map/load-mappings.ts`; the result is only summarised, so it stays opaque here. */
  loadMappings(dir: string): Promise<unknown>;
  /** See `loadValidator` in `src/validate/load-validator.ts`. */
  loadValidator(options: ValidatorOptions): Promise<ResourceValidator>;
}

/**
 * The real stages. Each is imported on first use: `--help` and `serve` should not pay for indexing the
 * FHIR definitions.
 */
export const realStages: Stages = {
  async createConverter(options) {
    const { createConverter } = await import('../pipeline/create-converter.ts');
    return createConverter(options);
  },
  async loadMappings(dir) {
    const { loadMappings } = await import('../map/load-mappings.ts');
    return loadMappings(dir);
  },
  async loadValidator(options) {
    // Imported by URL rather than by literal specifier while src/validate/load-validator.ts is being
    // written, so this module type-checks either way; switch to a literal import once it has landed.
    const url = new URL('../validate/load-validator.ts', import.meta.url).href;
    const mod = (await import(url)) as {
      loadValidator(o: ValidatorOptions): ResourceValidator | Promise<ResourceValidator>;
    };
    return mod.loadValidator(options);
  },
};

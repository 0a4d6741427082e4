import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../errors/error-codes.ts';
import type { AdapterError } from '../errors/adapter-error.ts';
import { adapterError, adapterErrorFromIssues, issue, IssueType } from '../errors/outcomes.ts';
import type { AnyResolvedLayout } from '../map/csv/layout-types.ts';
import type { Mappings } from '../map/mapping-types.ts';
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
  /**
   * See {@link loadCsvImport}. Optional so that fakes of the other stages need not provide it; commands fall back
   * to the real one.
   */
  loadCsvImport?(options: CsvImportOptions): Promise<CsvImportParts>;
}

/** What `import` asks to be loaded. */
export interface CsvImportOptions {
  mappingsDir: string;
  profilesDir: string;
  /** A layout file path, or the id of a layout in `<mappingsDir>/csv/`. */
  mapping: string;
  /**
   * Id of a study in `<mappingsDir>/studies/`: a lab layout's results then belong to it (whatever study the layout
   * names); a study layout must already name this one.
   */
  study?: string;
  /** Load the validator too. */
  validator: boolean;
}

/** What a CSV import needs, loaded once. */
export interface CsvImportParts {
  mappings: Mappings;
  layout: AnyResolvedLayout;
  /** Present when asked for. */
  validator?: ResourceValidator;
}

/** A layout given as a file rather than an id: a YAML name or anything with a directory in it. */
const LAYOUT_PATH = /\.ya?ml$|[\\/]/i;

/**
 * Loads the mapping set, the layout and (when asked) the validator for a CSV import. A layout id is read from
 * `<mappingsDir>/csv/<id>.yaml` alone, so a broken layout elsewhere in the directory does not stop this one.
 * @param options - Directories, layout and whether to validate.
 * @returns The parts.
 * @throws AdapterError `mapping.invalid` for a layout or mapping problem, `csv.unknown-layout` for an id with no
 *   layout file (naming the ids there are), `profile.invalid` for the profiles.
 */
export async function loadCsvImport(options: CsvImportOptions): Promise<CsvImportParts> {
  const [{ loadMappings }, { loadAnyCsvLayout }] = await Promise.all([
    import('../map/load-mappings.ts'),
    import('../map/csv/load-layouts.ts'),
  ]);
  const [mappings, validator] = await Promise.all([
    loadMappings(options.mappingsDir),
    options.validator ? realStages.loadValidator({ profilesDir: options.profilesDir }) : undefined,
  ]);
  let file = options.mapping;
  if (!LAYOUT_PATH.test(file)) {
    const dir = path.join(options.mappingsDir, 'csv');
    const found = ['.yaml', '.yml'].map((ext) => path.join(dir, file + ext)).find((f) => existsSync(f));
    if (!found) throw await unknownLayout(options.mapping, dir);
    file = found;
  }
  let layout = await loadAnyCsvLayout(file, mappings);
  if (options.study !== undefined) layout = await withStudy(layout, options.study, mappings, file);
  return { mappings, layout, ...(validator ? { validator } : {}) };
}

/** Ties a lab layout to the study `--study` names, or checks that a study layout names it already. */
async function withStudy(
  layout: AnyResolvedLayout,
  id: string,
  mappings: Mappings,
  file: string,
): Promise<AnyResolvedLayout> {
  const [{ loadStudies }, { tieLabLayoutToStudy }, { isLabLayout }] = await Promise.all([
    import('../map/study/load-studies.ts'),
    import('../map/csv/load-layouts.ts'),
    import('../map/csv/layout-types.ts'),
  ]);
  const refuse = (reason: string, pointer = '/study'): AdapterError =>
    adapterErrorFromIssues(ErrorCode.MappingInvalid, [
      issue('error', IssueType.Value, reason, { file: `${file}:${pointer}` }),
    ]);
  if (!isLabLayout(layout)) {
    if (layout.layout.study === id) return layout;
    throw refuse(`--study ${id}: this ${layout.kind} layout belongs to study '${layout.layout.study}'`);
  }
  const studies = await loadStudies(path.join(mappings.dir, 'studies'), mappings);
  const study = studies.get(id);
  if (!study) throw refuse(`--study ${id}: no such study (studies: ${[...studies.keys()].join(', ') || 'none'})`);
  const tied = tieLabLayoutToStudy(layout, study, mappings);
  if (!tied.ok) {
    throw adapterErrorFromIssues(
      ErrorCode.MappingInvalid,
      tied.problems.map((p) => issue('error', IssueType.Value, p.reason, { file: `${file}:${p.pointer}` })),
    );
  }
  return tied.layout;
}

async function unknownLayout(id: string, dir: string): Promise<Error> {
  const ids = await readdir(dir).then(
    (names) => names.filter((n) => /\.ya?ml$/i.test(n)).map((n) => n.replace(/\.ya?ml$/i, '')),
    () => [],
  );
  const known = ids.length ? `layouts there: ${ids.sort().join(', ')}` : 'no layouts there';
  return adapterError(ErrorCode.CsvUnknownLayout, IssueType.NotSupported, `no layout '${id}' (${known})`, {
    file: dir,
  });
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
  loadCsvImport,
};

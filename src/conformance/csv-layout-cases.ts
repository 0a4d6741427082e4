/**
 * What the `.csv` case kind needs from the real pipeline: the layouts of the mapping set, and a conversion that
 * looks a case's layout up by id. Kept apart from `case-kinds.ts` so the runner never imports the CSV pipeline,
 * and loaded on demand by the command so `--help` does not pay for it.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { AnyCsvLayouts } from '../map/csv/layout-types.ts';
import { loadCsvLayoutSet } from '../map/csv/load-layouts.ts';
import type { Mappings } from '../map/mapping-types.ts';
import { convertCsvAll, type CsvConvertDeps } from '../pipeline/convert-csv.ts';
import type { CsvCaseConvertFn } from './case-kinds.ts';

/** Where a mapping set keeps its CSV layouts, relative to the mappings directory. */
export const LAYOUTS_SUBDIR = 'csv';

/**
 * Loads the CSV layouts of a mapping set, from `<mappingsDir>/csv`. A mapping set without that folder has no
 * layouts; CSV cases then fail by naming the layout they lack, while HL7 cases run as before.
 * @param mappingsDir - The mappings directory.
 * @param mappings - The mapping set loaded from it.
 * @returns The layouts by id (empty without a layouts folder).
 * @throws AdapterError `mapping.invalid` listing every problem of every layout.
 */
export async function loadCaseLayouts(mappingsDir: string, mappings: Mappings): Promise<AnyCsvLayouts> {
  const dir = path.join(mappingsDir, LAYOUTS_SUBDIR);
  const present = await access(dir).then(
    () => true,
    () => false,
  );
  return present ? loadCsvLayoutSet(dir, mappings) : new Map();
}

/**
 * @param layouts - The loaded layouts by id.
 * @param deps - Mappings and validator, as the service converts with them.
 * @returns A conversion of whole CSV files by layout id, for `csvCaseKind`.
 */
export function layoutCaseConverter(layouts: AnyCsvLayouts, deps: CsvConvertDeps): CsvCaseConvertFn {
  return async (input, layoutId, options) => {
    const layout = layouts.get(layoutId);
    if (!layout) {
      const known = [...layouts.keys()].map((id) => `'${id}'`).join(', ') || 'none';
      throw new Error(
        `no CSV layout '${layoutId}': a CSV case sits in a folder named after its layout (known: ${known})`,
      );
    }
    return (await convertCsvAll(input, layout, deps, options)).results;
  };
}
